// Synthetic byte-level BPE vocabulary: ids 0-255 are the bytes in GPT-2's order (printable bytes
// first), merged token k < 65536 joins byte tokens k / 256 and k % 256, later ones join a 2-byte
// token and a byte, so tokens stay unique and every merge's result is the next token.
#include "engine/tools/synthetic_vocab.h"

#include "engine/model/gguf_writer.h"

#include <array>
#include <stdexcept>

namespace enclave {
namespace {

constexpr int64_t kByteTokens = 256;
constexpr int64_t kPairMerges = 256 * 256;
constexpr int64_t kMaxMerges = kPairMerges + kPairMerges * 256;

constexpr const char *kChatMlTemplate =
    "{%- for message in messages %}"
    "{{- '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n' }}"
    "{%- endfor %}"
    "{%- if add_generation_prompt %}{{- '<|im_start|>assistant\\n' }}{%- endif %}";

bool isPrintableByte(int b) { return (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF); }

// The bytes in GPT-2's vocabulary order: printable ones first, then the rest, each ascending.
std::array<uint8_t, 256> byteTokenOrder()
{
    std::array<uint8_t, 256> order{};
    size_t next = 0;
    for (int b = 0; b < 256; ++b)
        if (isPrintableByte(b))
            order[next++] = uint8_t(b);
    for (int b = 0; b < 256; ++b)
        if (!isPrintableByte(b))
            order[next++] = uint8_t(b);
    return order;
}

std::string utf8(uint32_t cp)
{
    std::string s;
    if (cp < 0x80) {
        s += char(cp);
    } else {
        s += char(0xC0 | (cp >> 6));
        s += char(0x80 | (cp & 0x3F));
    }
    return s;
}

} // namespace

std::string byteTokenText(uint8_t byte)
{
    if (isPrintableByte(byte))
        return utf8(byte);
    uint32_t shifted = 0; // non-printable bytes map to U+0100 + their rank among non-printable bytes
    for (int b = 0; b < byte; ++b)
        if (!isPrintableByte(b))
            ++shifted;
    return utf8(0x100 + shifted);
}

SyntheticVocab buildSyntheticVocab(int64_t nVocab)
{
    const int64_t nMerged = nVocab - kByteTokens - kSyntheticSpecialCount;
    if (nMerged < 0 || nMerged > kMaxMerges)
        throw std::invalid_argument("buildSyntheticVocab: vocabulary size " + std::to_string(nVocab) + " outside " +
                                    std::to_string(kByteTokens + kSyntheticSpecialCount) + ".." +
                                    std::to_string(kByteTokens + kSyntheticSpecialCount + kMaxMerges));
    SyntheticVocab v;
    v.tokens.reserve(size_t(nVocab));
    v.merges.reserve(size_t(nMerged));
    for (uint8_t byte : byteTokenOrder())
        v.tokens.push_back(byteTokenText(byte));
    for (int64_t k = 0; k < nMerged; ++k) {
        const bool pair = k < kPairMerges;
        const int64_t left = pair ? k / 256 : kByteTokens + (k - kPairMerges) / 256;
        const int64_t right = pair ? k % 256 : (k - kPairMerges) % 256;
        const std::string &l = v.tokens[size_t(left)];
        const std::string &r = v.tokens[size_t(right)];
        v.merges.push_back(l + " " + r);
        v.tokens.push_back(l + r);
    }
    v.tokenTypes.assign(v.tokens.size(), kTokenTypeNormal);
    for (const char *special : kSyntheticSpecialTokens) {
        v.tokens.emplace_back(special);
        v.tokenTypes.push_back(kTokenTypeControl);
    }
    v.endOfText = nVocab - 3;
    v.imStart = nVocab - 2;
    v.imEnd = nVocab - 1;
    return v;
}

void setSyntheticTokenizer(GgufWriter &writer, int64_t nVocab)
{
    const SyntheticVocab v = buildSyntheticVocab(nVocab);
    writer.set("tokenizer.ggml.model", "gpt2");
    writer.set("tokenizer.ggml.pre", "qwen2");
    writer.set("tokenizer.ggml.tokens", GgufArray::ofStrings(std::span<const std::string>(v.tokens)));
    writer.set("tokenizer.ggml.token_type", GgufArray::of(std::span<const int32_t>(v.tokenTypes)));
    writer.set("tokenizer.ggml.merges", GgufArray::ofStrings(std::span<const std::string>(v.merges)));
    writer.set("tokenizer.ggml.eos_token_id", uint32_t(v.imEnd));
    writer.set("tokenizer.ggml.padding_token_id", uint32_t(v.endOfText));
    writer.set("tokenizer.ggml.bos_token_id", uint32_t(v.endOfText));
    writer.set("tokenizer.ggml.add_bos_token", false);
    writer.set("tokenizer.chat_template", kChatMlTemplate);
}

} // namespace enclave
