// TokenizerSpec → tokenizer.ggml.* keys, so a converted GGUF carries its tokenizer and needs no
// tokenizer.json beside it. The inverse of text/gguf_tokenizer.cpp.
#pragma once

#include "engine/text/tokenizer_spec.h"

#include <string>

namespace enclave {

class GgufWriter;

// The tokenizer.ggml.pre name whose preset splits text exactly as `spec`'s normalizers and
// pre-tokenizers do ("qwen2", "llama-bpe", "default"...). Throws std::runtime_error naming the
// pre-tokenizer when no GGUF name describes it (such a tokenizer cannot be embedded faithfully).
std::string ggufPreTokenizerName(const TokenizerSpec &spec);

// Writes the vocabulary padded to nVocab ids ("[PAD<id>]", type unused, as the converters pad
// embedding rows beyond the tokenizer), token types, merges, scores, special ids, add_bos/add_eos,
// the pre-tokenizer name and the chat template. Throws std::runtime_error for a tokenizer larger
// than nVocab or one GGUF cannot describe.
void setGgufTokenizerKeys(GgufWriter &writer, const TokenizerSpec &spec, int64_t nVocab);

} // namespace enclave
