// GGUF tokenizer keys: tokenizer.ggml.{model, pre, tokens, token_type, scores, merges, bos_token_id,
// eos_token_id, eot_token_id, eom_token_id, unknown_token_id, padding_token_id, add_bos_token,
// add_eos_token, add_space_prefix} and tokenizer.chat_template. Control, user-defined and unknown
// tokens become added tokens, matched in text before BPE (as llama.cpp does).
// note: the keys come from a downloaded file. Array lengths are checked against the token count,
// special ids out of range fall back as in llama.cpp, and validateTokenizerSpec checks the rest.
#include "engine/text/gguf_tokenizer.h"

#include "engine/model/printable.h"
#include "engine/text/gguf_pre_tokenizers.h"

namespace enclave {

namespace {

constexpr const char *kMetaspace = "\xE2\x96\x81"; // "▁"

[[noreturn]] void fail(const std::string &message) { throw TokenizerFormatError("gguf tokenizer: " + message); }

TokenType tokenTypeOf(int64_t value)
{
    switch (value) {
    case 2: return TokenType::Unknown;
    case 3: return TokenType::Control;
    case 4: return TokenType::UserDefined;
    case 5: return TokenType::Unused;
    case 6: return TokenType::Byte;
    default: return TokenType::Normal;
    }
}

void readVocabulary(const GgufMetadataSource &meta, TokenizerSpec &spec)
{
    const auto tokens = meta.getStringArray("tokenizer.ggml.tokens");
    if (!tokens || tokens->empty())
        fail("tokenizer.ggml.tokens is missing or empty");
    const size_t n = tokens->size();
    if (n > size_t(kMaxVocabSize))
        fail("tokenizer.ggml.tokens has " + std::to_string(n) + " entries (at most " + std::to_string(kMaxVocabSize) +
             ")");
    spec.tokens.assign(tokens->begin(), tokens->end());
    spec.tokenTypes.assign(n, TokenType::Normal);
    if (const auto types = meta.getIntArray("tokenizer.ggml.token_type")) {
        if (types->size() != n)
            fail("tokenizer.ggml.token_type has " + std::to_string(types->size()) + " entries for " +
                 std::to_string(n) + " tokens");
        for (size_t i = 0; i < n; ++i)
            spec.tokenTypes[i] = tokenTypeOf((*types)[i]);
    }
    if (const auto scores = meta.getFloatArray("tokenizer.ggml.scores")) {
        if (scores->size() != n)
            fail("tokenizer.ggml.scores has " + std::to_string(scores->size()) + " entries for " +
                 std::to_string(n) + " tokens");
        spec.scores.assign(scores->begin(), scores->end());
    }
    for (size_t i = 0; i < n; ++i) {
        const TokenType type = spec.tokenTypes[i];
        if (type != TokenType::Control && type != TokenType::UserDefined && type != TokenType::Unknown)
            continue;
        if (spec.tokens[i].empty())
            continue;
        AddedToken t;
        t.id = int32_t(i);
        t.content = spec.tokens[i];
        t.special = type != TokenType::UserDefined;
        spec.addedTokens.push_back(std::move(t));
    }
    spec.indexTokens();
}

void readMerges(const GgufMetadataSource &meta, TokenizerSpec &spec)
{
    const auto merges = meta.getStringArray("tokenizer.ggml.merges");
    if (!merges)
        return;
    spec.merges.reserve(merges->size());
    for (std::string_view m : *merges) {
        const size_t space = m.find(' ', 1);
        if (space == std::string_view::npos)
            fail("tokenizer.ggml.merges entry " + quotedName(m) + " is not two tokens separated by a space");
        spec.merges.emplace_back(std::string(m.substr(0, space)), std::string(m.substr(space + 1)));
    }
}

// An id key; an absent or out-of-range value leaves `fallback` (llama.cpp tolerates both the same way).
int32_t readId(const GgufMetadataSource &meta, const char *key, int32_t fallback, const TokenizerSpec &spec)
{
    const auto v = meta.getInt(key);
    if (!v || *v < 0 || *v >= spec.vocabSize())
        return fallback < spec.vocabSize() ? fallback : -1;
    return int32_t(*v);
}

void configureByteLevel(const GgufMetadataSource &meta, const std::string &pre, TokenizerSpec &spec)
{
    const GgufPrePreset preset = ggufPrePreset(pre);
    spec.model = TokenizerModel::ByteLevelBpe;
    spec.preTokenizers = preset.steps;
    if (preset.nfc)
        spec.normalizers.push_back({NormalizerStep::Kind::Nfc, {}, false, {}});
    spec.ignoreMerges = preset.ignoreMerges;
    spec.addBos = preset.addBos;
    spec.decoder.byteLevel = true;
    readMerges(meta, spec);
    // note: without merges the vocabulary order gives the merge priority (tiktoken vocabularies, Kimi K2).
    if (spec.merges.empty() && pre != "kimi-k2")
        fail("tokenizer.ggml.merges is missing (needed by a 'gpt2' tokenizer with pre-tokenizer " + quotedName(pre) +
             ")");
}

void configureSentencePiece(const GgufMetadataSource &meta, TokenizerSpec &spec)
{
    spec.model = TokenizerModel::SentencePieceBpe;
    readMerges(meta, spec);
    if (spec.merges.empty() && spec.scores.empty())
        fail("a 'llama' tokenizer needs tokenizer.ggml.scores or tokenizer.ggml.merges");
    const bool addSpacePrefix = meta.getBool("tokenizer.ggml.add_space_prefix").value_or(true);
    if (addSpacePrefix)
        spec.normalizers.push_back({NormalizerStep::Kind::Prepend, {}, false, kMetaspace});
    spec.normalizers.push_back({NormalizerStep::Kind::Replace, " ", false, kMetaspace});
    spec.byteFallback = true;
    spec.decoder.byteFallback = true;
    spec.decoder.replacements.emplace_back(kMetaspace, " ");
    spec.decoder.stripLeadingSpaces = addSpacePrefix ? 1 : 0;
    spec.addBos = true;
    // SentencePiece defaults when the ids are not recorded.
    spec.unkId = 0;
    spec.bosId = 1;
    spec.eosId = 2;
}

void readSpecialIds(const GgufMetadataSource &meta, TokenizerSpec &spec)
{
    spec.bosId = readId(meta, "tokenizer.ggml.bos_token_id", spec.bosId, spec);
    spec.eosId = readId(meta, "tokenizer.ggml.eos_token_id", spec.eosId, spec);
    spec.eotId = readId(meta, "tokenizer.ggml.eot_token_id", -1, spec);
    spec.eomId = readId(meta, "tokenizer.ggml.eom_token_id", -1, spec);
    spec.unkId = readId(meta, "tokenizer.ggml.unknown_token_id", spec.unkId, spec);
    spec.padId = readId(meta, "tokenizer.ggml.padding_token_id", -1, spec);
    spec.addBos = meta.getBool("tokenizer.ggml.add_bos_token").value_or(spec.addBos) && spec.bosId >= 0;
    spec.addEos = meta.getBool("tokenizer.ggml.add_eos_token").value_or(false) && spec.eosId >= 0;
}

} // namespace

TokenizerSpec tokenizerSpecFromGguf(const GgufMetadataSource &meta)
{
    const auto model = meta.getString("tokenizer.ggml.model");
    if (!model)
        fail("tokenizer.ggml.model is missing");
    TokenizerSpec spec;
    readVocabulary(meta, spec);
    spec.preTokenizerName = meta.getString("tokenizer.ggml.pre").value_or("");
    if (*model == "gpt2")
        configureByteLevel(meta, spec.preTokenizerName, spec);
    else if (*model == "llama")
        configureSentencePiece(meta, spec);
    else
        fail("tokenizer model " + quotedName(*model) + " is not supported (only 'gpt2' and 'llama')");
    readSpecialIds(meta, spec);
    spec.chatTemplate = meta.getString("tokenizer.chat_template").value_or("");
    deriveEndOfGeneration(spec);
    validateTokenizerSpec(spec);
    return spec;
}

} // namespace enclave
