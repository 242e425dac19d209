// Python str semantics over UTF-8 for the chat-template language: code-point indexing, whitespace,
// strip/split/replace, case mapping. Case mapping covers ASCII, Latin-1, Greek and Cyrillic only.
// Every function here is linear in its input, charges the render budget and fails past the size limits.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace enclave::jinja {

std::vector<std::string> splitCodePoints(std::string_view s);
std::vector<char32_t> decodeUtf8(std::string_view s); // invalid bytes become U+FFFD
void appendUtf8(std::string &out, char32_t c);
std::string encodeUtf8(const std::vector<char32_t> &codePoints, size_t begin, size_t end);
size_t codePointCount(std::string_view s);

bool isPythonSpace(char32_t c); // str.isspace()
char32_t toUpper(char32_t c);
char32_t toLower(char32_t c);
bool isCased(char32_t c);

std::string upper(std::string_view s);
std::string lower(std::string_view s);
std::string capitalize(std::string_view s); // str.capitalize()
std::string pythonTitle(std::string_view s); // str.title()

// str.strip/lstrip/rstrip; `chars` absent strips whitespace.
std::string strip(std::string_view s, std::optional<std::string_view> chars, bool left, bool right);

// str.split / str.rsplit; `sep` absent splits on whitespace runs. maxSplit < 0 means no limit.
std::vector<std::string> split(std::string_view s, std::optional<std::string_view> sep, int64_t maxSplit);
std::vector<std::string> rsplit(std::string_view s, std::optional<std::string_view> sep, int64_t maxSplit);
std::vector<std::string> splitLines(std::string_view s, bool keepEnds);

// Substring search in linear time whatever the needle (std::string::find is O(n*m) at worst).
// findText: first occurrence at or after `from`; rfindText: last one ending at or before `end`.
size_t findText(std::string_view s, std::string_view sub, size_t from = 0);
size_t rfindText(std::string_view s, std::string_view sub, size_t end = std::string_view::npos);

std::string replace(std::string_view s, std::string_view from, std::string_view to, int64_t count);
int64_t countOccurrences(std::string_view s, std::string_view sub);
std::string htmlEscape(std::string_view s); // & < > " ' as Jinja's escape filter does

// str.center/ljust/rjust with a single fill character, widths in code points.
std::string pad(std::string_view s, int64_t width, std::string_view fill, int align /* -1 left, 0 center, 1 right */);

} // namespace enclave::jinja
