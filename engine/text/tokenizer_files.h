// Finding a model's tokenizer on disk: a GGUF file (tokenizer.ggml.* keys), a Hugging Face
// model folder or a folder with tokenizer.json (+ tokenizer_config.json, chat_template.jinja),
// or a tokenizer.json file itself.
#pragma once

#include "engine/text/tokenizer_spec.h"

#include <string>

namespace enclave {

// Throws std::runtime_error naming the path and what is missing or malformed (TokenizerFormatError
// when the tokenizer itself is malformed or exceeds the limits of tokenizer_spec.h).
TokenizerSpec loadTokenizerSpec(const std::string &path);

} // namespace enclave
