// enclave: the desktop application.
#include "app/application.h"

int main(int argc, char **argv) { return enclave::app::runApplication(argc, argv); }
