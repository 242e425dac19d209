// The shared first lines of model-file errors, and the one rule that tells a cut download from a
// damaged length field: how far past the end of the file the header points.
#include "engine/model/model_file_error.h"

#include "engine/model/format_bytes.h"

namespace enclave {

std::pair<std::string_view, std::string_view> ModelFileError::splitModelFileMessage(std::string_view message)
{
    const size_t newline = message.find('\n');
    if (newline == std::string_view::npos)
        return {message, {}};
    return {message.substr(0, newline), message.substr(newline + 1)};
}

std::string notModelFileMessage(std::string_view format)
{
    return "This is not a " + std::string(format) + " model file.";
}

std::string damagedFileMessage(std::string_view format)
{
    return "This " + std::string(format) + " file is damaged and cannot be read.";
}

std::string shortFileMessage(std::string_view format, uint64_t actualBytes, uint64_t expectedBytes)
{
    if (expectedBytes > kMaxPlausibleFileBytes)
        return damagedFileMessage(format);
    std::string actual = formatBytes(actualBytes);
    std::string expected = formatBytes(expectedBytes);
    if (actual == expected) { // "4.21 GB of 4.21 GB" says nothing: every digit then
        actual = formatByteCount(actualBytes);
        expected = formatByteCount(expectedBytes) + " bytes";
    }
    return "The file is incomplete (" + actual + " of " + expected + "); the download may have stopped.";
}

std::string shortHeaderMessage(std::string_view format, uint64_t actualBytes, uint64_t neededBytes)
{
    if (neededBytes > kMaxPlausibleHeaderBytes)
        return damagedFileMessage(format);
    return "The file is incomplete (it ends after " + formatBytes(actualBytes) +
           ", inside its header); the download may have stopped.";
}

} // namespace enclave
