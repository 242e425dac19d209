// Shared pieces of the fuzz targets: a scratch file per process (the loaders read paths, as the
// app does), the catch-all that turns a clean rejection into "fine", and the tiny run that
// exercises a model that loaded.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace enclave::fuzz {

// A private folder under $TMPDIR (or /tmp), made once per process and removed at exit.
const std::string &scratchDir();
// Writes bytes to scratchDir()/name and returns the path.
std::string writeScratch(const std::string &name, std::string_view bytes);
// A fuzz input as text.
inline std::string_view asText(const uint8_t *data, size_t size) { return {reinterpret_cast<const char *>(data), size}; }
// Splits an input at the first "\n====\n" into two parts (the second empty when absent).
std::pair<std::string_view, std::string_view> splitInput(std::string_view input);
// Everything the app does with a model path: describe, estimate memory, load, evaluate a few
// tokens on a small context. Exceptions derived from std::exception are the expected outcome for
// bad files; anything else escapes and is a finding.
void useModel(const std::string &path);

} // namespace enclave::fuzz
