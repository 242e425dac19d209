// formatBytes: byte counts in messages, in decimal units ("4.21 GB"), shared by the model readers,
// the converter, the CLI and the runtime.
#pragma once

#include <cstdint>
#include <string>

namespace enclave {

// "4.21 GB" / "812 MB" / "96 KB" / "17 B".
std::string formatBytes(uint64_t bytes);

// Every digit, grouped by thousands: "4,214,812,001".
std::string formatByteCount(uint64_t bytes);

} // namespace enclave
