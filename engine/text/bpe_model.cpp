// Byte-pair merging with a priority queue keyed by (rank, position): the lowest-ranked adjacent pair is
// merged first, the leftmost one on ties, as Hugging Face tokenizers, SentencePiece and tiktoken do.
// note: symbols start as single bytes (byte-level) or single characters (SentencePiece), already ids.
#include "engine/text/bpe_model.h"

#include "engine/text/unicode_text.h"

#include <algorithm>
#include <queue>
#include <stdexcept>

namespace enclave {

namespace {

constexpr size_t kMaxCachedWordBytes = 128;
constexpr size_t kMaxCacheEntries = 1 << 17;
// Bytes hashed while deriving merges from a vocabulary without a merge list (every cut of every
// token: the sum of squared token lengths). Llama 3's and Qwen 3's vocabularies need 2^23; a hostile
// file of long tokens would otherwise take hours.
constexpr uint64_t kMaxDeriveWork = uint64_t(1) << 28;

uint64_t pairKey(int32_t left, int32_t right) { return (uint64_t(uint32_t(left)) << 32) | uint32_t(right); }

struct Candidate {
    int32_t rank;
    int32_t left; // symbol index; also the position for tie-breaking
    int32_t right;
    int32_t leftId;
    int32_t rightId;
    bool operator>(const Candidate &o) const { return rank != o.rank ? rank > o.rank : left > o.left; }
};

bool mergeable(TokenType type) { return type == TokenType::Normal || type == TokenType::UserDefined; }

} // namespace

BpeModel::BpeModel(const TokenizerSpec &spec)
    : m_byteLevel(spec.model == TokenizerModel::ByteLevelBpe), m_byteFallback(spec.byteFallback),
      m_ignoreMerges(spec.ignoreMerges), m_fuseUnk(spec.fuseUnk), m_unkId(spec.unkId)
{
    m_byteIds.fill(-1);
    indexVocabulary(spec);
    indexMerges(spec);
}

std::string BpeModel::internalForm(const std::string &token) const
{
    if (!m_byteLevel)
        return token;
    std::string raw;
    return byteLevelDecode(token, raw) ? raw : std::string();
}

void BpeModel::indexVocabulary(const TokenizerSpec &spec)
{
    m_ids.reserve(spec.tokens.size());
    for (size_t id = 0; id < spec.tokens.size(); ++id) {
        const TokenType type = spec.tokenTypes[id];
        if (type == TokenType::Byte && !m_byteLevel) {
            const int b = byteTokenValue(spec.tokens[id]);
            if (b >= 0 && m_byteIds[size_t(b)] < 0)
                m_byteIds[size_t(b)] = int32_t(id);
            continue;
        }
        if (!mergeable(type))
            continue;
        std::string form = internalForm(spec.tokens[id]);
        if (!form.empty())
            m_ids.emplace(std::move(form), int32_t(id));
    }
    if (m_byteLevel) {
        for (size_t b = 0; b < 256; ++b) {
            const char c = char(b);
            m_byteIds[b] = lookup(std::string_view(&c, 1));
        }
    }
}

void BpeModel::indexMerges(const TokenizerSpec &spec)
{
    if (spec.merges.empty()) {
        // Rank each token by its score (higher first) or, for byte-level vocabularies, by its id.
        std::vector<int32_t> order(spec.tokens.size()), rank(spec.tokens.size(), -1);
        for (size_t i = 0; i < order.size(); ++i)
            order[i] = int32_t(i);
        const bool byScore = !m_byteLevel && spec.scores.size() == spec.tokens.size();
        if (byScore)
            std::stable_sort(order.begin(), order.end(),
                             [&](int32_t a, int32_t b) { return spec.scores[size_t(a)] > spec.scores[size_t(b)]; });
        for (size_t i = 0; i < order.size(); ++i) {
            const bool tie = byScore && i > 0 && spec.scores[size_t(order[i])] == spec.scores[size_t(order[i - 1])];
            rank[size_t(order[i])] = tie ? rank[size_t(order[i - 1])] : int32_t(i);
        }
        derivePairs(spec, rank);
        return;
    }
    m_merges.reserve(spec.merges.size());
    for (size_t r = 0; r < spec.merges.size(); ++r) {
        const std::string left = internalForm(spec.merges[r].first);
        const std::string right = internalForm(spec.merges[r].second);
        const int32_t leftId = lookup(left), rightId = lookup(right), result = lookup(left + right);
        if (leftId >= 0 && rightId >= 0 && result >= 0)
            m_merges.emplace(pairKey(leftId, rightId), Merge{int32_t(r), result});
    }
}

void BpeModel::derivePairs(const TokenizerSpec &spec, const std::vector<int32_t> &tokenRank)
{
    uint64_t work = 0;
    for (const auto &[form, id] : m_ids) {
        if (spec.tokenTypes[size_t(id)] != TokenType::Normal)
            continue;
        work += uint64_t(form.size()) * form.size();
        if (work > kMaxDeriveWork)
            throw TokenizerFormatError("tokenizer: the vocabulary is too large to derive merges from (give a "
                                       "merge list)");
        for (size_t cut = 1; cut < form.size(); ++cut) {
            if (!m_byteLevel && (uint8_t(form[cut]) & 0xC0) == 0x80)
                continue; // SentencePiece symbols are whole characters
            const int32_t left = lookup(std::string_view(form).substr(0, cut));
            const int32_t right = lookup(std::string_view(form).substr(cut));
            if (left >= 0 && right >= 0)
                m_merges.emplace(pairKey(left, right), Merge{tokenRank[size_t(id)], id});
        }
    }
}

int32_t BpeModel::lookup(std::string_view word) const
{
    const auto it = m_ids.find(word);
    return it == m_ids.end() ? -1 : it->second;
}

const BpeModel::Merge *BpeModel::findMerge(int32_t left, int32_t right) const
{
    const auto it = m_merges.find(pairKey(left, right));
    return it == m_merges.end() ? nullptr : &it->second;
}

void BpeModel::pushUnknown(std::vector<Symbol> &symbols, bool &previousUnknown) const
{
    if (m_unkId >= 0 && !(m_fuseUnk && previousUnknown))
        symbols.push_back({m_unkId, 0, 0, true});
    previousUnknown = m_unkId >= 0;
}

void BpeModel::initialSymbols(std::string_view word, std::vector<Symbol> &symbols) const
{
    bool previousUnknown = false;
    for (size_t pos = 0; pos < word.size();) {
        size_t end = pos + 1;
        if (!m_byteLevel)
            while (end < word.size() && (uint8_t(word[end]) & 0xC0) == 0x80)
                ++end;
        const std::string_view piece = word.substr(pos, end - pos);
        int32_t id = m_byteLevel ? m_byteIds[uint8_t(word[pos])] : lookup(piece);
        if (id >= 0) {
            symbols.push_back({id, 0, 0, true});
            previousUnknown = false;
        } else if (m_byteFallback && std::all_of(piece.begin(), piece.end(),
                                                 [&](char c) { return m_byteIds[uint8_t(c)] >= 0; })) {
            for (char c : piece)
                symbols.push_back({m_byteIds[uint8_t(c)], 0, 0, true});
            previousUnknown = false;
        } else {
            pushUnknown(symbols, previousUnknown);
        }
        pos = end;
    }
    for (size_t i = 0; i < symbols.size(); ++i) {
        symbols[i].prev = int32_t(i) - 1;
        symbols[i].next = i + 1 < symbols.size() ? int32_t(i + 1) : -1;
    }
}

void BpeModel::mergeWord(std::string_view word, std::vector<int32_t> &out) const
{
    std::vector<Symbol> symbols;
    symbols.reserve(word.size());
    initialSymbols(word, symbols);

    std::priority_queue<Candidate, std::vector<Candidate>, std::greater<>> queue;
    auto consider = [&](int32_t left, int32_t right) {
        if (left < 0 || right < 0)
            return;
        const int32_t leftId = symbols[size_t(left)].id, rightId = symbols[size_t(right)].id;
        if (const Merge *m = findMerge(leftId, rightId))
            queue.push({m->rank, left, right, leftId, rightId});
    };
    for (size_t i = 0; i + 1 < symbols.size(); ++i)
        consider(int32_t(i), int32_t(i + 1));

    while (!queue.empty()) {
        const Candidate c = queue.top();
        queue.pop();
        Symbol &left = symbols[size_t(c.left)];
        Symbol &right = symbols[size_t(c.right)];
        if (!left.alive || !right.alive || left.next != c.right || left.id != c.leftId || right.id != c.rightId)
            continue; // stale: one side was merged since
        left.id = findMerge(c.leftId, c.rightId)->result;
        left.next = right.next;
        if (right.next >= 0)
            symbols[size_t(right.next)].prev = c.left;
        right.alive = false;
        consider(left.prev, c.left);
        consider(c.left, left.next);
    }
    for (int32_t i = symbols.empty() ? -1 : 0; i >= 0; i = symbols[size_t(i)].next)
        out.push_back(symbols[size_t(i)].id);
}

void BpeModel::encodeWord(std::string_view word, std::vector<int32_t> &out) const
{
    if (word.empty())
        return;
    if (m_ignoreMerges) {
        if (const int32_t id = lookup(word); id >= 0) {
            out.push_back(id);
            return;
        }
    }
    const bool cacheable = word.size() <= kMaxCachedWordBytes;
    if (cacheable) {
        std::lock_guard lock(m_cacheMutex);
        if (const auto it = m_cache.find(word); it != m_cache.end()) {
            out.insert(out.end(), it->second.begin(), it->second.end());
            return;
        }
    }
    const size_t first = out.size();
    mergeWord(word, out);
    if (cacheable) {
        std::lock_guard lock(m_cacheMutex);
        if (m_cache.size() >= kMaxCacheEntries)
            m_cache.clear();
        m_cache.emplace(std::string(word), std::vector<int32_t>(out.begin() + std::ptrdiff_t(first), out.end()));
    }
}

} // namespace enclave
