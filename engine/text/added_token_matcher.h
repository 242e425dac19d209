// AddedTokenMatcher: finds added/special tokens in text before any other processing (leftmost-longest,
// with the lstrip/rstrip/single_word rules of tokenizer.json). A byte trie keeps the scan linear.
// Immutable after construction and safe to share between threads.
#pragma once

#include "engine/text/tokenizer_spec.h"

#include <cstdint>
#include <string_view>
#include <vector>

namespace enclave {

class AddedTokenMatcher {
public:
    struct Piece {
        size_t start;
        size_t end;
        int32_t id; // -1: ordinary text
    };

    // Keeps the tokens whose `normalized` flag equals `normalizedSet`.
    AddedTokenMatcher(const std::vector<AddedToken> &tokens, bool normalizedSet);

    bool empty() const { return m_tokens.empty(); }

    // Cuts `text` (valid UTF-8) into ordinary text and matched tokens, in order, covering all of it
    // except whitespace swallowed by lstrip/rstrip. Special tokens take part only when parseSpecial.
    void split(std::string_view text, bool parseSpecial, std::vector<Piece> &out) const;

private:
    struct Node {
        std::vector<std::pair<uint8_t, int32_t>> next; // byte -> node
        int32_t token = -1;                            // index into m_tokens
    };

    int32_t child(int32_t node, uint8_t b) const;
    // Index into m_tokens of the longest eligible token starting at text[pos], and its length.
    int32_t longestAt(std::string_view text, size_t pos, bool parseSpecial, size_t &length) const;
    bool wordBoundaryOk(std::string_view text, size_t start, size_t end) const;

    std::vector<AddedToken> m_tokens;
    std::vector<Node> m_nodes;
    bool m_firstByte[256] = {};
};

} // namespace enclave
