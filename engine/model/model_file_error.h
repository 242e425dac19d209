// ModelFileError: why a model file cannot be used, told at two levels: one plain sentence for the
// person who chose the file, then the technical detail (path, offsets, bytes found) for the log.
// what() is "<user message>\n<detail>", so any std::exception handler (the CLI, a log line) shows both.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>

namespace enclave {

// The base of GgufError and SafetensorsError. Copying never throws (only what() is stored).
class ModelFileError : public std::runtime_error {
public:
    // A message with no separate user line: userMessage() is all of it, detail() is empty.
    explicit ModelFileError(const std::string &message) : std::runtime_error(message) {}
    // `userMessage`: one line without a path ("This is not a GGUF model file."); `detail`: the
    // technical part, names from the file already escaped by the thrower.
    ModelFileError(const std::string &userMessage, const std::string &detail)
        : std::runtime_error(detail.empty() ? userMessage : userMessage + '\n' + detail)
    {
    }

    // The first line of what().
    std::string userMessage() const { return std::string(splitModelFileMessage(what()).first); }
    // Everything after the first line; "" when there is nothing more.
    std::string detail() const { return std::string(splitModelFileMessage(what()).second); }

    // {first line, the rest} of a message in what() form; the rest is "" for a one-line message.
    static std::pair<std::string_view, std::string_view> splitModelFileMessage(std::string_view message);
};

// The first lines the readers of every format share; `format` is "GGUF" or "safetensors".
// "This is not a GGUF model file."
std::string notModelFileMessage(std::string_view format);
// "This GGUF file is damaged and cannot be read."
std::string damagedFileMessage(std::string_view format);
// The file ends at `actualBytes` but its header places data up to `expectedBytes`: "The file is
// incomplete (1.20 MB of 4.21 GB); the download may have stopped." When `expectedBytes` is beyond
// any real model (kMaxPlausibleFileBytes) the header field is damaged instead: damagedFileMessage().
std::string shortFileMessage(std::string_view format, uint64_t actualBytes, uint64_t expectedBytes);
// The file ends at `actualBytes` inside its header, where the field being read needs `neededBytes`:
// "The file is incomplete (it ends after 812 B, inside its header); the download may have stopped."
// Beyond kMaxPlausibleHeaderBytes the length field is damaged instead: damagedFileMessage().
std::string shortHeaderMessage(std::string_view format, uint64_t actualBytes, uint64_t neededBytes);

// A header of a real model takes a few MB (a large vocabulary included); a field that implies more
// than this is a damaged length, not a cut download.
inline constexpr uint64_t kMaxPlausibleHeaderBytes = uint64_t(1) << 30;
// Likewise for the whole file (one file of a split model included).
inline constexpr uint64_t kMaxPlausibleFileBytes = uint64_t(1) << 44;

} // namespace enclave
