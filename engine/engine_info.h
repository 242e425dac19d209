// Build facts of the engine, for --version and the about box.
#pragma once

#include <string_view>

namespace enclave {

std::string_view engineVersion();

} // namespace enclave
