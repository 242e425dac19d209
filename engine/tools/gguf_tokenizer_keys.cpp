// Tokenizer → GGUF keys. Byte-level BPE is written as model "gpt2" with the pre-tokenizer found by
// comparing split patterns with the presets the GGUF reader knows; SentencePiece-style BPE as "llama".
#include "engine/tools/gguf_tokenizer_keys.h"

#include "engine/model/gguf_writer.h"
#include "engine/text/gguf_pre_tokenizers.h"

#include <stdexcept>

namespace enclave {
namespace {

// Pre-tokenizer names tried in order; the first whose preset matches is written.
constexpr const char *kPreNames[] = {"qwen2", "stablelm2", "llama-bpe", "dbrx", "qwen35", "gpt-4o", "tekken",
                                     "deepseek-v3", "kimi-k2", "deepseek-llm", "deepseek-coder", "default",
                                     "starcoder", "bailingmoe", "bloom", "seed-coder"};

// The split regexes of a spec, with a regex-splitting ByteLevel stage as the GPT-2 pattern it uses.
std::vector<std::string> splitPatterns(const TokenizerSpec &spec)
{
    std::vector<std::string> out;
    for (const PreTokenizerStep &s : spec.preTokenizers) {
        if (s.kind == PreTokenizerStep::Kind::Split) {
            if (s.behavior != SplitBehavior::Isolated || s.invert || s.patternIsLiteral)
                return {}; // not a GGUF preset shape
            out.push_back(s.pattern);
        } else if (s.kind == PreTokenizerStep::Kind::ByteLevel) {
            if (s.addPrefixSpace)
                return {};
            if (s.useRegex)
                out.push_back(ggufPrePreset("default").steps.at(0).pattern);
        } else {
            return {};
        }
    }
    return out;
}

bool normalizesNfcOnly(const TokenizerSpec &spec)
{
    return spec.normalizers.size() == 1 && spec.normalizers[0].kind == NormalizerStep::Kind::Nfc;
}

std::vector<std::string> paddedTokens(const TokenizerSpec &spec, int64_t nVocab, std::vector<int32_t> &types)
{
    std::vector<std::string> tokens(static_cast<size_t>(nVocab));
    types.assign(size_t(nVocab), int32_t(TokenType::Unused));
    for (int64_t i = 0; i < nVocab; ++i) {
        const bool defined = i < spec.vocabSize() && !spec.tokens[size_t(i)].empty();
        tokens[size_t(i)] = defined ? spec.tokens[size_t(i)] : "[PAD" + std::to_string(i) + "]";
        if (defined)
            types[size_t(i)] = int32_t(spec.tokenTypes[size_t(i)]);
    }
    return tokens;
}

void setSpecialIds(GgufWriter &w, const TokenizerSpec &spec)
{
    const std::pair<const char *, int32_t> ids[] = {
        {"tokenizer.ggml.bos_token_id", spec.bosId},     {"tokenizer.ggml.eos_token_id", spec.eosId},
        {"tokenizer.ggml.eot_token_id", spec.eotId},     {"tokenizer.ggml.eom_token_id", spec.eomId},
        {"tokenizer.ggml.unknown_token_id", spec.unkId}, {"tokenizer.ggml.padding_token_id", spec.padId},
    };
    for (const auto &[key, id] : ids)
        if (id >= 0)
            w.set(key, uint32_t(id));
    w.set("tokenizer.ggml.add_bos_token", spec.addBos);
    w.set("tokenizer.ggml.add_eos_token", spec.addEos);
}

bool prependsSpace(const TokenizerSpec &spec)
{
    for (const NormalizerStep &n : spec.normalizers)
        if (n.kind == NormalizerStep::Kind::Prepend)
            return true;
    for (const PreTokenizerStep &s : spec.preTokenizers)
        if (s.kind == PreTokenizerStep::Kind::Metaspace && s.prependScheme != PrependScheme::Never)
            return true;
    return false;
}

} // namespace

std::string ggufPreTokenizerName(const TokenizerSpec &spec)
{
    const std::vector<std::string> patterns = splitPatterns(spec);
    const bool nfc = normalizesNfcOnly(spec);
    if (!patterns.empty() && (spec.normalizers.empty() || nfc)) {
        for (const char *name : kPreNames) {
            const GgufPrePreset p = ggufPrePreset(name);
            if (p.nfc != nfc || p.ignoreMerges != spec.ignoreMerges || p.steps.size() != patterns.size())
                continue;
            bool same = true;
            for (size_t i = 0; i < patterns.size() && same; ++i)
                same = p.steps[i].pattern == patterns[i];
            if (same)
                return name;
        }
    }
    std::string stages;
    for (const PreTokenizerStep &s : spec.preTokenizers)
        stages += std::string(stages.empty() ? "" : ", ") + preTokenizerKindName(s.kind);
    throw std::runtime_error("the tokenizer's pre-tokenizer (" + (stages.empty() ? std::string("none") : stages) +
                             ") matches no pre-tokenizer GGUF files can name, so it cannot be embedded");
}

void setGgufTokenizerKeys(GgufWriter &w, const TokenizerSpec &spec, int64_t nVocab)
{
    if (spec.vocabSize() > nVocab)
        throw std::runtime_error("the tokenizer has " + std::to_string(spec.vocabSize()) +
                                 " tokens but the model's embedding only " + std::to_string(nVocab) + " rows");
    std::vector<int32_t> types;
    const std::vector<std::string> tokens = paddedTokens(spec, nVocab, types);
    std::vector<std::string> merges;
    merges.reserve(spec.merges.size());
    for (const auto &[left, right] : spec.merges)
        merges.push_back(left + " " + right);
    if (spec.model == TokenizerModel::ByteLevelBpe) {
        w.set("tokenizer.ggml.model", "gpt2");
        w.set("tokenizer.ggml.pre", ggufPreTokenizerName(spec));
    } else {
        w.set("tokenizer.ggml.model", "llama");
        w.set("tokenizer.ggml.add_space_prefix", prependsSpace(spec));
        if (!spec.scores.empty()) {
            std::vector<float> scores(size_t(nVocab), 0.0f);
            std::copy(spec.scores.begin(), spec.scores.end(), scores.begin());
            w.set("tokenizer.ggml.scores", GgufArray::of(std::span<const float>(scores)));
        }
    }
    w.set("tokenizer.ggml.tokens", GgufArray::ofStrings(std::span<const std::string>(tokens)));
    w.set("tokenizer.ggml.token_type", GgufArray::of(std::span<const int32_t>(types)));
    if (!merges.empty())
        w.set("tokenizer.ggml.merges", GgufArray::ofStrings(std::span<const std::string>(merges)));
    setSpecialIds(w, spec);
    if (!spec.chatTemplate.empty())
        w.set("tokenizer.chat_template", spec.chatTemplate);
}

} // namespace enclave
