// Build facts of the engine, for --version and the about box.
#include "engine/engine_info.h"

namespace enclave {

std::string_view engineVersion() { return ENCLAVE_VERSION; }

} // namespace enclave
