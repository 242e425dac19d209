// Limits for JSON read from model folders, tokenizers and imported files. nlohmann's parser
// does not recurse, but copying, dumping and walking a value do: a document nested 10^5 deep
// overflows the stack there. checkJsonDepth scans the text once (strings skipped) and refuses
// anything deeper than the limit before a value is built.
#pragma once

#include <nlohmann/json.hpp>

#include <cstddef>
#include <stdexcept>
#include <string>
#include <string_view>

namespace enclave {

// Deep enough for every real config.json, tokenizer.json and conversation export (they nest
// fewer than 12 levels), shallow enough that every recursive walk is safe on a 1 MiB stack.
inline constexpr int kMaxJsonDepth = 64;

// Throws std::runtime_error "JSON nested deeper than N levels (at byte X)" when an object or
// array opens more than maxDepth levels deep. Malformed text is left for the parser to report.
void checkJsonDepth(std::string_view text, int maxDepth = kMaxJsonDepth);

// The one way the engine parses JSON from a file: checkJsonDepth, then nlohmann's parser (or
// ordered_json's, where key order matters). Throws std::runtime_error for both refusals ("JSON
// nested deeper than ..." / "not valid JSON: ..."); callers add the file's name and their type.
template <class Json = nlohmann::json> Json parseBoundedJson(std::string_view text)
{
    checkJsonDepth(text);
    try {
        return Json::parse(text.begin(), text.end());
    } catch (const typename Json::exception &e) {
        throw std::runtime_error(std::string("not valid JSON: ") + e.what());
    }
}

} // namespace enclave
