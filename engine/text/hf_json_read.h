// Checked reads of tokenizer.json values (the file comes with a downloaded model): each helper fails
// with a TokenizerFormatError that names the field, never with an out-of-range number or an
// unescaped name from the file. Internal to the tokenizer.json reader.
#pragma once

#include "engine/text/tokenizer_spec.h"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace enclave::hfjson {

using Json = nlohmann::json;

// Throws TokenizerFormatError("tokenizer.json: " + message).
[[noreturn]] void fail(const std::string &message);

// Parses `text` after checking its nesting depth (kMaxJsonDepth); `name` prefixes the error.
Json parse(std::string_view text, const char *name);

// An integer in [lo, hi]; a float, a string or an out-of-range number is an error naming `what`.
int64_t integerIn(const Json &j, int64_t lo, int64_t hi, const std::string &what);

// `s` when it has at most kMaxTokenBytes (replacement texts and the like), else an error naming `what`.
std::string shortString(std::string s, const std::string &what);

bool boolOr(const Json &j, const char *key, bool fallback);
std::string stringOr(const Json &j, const char *key, const std::string &fallback);

// The "type" of a tagged part; an error naming `part` when it has none.
std::string typeOf(const Json &j, const std::string &part);

// {"pattern": {"String": "..."}} or {"pattern": {"Regex": "..."}} -> text and whether it is a regex.
std::pair<std::string, bool> patternOf(const Json &j, const std::string &where);

// Sequence parts nest; an error when `depth` reaches kMaxSequenceDepth.
void enterSequence(int depth, const char *part);

// Appends a pipeline stage; an error past kMaxPipelineSteps stages.
template <class Step>
void addStep(std::vector<Step> &steps, Step step, const char *part)
{
    if (steps.size() >= kMaxPipelineSteps)
        fail(std::string("more than ") + std::to_string(kMaxPipelineSteps) + " " + part + " stages");
    steps.push_back(std::move(step));
}

} // namespace enclave::hfjson
