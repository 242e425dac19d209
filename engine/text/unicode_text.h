// UTF-8 helpers of the tokenizers: validation with U+FFFD substitution of maximal invalid subparts
// (what Hugging Face's lossy decode does), Unicode normalization forms (through utf8proc), the
// GPT-2 byte-level alphabet, and the few character classes that added-token matching needs.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace enclave {

enum class NormalForm { Nfc, Nfd, Nfkc, Nfkd };

// Length in bytes of the longest prefix of `s` that ends at a place where more input cannot change
// how the prefix decodes: everything except a trailing sequence that is valid so far but incomplete.
size_t utf8StablePrefix(std::string_view s);

bool isValidUtf8(std::string_view s);

// `s` with every maximal invalid subpart replaced by U+FFFD (a truncated sequence at the end included).
std::string sanitizeUtf8(std::string_view s);

// Decodes the code point at s[pos] and advances pos; `s` must be valid UTF-8.
uint32_t nextCodePoint(std::string_view s, size_t &pos);
// Decodes the code point that ends at s[end] (exclusive); `s` must be valid UTF-8.
uint32_t previousCodePoint(std::string_view s, size_t end);
void appendUtf8(std::string &out, uint32_t cp);

// Unicode normalization of valid UTF-8 text. ASCII text is returned unchanged without work.
std::string normalizeUnicode(std::string_view s, NormalForm form);

// Unicode White_Space (what Rust's char::is_whitespace tests).
bool isUnicodeWhitespace(uint32_t cp);
// Letters and numbers (general categories L* and N*).
bool isUnicodeAlphanumeric(uint32_t cp);

// The GPT-2 byte-level alphabet: byte b is written as the character byteLevelChar(b) (UTF-8).
std::string_view byteLevelChar(uint8_t b);
// Maps byte-level text back to raw bytes. Returns false (out unspecified) when a character is
// outside the alphabet.
bool byteLevelDecode(std::string_view mapped, std::string &out);

} // namespace enclave
