// Added-token matching over a byte trie. lstrip extends a match left over whitespace (never into the
// previous match), rstrip extends it right; single_word tokens must not touch a letter or digit.
#include "engine/text/added_token_matcher.h"

#include "engine/text/unicode_text.h"

#include <algorithm>

namespace enclave {

AddedTokenMatcher::AddedTokenMatcher(const std::vector<AddedToken> &tokens, bool normalizedSet)
{
    m_nodes.emplace_back();
    for (const AddedToken &t : tokens) {
        if (t.normalized != normalizedSet || t.content.empty())
            continue;
        int32_t node = 0;
        for (char c : t.content) {
            int32_t next = child(node, uint8_t(c));
            if (next < 0) {
                next = int32_t(m_nodes.size());
                m_nodes[size_t(node)].next.emplace_back(uint8_t(c), next);
                m_nodes.emplace_back();
            }
            node = next;
        }
        if (m_nodes[size_t(node)].token >= 0)
            continue; // the same text twice: the first definition wins
        m_nodes[size_t(node)].token = int32_t(m_tokens.size());
        m_tokens.push_back(t);
        m_firstByte[uint8_t(t.content[0])] = true;
    }
}

int32_t AddedTokenMatcher::child(int32_t node, uint8_t b) const
{
    for (const auto &[byte, next] : m_nodes[size_t(node)].next)
        if (byte == b)
            return next;
    return -1;
}

int32_t AddedTokenMatcher::longestAt(std::string_view text, size_t pos, bool parseSpecial, size_t &length) const
{
    int32_t best = -1;
    int32_t node = 0;
    for (size_t i = pos; i < text.size(); ++i) {
        node = child(node, uint8_t(text[i]));
        if (node < 0)
            break;
        const int32_t t = m_nodes[size_t(node)].token;
        if (t < 0 || (m_tokens[size_t(t)].special && !parseSpecial))
            continue;
        if (m_tokens[size_t(t)].singleWord && !wordBoundaryOk(text, pos, i + 1))
            continue;
        best = t;
        length = i + 1 - pos;
    }
    return best;
}

bool AddedTokenMatcher::wordBoundaryOk(std::string_view text, size_t start, size_t end) const
{
    if (start > 0 && isUnicodeAlphanumeric(previousCodePoint(text, start)))
        return false;
    size_t pos = end;
    return end >= text.size() || !isUnicodeAlphanumeric(nextCodePoint(text, pos));
}

void AddedTokenMatcher::split(std::string_view text, bool parseSpecial, std::vector<Piece> &out) const
{
    size_t textStart = 0; // start of the ordinary text not yet emitted
    for (size_t pos = 0; pos < text.size();) {
        size_t length = 0;
        const int32_t t = m_firstByte[uint8_t(text[pos])] ? longestAt(text, pos, parseSpecial, length) : -1;
        if (t < 0) {
            ++pos;
            continue;
        }
        const AddedToken &token = m_tokens[size_t(t)];
        size_t start = pos, end = pos + length;
        while (token.lstrip && start > textStart && isUnicodeWhitespace(previousCodePoint(text, start))) {
            const uint32_t cp = previousCodePoint(text, start);
            start -= cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
        }
        for (size_t next = end; token.rstrip && end < text.size(); end = next)
            if (!isUnicodeWhitespace(nextCodePoint(text, next)))
                break;
        if (start > textStart)
            out.push_back({textStart, start, -1});
        out.push_back({start, end, token.id});
        textStart = pos = end;
    }
    if (textStart < text.size())
        out.push_back({textStart, text.size(), -1});
}

} // namespace enclave
