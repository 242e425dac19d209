// Hugging Face tokenizer.json (+ optional tokenizer_config.json) -> TokenizerSpec.
// Supported: model BPE (byte-level or SentencePiece-style with byte_fallback); normalizers NFC/NFD/NFKC/
// NFKD, Prepend, Replace, Sequence; pre-tokenizers Split, ByteLevel, Metaspace, Digits, Sequence;
// decoders ByteLevel, Metaspace, Replace, ByteFallback, Fuse, Strip, Sequence; post-processors
// ByteLevel, TemplateProcessing, Sequence. Anything else is refused with an error naming it.
#pragma once

#include "engine/text/tokenizer_spec.h"

#include <string>
#include <string_view>

namespace enclave {

// Builds the spec from the JSON texts. `configJson` may be empty. From the config come
// add_bos_token/add_eos_token, bos/eos/pad/unk token names and chat_template; without it BOS/EOS
// follow the post-processor's template and well-known token names.
// Throws TokenizerFormatError (also for malformed JSON, JSON nested deeper than kMaxJsonDepth, ids,
// merges or token texts that do not fit the vocabulary, and the limits of tokenizer_spec.h).
TokenizerSpec tokenizerSpecFromHfJson(std::string_view tokenizerJson, std::string_view configJson = {});

// Reads the files and calls tokenizerSpecFromHfJson. `configPath` may be "" (no config).
// Throws TokenizerFormatError naming the path when a file cannot be read.
TokenizerSpec loadHfTokenizerSpec(const std::string &tokenizerJsonPath, const std::string &configPath = {});

} // namespace enclave
