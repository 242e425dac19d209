// Tokenizer: text <-> token ids for byte-level BPE (GPT-2 family: Qwen, Llama 3, DeepSeek V3, gpt-oss)
// and SentencePiece-style BPE (Llama 2, Mistral), built from a TokenizerSpec of any origin.
// Pipeline: added tokens -> normalizer -> pre-tokenizer -> BPE per word; decode maps ids to raw bytes.
#pragma once

#include "engine/text/tokenizer_spec.h"

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace enclave {

// Immutable after construction; every const method may be called from several threads at once
// (the internal word cache has its own lock). Not copyable.
class Tokenizer {
public:
    // Validates the spec and compiles its regexes; throws TokenizerFormatError naming what is wrong.
    explicit Tokenizer(TokenizerSpec spec);
    ~Tokenizer();
    Tokenizer(const Tokenizer &) = delete;
    Tokenizer &operator=(const Tokenizer &) = delete;

    // Token ids of `text`. addSpecial adds BOS/EOS as the spec asks (addBos/addEos). With
    // parseSpecial, special tokens written in the text ("<|im_start|>") become their ids; without it
    // they are tokenized as ordinary text (non-special added tokens are always matched).
    // Invalid UTF-8 in `text` is replaced by U+FFFD first. Throws TokenizerFormatError when the
    // tokenizer's normalizer or pre-tokenizer exceeds its limits on this text (hostile files).
    std::vector<int32_t> encode(std::string_view text, bool addSpecial, bool parseSpecial = true) const;

    // Text of `ids`; skipSpecial leaves out control tokens. Bytes that do not form valid UTF-8
    // become U+FFFD. Ids outside the vocabulary (negative ones included) are ignored: a model's logits
    // may have padding rows past the tokenizer's vocabulary. Callers with ids from a user check them
    // against vocabSize() first to report them.
    std::string decode(std::span<const int32_t> ids, bool skipSpecial = false) const;

    // The raw bytes token `id` stands for (may be part of a UTF-8 character); "" when out of range.
    // The text of a special token is its literal text ("<|im_end|>").
    const std::string &tokenPiece(int32_t id) const;

    int32_t vocabSize() const;
    int32_t bosId() const;
    int32_t eosId() const;
    int32_t eotId() const;
    int32_t padId() const;
    bool addsBos() const;
    bool isEndOfGeneration(int32_t id) const;
    // Control (and unknown) tokens: the ones decode(..., skipSpecial = true) leaves out.
    bool isSpecial(int32_t id) const;
    TokenType tokenType(int32_t id) const;
    // Id of a token by its stored text (as in the file, e.g. "<|im_end|>" or "Ġthe"), or -1.
    int32_t findToken(std::string_view token) const;
    // How many leading spaces decoding removes from the start of a text (SentencePiece dummy prefix).
    int leadingSpacesToStrip() const;

    const TokenizerSpec &spec() const;

private:
    struct Impl;
    void encodeSegment(std::string_view text, bool atTextStart, std::vector<int32_t> &ids) const;
    void encodeWords(std::string_view text, bool atTextStart, std::vector<int32_t> &ids) const;

    std::unique_ptr<Impl> m_impl;
};

} // namespace enclave
