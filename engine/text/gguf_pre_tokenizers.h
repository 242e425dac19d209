// The pre-tokenizers that GGUF files name in tokenizer.ggml.pre ("qwen2", "llama-bpe", "deepseek-v3", ...),
// as the split regexes of the tokenizer.json each name was converted from.
#pragma once

#include "engine/text/tokenizer_spec.h"

#include <string_view>
#include <vector>

namespace enclave {

struct GgufPrePreset {
    std::vector<PreTokenizerStep> steps; // Split stages (Isolated), in order; byte-level mapping is implied
    bool nfc = false;           // the original tokenizer.json normalizes to NFC first
    bool ignoreMerges = false;  // whole-word vocabulary hits skip merging (Llama 3, Tekken)
    bool addBos = false;        // default of add_bos_token when the file does not say
};

// The preset for a tokenizer.ggml.pre name ("" means "default"); throws TokenizerFormatError naming
// the pre-tokenizer (escaped) when it is unknown.
GgufPrePreset ggufPrePreset(std::string_view name);

} // namespace enclave
