// TokenizerSpec: everything a tokenizer is, independent of the file it came from (tokenizer.json, GGUF).
// Token strings are kept exactly as the file stores them (byte-level alphabet "Ġ" for gpt2-style
// vocabularies, "▁" pieces for SentencePiece ones); Tokenizer turns them into raw bytes once at build time.
#pragma once

#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace enclave {

// A tokenizer that cannot be used: a malformed or hostile file, or a construct of it that would need
// more than the limits below. The message names the file part and the construct.
class TokenizerFormatError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// Limits for tokenizer files (tokenizer.json, GGUF tokenizer.ggml.*), which come inside downloaded
// models: far above what real tokenizers use (in brackets), low enough that memory and time stay in
// proportion to the file and the text.
inline constexpr int32_t kMaxVocabSize = 1 << 24;        // ids [real: <= 262k]
inline constexpr int32_t kMaxIdGap = 1 << 16;            // ids past the count of defined tokens (holes) [real: few]
inline constexpr size_t kMaxTokenBytes = 1024;           // one token's text [real: <= 256]
inline constexpr size_t kMaxPipelineSteps = 64;          // normalizer, pre-tokenizer or decoder stages [real: <= 6]
inline constexpr int kMaxSequenceDepth = 8;              // nested Sequence parts [real: <= 2]
inline constexpr size_t kMaxPatternBytes = 64 * 1024;    // one regex or literal pattern [real: <= 3 KiB]
inline constexpr size_t kMaxGrowthFactor = 32;           // normalizer/pre-tokenizer output per input byte [NFKD: <= 11]
inline constexpr size_t kMaxGrowthSlack = 64 * 1024;     // ... plus this many bytes

// The most bytes normalization or pre-tokenization may turn `inputBytes` into.
constexpr size_t maxGrownSize(size_t inputBytes) { return inputBytes * kMaxGrowthFactor + kMaxGrowthSlack; }

// How words are split into tokens.
enum class TokenizerModel {
    ByteLevelBpe,     // GPT-2 style: text -> bytes -> byte-level alphabet, merges by rank ("gpt2" in GGUF)
    SentencePieceBpe, // SentencePiece style: UTF-8 characters with "▁" for spaces, merges by rank or by
                      // score, byte fallback to <0xNN> tokens ("llama" in GGUF)
};

// GGUF token types (same numbers as tokenizer.ggml.token_type).
enum class TokenType : int32_t {
    Normal = 1,
    Unknown = 2,
    Control = 3,     // special token: matched in text only when special parsing is on, skipped by skipSpecial
    UserDefined = 4, // added non-special token: always matched as a whole
    Unused = 5,
    Byte = 6,        // <0xNN> byte-fallback token
};

// A token matched verbatim in the input before any pre-tokenization (tokenizer.json "added_tokens").
struct AddedToken {
    int32_t id = -1;
    std::string content;     // raw text (never byte-level mapped)
    bool special = true;     // Control when true, UserDefined when false
    bool lstrip = false;     // also swallows whitespace on its left
    bool rstrip = false;     // also swallows whitespace on its right
    bool normalized = false; // matched in the normalized text instead of the raw text
    bool singleWord = false; // matched only when not inside a word
};

enum class SplitBehavior { Isolated, Removed, MergedWithPrevious, MergedWithNext, Contiguous };
enum class PrependScheme { Always, First, Never };

// One pre-tokenizer stage; stages run in order, each on every piece the previous stage produced.
struct PreTokenizerStep {
    enum class Kind {
        Split,     // split by `pattern` (PCRE2, UTF + UCP) with `behavior`, `invert`
        ByteLevel, // optional prefix space, optional GPT-2 regex split (the byte mapping itself is the model's)
        Metaspace, // " " -> replacement, prefix per prependScheme, optional split before each replacement
        Digits,    // digits isolated, one by one when individualDigits
    };
    Kind kind = Kind::Split;
    std::string pattern;           // Split: regex, or a literal string when patternIsLiteral
    bool patternIsLiteral = false;
    SplitBehavior behavior = SplitBehavior::Isolated;
    bool invert = false;
    bool addPrefixSpace = false;   // ByteLevel
    bool useRegex = false;         // ByteLevel: split with the GPT-2 regex
    std::string replacement = "\xE2\x96\x81"; // Metaspace: "▁"
    PrependScheme prependScheme = PrependScheme::Always;
    bool metaspaceSplit = true;
    bool individualDigits = false; // Digits
};

// One normalizer stage, applied in order to the text between added tokens.
struct NormalizerStep {
    enum class Kind { Nfc, Nfd, Nfkc, Nfkd, Prepend, Replace };
    Kind kind = Kind::Nfc;
    std::string pattern;           // Replace: what to replace (literal unless patternIsRegex)
    bool patternIsRegex = false;
    std::string content;           // Prepend: the prefix; Replace: the replacement
};

// How token strings become text again.
struct DecoderSpec {
    bool byteLevel = false;        // token strings are in the byte-level alphabet
    bool byteFallback = false;     // "<0xNN>" tokens stand for the byte NN
    std::vector<std::pair<std::string, std::string>> replacements; // applied to each normal token ("▁" -> " ")
    int stripLeadingSpaces = 0;    // at most this many ' ' removed from the start of the decoded text
};

struct TokenizerSpec {
    TokenizerModel model = TokenizerModel::ByteLevelBpe;

    std::vector<std::string> tokens;     // [vocabSize] token string by id ("" for an id no file defines)
    std::vector<TokenType> tokenTypes;   // [vocabSize]
    std::vector<float> scores;           // [vocabSize] or empty; SentencePiece merge priority when no merges
    std::unordered_map<std::string, int32_t> tokenIds; // token string -> id (see indexTokens)
    std::vector<std::pair<std::string, std::string>> merges; // [nMerges] in rank order (rank 0 first)
    std::vector<AddedToken> addedTokens;

    std::vector<NormalizerStep> normalizers;
    std::vector<PreTokenizerStep> preTokenizers;
    DecoderSpec decoder;

    bool byteFallback = false;  // unknown characters become <0xNN> tokens
    bool ignoreMerges = false;  // a word that is a token is emitted as it is, without merging
    bool fuseUnk = false;       // consecutive unknown characters give one unk token

    int32_t bosId = -1;
    int32_t eosId = -1;
    int32_t eotId = -1;         // end of turn (<|im_end|>, <|eot_id|>, ...)
    int32_t eomId = -1;         // end of message (<|eom_id|>)
    int32_t padId = -1;
    int32_t unkId = -1;
    std::vector<int32_t> endOfGenerationIds; // every id that ends generation (eos, eot, eom and look-alikes)
    bool addBos = false;
    bool addEos = false;

    std::string chatTemplate;   // Jinja source, stored as found
    std::string preTokenizerName; // GGUF tokenizer.ggml.pre, or "" (informational)

    int32_t vocabSize() const { return int32_t(tokens.size()); }
    // Rebuilds tokenIds from tokens (the first id wins for a duplicate string).
    void indexTokens();
    // Id of a token string (as stored), or -1.
    int32_t findToken(const std::string &token) const;
};

// Fills eotId/eomId when unset and endOfGenerationIds from eos/eot/eom plus the control tokens whose
// text is a known end-of-turn marker. Call after tokens, types and ids are final (indexes the tokens
// first when tokenIds is empty).
void deriveEndOfGeneration(TokenizerSpec &spec);

// Checks sizes and ids (types/scores match the vocabulary, special ids in range, added tokens valid),
// token texts (valid UTF-8, at most kMaxTokenBytes), scores (no NaN) and the pipeline limits above.
// Throws TokenizerFormatError naming the first problem (token texts through printable()).
void validateTokenizerSpec(const TokenizerSpec &spec);

// Throws TokenizerFormatError unless `replacement` is exactly one character (Metaspace), naming `where`.
void checkSingleCharacter(std::string_view replacement, const char *where);

// The byte of a byte-fallback token "<0x41>" (0x41), or -1 for any other text.
int byteTokenValue(std::string_view token);

// Short lowercase name for messages: "split", "byte-level", "metaspace", "digits".
const char *preTokenizerKindName(PreTokenizerStep::Kind kind);

} // namespace enclave
