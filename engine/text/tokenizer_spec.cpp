// TokenizerSpec helpers shared by the tokenizer.json and GGUF builders: token index, end-of-generation
// ids found by token text (files rarely list them all), and the consistency check run before use,
// which also enforces the limits for hostile files (see tokenizer_spec.h).
#include "engine/text/tokenizer_spec.h"

#include "engine/model/printable.h"
#include "engine/text/unicode_text.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <string_view>

namespace enclave {

namespace {

// End-of-turn markers, most specific first.
constexpr std::array<std::string_view, 8> kEndOfTurnTexts = {
    "<|eot_id|>", "<|im_end|>", "<end_of_turn>", "<|end|>", "<|end_of_turn|>",
    "<\xEF\xBD\x9C" "end\xE2\x96\x81of\xE2\x96\x81sentence\xEF\xBD\x9C>", // DeepSeek "<｜end▁of▁sentence｜>"
    "[EOT]", "<EOT>",
};

// Further tokens that end generation when they are control tokens.
constexpr std::array<std::string_view, 9> kEndOfGenerationTexts = {
    "<|endoftext|>", "<|end_of_text|>", "<|eom_id|>", "<|return|>", "<|call|>",
    "</s>", "<eos>", "[EOS]", "<end_of_utterance>",
};

bool isControl(const TokenizerSpec &spec, int32_t id)
{
    return id >= 0 && id < spec.vocabSize() && spec.tokenTypes[size_t(id)] == TokenType::Control;
}

int32_t findControl(const TokenizerSpec &spec, std::string_view text)
{
    const int32_t id = spec.findToken(std::string(text));
    return isControl(spec, id) ? id : -1;
}

void addUnique(std::vector<int32_t> &ids, int32_t id)
{
    if (id >= 0 && std::find(ids.begin(), ids.end(), id) == ids.end())
        ids.push_back(id);
}

[[noreturn]] void fail(const std::string &message) { throw TokenizerFormatError("tokenizer: " + message); }

void checkId(const TokenizerSpec &spec, int32_t id, const char *what)
{
    if (id < -1 || id >= spec.vocabSize())
        fail(std::string(what) + " id " + std::to_string(id) + " is outside the vocabulary of " +
             std::to_string(spec.vocabSize()) + " tokens");
}

// A token text: valid UTF-8 (so that matching it never cuts a character) and of sane length.
void checkTokenText(const std::string &text, size_t id, const char *what)
{
    if (text.size() > kMaxTokenBytes)
        fail(std::string(what) + " " + std::to_string(id) + " " + quotedName(text, 40) + " is " +
             std::to_string(text.size()) + " bytes long (at most " + std::to_string(kMaxTokenBytes) + ")");
    if (!isValidUtf8(text))
        fail(std::string(what) + " " + std::to_string(id) + " " + quotedName(text) + " is not valid UTF-8");
}

void checkSizes(const TokenizerSpec &spec)
{
    const size_t n = spec.tokens.size();
    if (n == 0)
        fail("the vocabulary is empty");
    if (n > size_t(kMaxVocabSize))
        fail(std::to_string(n) + " tokens (at most " + std::to_string(kMaxVocabSize) + ")");
    if (spec.tokenTypes.size() != n)
        fail(std::to_string(spec.tokenTypes.size()) + " token types for " + std::to_string(n) + " tokens");
    if (!spec.scores.empty() && spec.scores.size() != n)
        fail(std::to_string(spec.scores.size()) + " scores for " + std::to_string(n) + " tokens");
    for (size_t id = 0; id < spec.scores.size(); ++id)
        if (std::isnan(spec.scores[id]))
            fail("the score of token " + std::to_string(id) + " is NaN");
    for (size_t id = 0; id < n; ++id)
        checkTokenText(spec.tokens[id], id, "token");
}

void checkPattern(const std::string &pattern, const char *where)
{
    if (pattern.size() > kMaxPatternBytes)
        fail(std::string(where) + " pattern is " + std::to_string(pattern.size()) + " bytes long (at most " +
             std::to_string(kMaxPatternBytes) + ")");
}

void checkStageCount(size_t count, const char *what)
{
    if (count > kMaxPipelineSteps)
        fail(std::to_string(count) + " " + what + " stages (at most " + std::to_string(kMaxPipelineSteps) + ")");
}

void checkPipeline(const TokenizerSpec &spec)
{
    checkStageCount(spec.normalizers.size(), "normalizer");
    checkStageCount(spec.preTokenizers.size(), "pre-tokenizer");
    checkStageCount(spec.decoder.replacements.size(), "decoder replacement");
    for (const NormalizerStep &step : spec.normalizers)
        checkPattern(step.pattern, "normalizer");
    for (const PreTokenizerStep &step : spec.preTokenizers) {
        checkPattern(step.pattern, "pre-tokenizer");
        if (step.kind == PreTokenizerStep::Kind::Metaspace)
            checkSingleCharacter(step.replacement, "pre-tokenizer Metaspace");
    }
    if (spec.decoder.stripLeadingSpaces < 0 || size_t(spec.decoder.stripLeadingSpaces) > kMaxTokenBytes)
        fail("decoder strips " + std::to_string(spec.decoder.stripLeadingSpaces) + " leading spaces");
}

} // namespace

void TokenizerSpec::indexTokens()
{
    tokenIds.clear();
    tokenIds.reserve(tokens.size());
    for (size_t i = 0; i < tokens.size(); ++i)
        if (!tokens[i].empty())
            tokenIds.emplace(tokens[i], int32_t(i));
}

int32_t TokenizerSpec::findToken(const std::string &token) const
{
    const auto it = tokenIds.find(token);
    return it == tokenIds.end() ? -1 : it->second;
}

void deriveEndOfGeneration(TokenizerSpec &spec)
{
    if (spec.tokenIds.empty())
        spec.indexTokens();
    // note: gpt-oss style vocabularies end a turn with <|return|>/<|call|>; their <|end|> only closes
    // one message of a multi-channel answer and must not stop generation.
    const bool harmony = findControl(spec, "<|return|>") >= 0 && findControl(spec, "<|call|>") >= 0;
    if (spec.eotId < 0) {
        for (std::string_view text : kEndOfTurnTexts) {
            if (harmony && text == "<|end|>")
                continue;
            if ((spec.eotId = findControl(spec, text)) >= 0)
                break;
        }
    }
    if (spec.eomId < 0)
        spec.eomId = findControl(spec, "<|eom_id|>");

    std::vector<int32_t> &ids = spec.endOfGenerationIds;
    addUnique(ids, spec.eosId);
    addUnique(ids, spec.eotId);
    addUnique(ids, spec.eomId);
    for (std::string_view text : kEndOfTurnTexts)
        if (!(harmony && text == "<|end|>"))
            addUnique(ids, findControl(spec, text));
    for (std::string_view text : kEndOfGenerationTexts)
        addUnique(ids, findControl(spec, text));
}

void validateTokenizerSpec(const TokenizerSpec &spec)
{
    checkSizes(spec);
    checkPipeline(spec);
    checkId(spec, spec.bosId, "BOS");
    checkId(spec, spec.eosId, "EOS");
    checkId(spec, spec.eotId, "EOT");
    checkId(spec, spec.eomId, "EOM");
    checkId(spec, spec.padId, "padding");
    checkId(spec, spec.unkId, "unknown-token");
    if (spec.addBos && spec.bosId < 0)
        fail("add_bos is set but there is no BOS token");
    if (spec.addEos && spec.eosId < 0)
        fail("add_eos is set but there is no EOS token");
    for (const AddedToken &t : spec.addedTokens) {
        checkId(spec, t.id, "added token");
        if (t.id < 0 || t.content.empty())
            fail("added token " + std::to_string(t.id) + " has no id or no text");
        checkTokenText(t.content, size_t(t.id), "added token");
    }
    for (int32_t id : spec.endOfGenerationIds)
        checkId(spec, id, "end-of-generation");
}

void checkSingleCharacter(std::string_view replacement, const char *where)
{
    size_t pos = 0;
    if (!replacement.empty() && isValidUtf8(replacement))
        nextCodePoint(replacement, pos);
    if (replacement.empty() || pos != replacement.size())
        fail(std::string(where) + " replacement " + quotedName(replacement) + " is not exactly one character");
}

int byteTokenValue(std::string_view token)
{
    if (token.size() != 6 || token.substr(0, 3) != "<0x" || token[5] != '>')
        return -1;
    int value = 0;
    for (char c : token.substr(3, 2)) {
        const int digit = c >= '0' && c <= '9' ? c - '0' : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
        if (digit < 0)
            return -1;
        value = value * 16 + digit;
    }
    return value;
}

const char *preTokenizerKindName(PreTokenizerStep::Kind kind)
{
    switch (kind) {
    case PreTokenizerStep::Kind::Split: return "split";
    case PreTokenizerStep::Kind::ByteLevel: return "byte-level";
    case PreTokenizerStep::Kind::Metaspace: return "metaspace";
    case PreTokenizerStep::Kind::Digits: return "digits";
    }
    return "unknown";
}

} // namespace enclave
