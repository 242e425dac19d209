// Checked tokenizer.json reads. nlohmann parses without recursion, but copying and walking a value
// recurse, so a document nested 10^5 deep is refused on its text before it is parsed.
#include "engine/text/hf_json_read.h"

#include "engine/model/json_limits.h"
#include "engine/model/printable.h"

namespace enclave::hfjson {

void fail(const std::string &message) { throw TokenizerFormatError("tokenizer.json: " + message); }

Json parse(std::string_view text, const char *name)
{
    try {
        return parseBoundedJson<Json>(text);
    } catch (const std::runtime_error &e) {
        throw TokenizerFormatError(std::string(name) + ": " + printable(e.what(), 300));
    }
}

int64_t integerIn(const Json &j, int64_t lo, int64_t hi, const std::string &what)
{
    if (!j.is_number_integer())
        fail(what + " is not an integer");
    const bool tooBig = j.is_number_unsigned() ? j.get<uint64_t>() > uint64_t(hi) : j.get<int64_t>() > hi;
    if (tooBig || (!j.is_number_unsigned() && j.get<int64_t>() < lo))
        fail(what + " " + j.dump() + " is outside [" + std::to_string(lo) + ", " + std::to_string(hi) + "]");
    return j.get<int64_t>();
}

std::string shortString(std::string s, const std::string &what)
{
    if (s.size() > kMaxTokenBytes)
        fail(what + " is " + std::to_string(s.size()) + " bytes long (at most " + std::to_string(kMaxTokenBytes) +
             ")");
    return s;
}

bool boolOr(const Json &j, const char *key, bool fallback)
{
    const auto it = j.find(key);
    return it == j.end() || it->is_null() ? fallback : it->get<bool>();
}

std::string stringOr(const Json &j, const char *key, const std::string &fallback)
{
    const auto it = j.find(key);
    return it == j.end() || it->is_null() ? fallback : it->get<std::string>();
}

std::string typeOf(const Json &j, const std::string &part)
{
    if (!j.is_object() || !j.contains("type") || !j["type"].is_string())
        fail(part + " has no \"type\"");
    return j["type"].get<std::string>();
}

std::pair<std::string, bool> patternOf(const Json &j, const std::string &where)
{
    const Json &p = j.at("pattern");
    if (p.contains("String"))
        return {p.at("String").get<std::string>(), false};
    if (p.contains("Regex"))
        return {p.at("Regex").get<std::string>(), true};
    fail(where + " pattern is neither String nor Regex");
}

void enterSequence(int depth, const char *part)
{
    if (depth >= kMaxSequenceDepth)
        fail(std::string(part) + " Sequence nested deeper than " + std::to_string(kMaxSequenceDepth) + " levels");
}

} // namespace enclave::hfjson
