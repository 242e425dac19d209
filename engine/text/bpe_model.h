// BpeModel: turns one pre-tokenized word into token ids by byte-pair merging. Merge priority comes
// from the merge list (rank), or, without one, from the vocabulary itself: token scores for
// SentencePiece models, token ids for byte-level ones (tiktoken's rule). Words are cached.
// encodeWord is thread-safe (the cache has its own lock).
#pragma once

#include "engine/text/tokenizer_spec.h"

#include <array>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace enclave {

class BpeModel {
public:
    // Indexes the vocabulary and the merge pairs of `spec` (copied; the spec need not outlive this).
    // Bytes/characters without a token become byte-fallback tokens, the unknown token, or nothing.
    // Throws TokenizerFormatError when deriving merges from a merge-less vocabulary would take too long.
    explicit BpeModel(const TokenizerSpec &spec);

    // Appends the ids of `word` (raw bytes for byte-level models, "▁"-text for SentencePiece ones).
    void encodeWord(std::string_view word, std::vector<int32_t> &out) const;

    // Id of a word in the model's own form (raw bytes / "▁"-text), or -1.
    int32_t lookup(std::string_view word) const;

private:
    struct StringHash {
        using is_transparent = void;
        size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
    };
    using StringMap = std::unordered_map<std::string, int32_t, StringHash, std::equal_to<>>;
    using WordCache = std::unordered_map<std::string, std::vector<int32_t>, StringHash, std::equal_to<>>;

    struct Merge {
        int32_t rank;
        int32_t result;
    };
    struct Symbol {
        int32_t id;
        int32_t prev;
        int32_t next;
        bool alive;
    };

    void indexVocabulary(const TokenizerSpec &spec);
    void indexMerges(const TokenizerSpec &spec);
    void derivePairs(const TokenizerSpec &spec, const std::vector<int32_t> &tokenRank);
    std::string internalForm(const std::string &token) const;
    void initialSymbols(std::string_view word, std::vector<Symbol> &symbols) const;
    void pushUnknown(std::vector<Symbol> &symbols, bool &previousUnknown) const;
    void mergeWord(std::string_view word, std::vector<int32_t> &out) const;
    const Merge *findMerge(int32_t left, int32_t right) const;

    bool m_byteLevel = true;
    bool m_byteFallback = false;
    bool m_ignoreMerges = false;
    bool m_fuseUnk = false;
    int32_t m_unkId = -1;
    StringMap m_ids;                             // internal form -> id
    std::array<int32_t, 256> m_byteIds{};        // byte -> single-byte token / <0xNN> token, -1 if none
    std::unordered_map<uint64_t, Merge> m_merges; // (left id << 32 | right id) -> rank and result

    mutable std::mutex m_cacheMutex;
    mutable WordCache m_cache;
};

} // namespace enclave
