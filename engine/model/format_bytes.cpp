// formatBytes: decimal units with two decimals past 1 KB, as file managers show sizes.
#include "engine/model/format_bytes.h"

#include <cstddef>
#include <cstdio>

namespace enclave {

std::string formatBytes(uint64_t bytes)
{
    const char *units[] = {"B", "KB", "MB", "GB", "TB"};
    double v = double(bytes);
    int u = 0;
    while (v >= 1000.0 && u < 4)
        v /= 1000.0, ++u;
    char text[32];
    std::snprintf(text, sizeof text, u == 0 ? "%.0f %s" : "%.2f %s", v, units[u]);
    return text;
}

std::string formatByteCount(uint64_t bytes)
{
    std::string digits = std::to_string(bytes);
    for (auto at = static_cast<ptrdiff_t>(digits.size()) - 3; at > 0; at -= 3)
        digits.insert(static_cast<size_t>(at), 1, ',');
    return digits;
}

} // namespace enclave
