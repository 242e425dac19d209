// The enclave executable's entry: command line, logging, the QML window.
#pragma once

namespace enclave::app {

int runApplication(int argc, char **argv);

} // namespace enclave::app
