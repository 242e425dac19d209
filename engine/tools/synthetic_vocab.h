// The tokenizer of synthetic models: byte-level BPE as GPT-2/Qwen GGUFs store it (the 256 byte
// tokens in GPT-2's byte-to-unicode spelling), then merged tokens of 2 and 3 bytes up to the
// vocabulary size, then ChatML control tokens. Meaningless but valid: every merge builds a token.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace enclave {

class GgufWriter;

// Control tokens, at the end of the vocabulary in this order.
inline constexpr const char *kSyntheticSpecialTokens[] = {"<|endoftext|>", "<|im_start|>", "<|im_end|>"};
inline constexpr int64_t kSyntheticSpecialCount = 3;
inline constexpr int32_t kTokenTypeNormal = 1;
inline constexpr int32_t kTokenTypeControl = 3;

struct SyntheticVocab {
    std::vector<std::string> tokens;  // [nVocab]
    std::vector<int32_t> tokenTypes;  // [nVocab] kTokenTypeNormal / kTokenTypeControl
    std::vector<std::string> merges;  // "left right", in rank order
    int64_t endOfText = 0;            // bos and padding
    int64_t imStart = 0;
    int64_t imEnd = 0;                // eos: a chat turn ends generation
};

// GPT-2's printable spelling of one byte ("Ġ" for a space).
std::string byteTokenText(uint8_t byte);
// Throws std::invalid_argument when nVocab cannot hold the byte and control tokens.
SyntheticVocab buildSyntheticVocab(int64_t nVocab);
// Sets every tokenizer.* key (model "gpt2", pre "qwen2", tokens, types, merges, special ids,
// add_bos_token false, a ChatML chat template).
void setSyntheticTokenizer(GgufWriter &writer, int64_t nVocab);

} // namespace enclave
