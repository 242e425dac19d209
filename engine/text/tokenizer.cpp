// Tokenizer: wires the added-token matchers, normalizer, pre-tokenizer and BPE model together, and
// precomputes the raw bytes of every token so that decoding is a concatenation.
// note: added tokens with normalized=false are found in the raw text, normalized=true ones after
// normalization, as tokenizer.json defines.
#include "engine/text/tokenizer.h"

#include "engine/model/printable.h"
#include "engine/text/added_token_matcher.h"
#include "engine/text/bpe_model.h"
#include "engine/text/normalizer.h"
#include "engine/text/pre_tokenizer.h"
#include "engine/text/unicode_text.h"

#include <unordered_map>
#include <unordered_set>

namespace enclave {

namespace {

TokenizerSpec validated(TokenizerSpec spec)
{
    if (spec.tokenIds.empty())
        spec.indexTokens();
    validateTokenizerSpec(spec);
    return spec;
}

// A decoded token may grow by a decoder replacement, but not without bound: a file could otherwise
// make the table of all pieces take gigabytes.
size_t maxPieceBytes(size_t tokenBytes) { return 4 * tokenBytes + 64; }

std::string replaceAll(const std::string &text, const std::string &from, const std::string &to, size_t limit)
{
    if (from.empty())
        return text;
    size_t hits = 0;
    for (size_t pos = 0; (pos = text.find(from, pos)) != std::string::npos; pos += from.size())
        ++hits;
    if (text.size() - hits * from.size() + hits * to.size() > limit)
        throw TokenizerFormatError("tokenizer: decoder replacement of " + quotedName(from, 20) + " by " +
                                   std::to_string(to.size()) + " bytes makes a token longer than " +
                                   std::to_string(limit) + " bytes");
    std::string out;
    size_t pos = 0;
    for (size_t hit; (hit = text.find(from, pos)) != std::string::npos; pos = hit + from.size())
        out.append(text, pos, hit - pos).append(to);
    out.append(text, pos);
    return out;
}

// Raw bytes of one token.
std::string pieceOf(const TokenizerSpec &spec, size_t id, const std::unordered_map<int32_t, std::string> &added)
{
    if (const auto it = added.find(int32_t(id)); it != added.end())
        return it->second;
    const std::string &text = spec.tokens[id];
    const TokenType type = spec.tokenTypes[id];
    if (type == TokenType::Byte && (spec.decoder.byteFallback || spec.model == TokenizerModel::SentencePieceBpe)) {
        const int b = byteTokenValue(text);
        if (b >= 0)
            return std::string(1, char(b));
    }
    if (type == TokenType::Control || type == TokenType::UserDefined || type == TokenType::Unknown)
        return text;
    std::string raw;
    if (spec.decoder.byteLevel && byteLevelDecode(text, raw))
        return raw;
    raw = text;
    for (const auto &[from, to] : spec.decoder.replacements)
        raw = replaceAll(raw, from, to, maxPieceBytes(text.size()));
    return raw;
}

} // namespace

struct Tokenizer::Impl {
    explicit Impl(TokenizerSpec s)
        : spec(validated(std::move(s))), rawAdded(spec.addedTokens, false),
          normalizedAdded(spec.addedTokens, true), normalizer(spec.normalizers), preTokenizer(spec.preTokenizers),
          bpe(spec)
    {
        std::unordered_map<int32_t, std::string> added;
        for (const AddedToken &t : spec.addedTokens)
            added.emplace(t.id, t.content);
        pieces.reserve(spec.tokens.size());
        for (size_t id = 0; id < spec.tokens.size(); ++id)
            pieces.push_back(pieceOf(spec, id, added));
        endOfGeneration.insert(spec.endOfGenerationIds.begin(), spec.endOfGenerationIds.end());
    }

    TokenizerSpec spec;
    AddedTokenMatcher rawAdded;
    AddedTokenMatcher normalizedAdded;
    Normalizer normalizer;
    PreTokenizer preTokenizer;
    BpeModel bpe;
    std::vector<std::string> pieces; // [vocabSize] raw bytes per token
    std::unordered_set<int32_t> endOfGeneration;
    std::string empty;
};

Tokenizer::Tokenizer(TokenizerSpec spec) : m_impl(std::make_unique<Impl>(std::move(spec))) {}

Tokenizer::~Tokenizer() = default;

std::vector<int32_t> Tokenizer::encode(std::string_view text, bool addSpecial, bool parseSpecial) const
{
    std::string sanitized;
    if (!isValidUtf8(text)) {
        sanitized = sanitizeUtf8(text);
        text = sanitized;
    }
    const TokenizerSpec &spec = m_impl->spec;
    std::vector<int32_t> ids;
    ids.reserve(text.size() / 3 + 4);
    if (addSpecial && spec.addBos)
        ids.push_back(spec.bosId);
    std::vector<AddedTokenMatcher::Piece> pieces;
    m_impl->rawAdded.split(text, parseSpecial, pieces);
    for (const AddedTokenMatcher::Piece &p : pieces) {
        if (p.id >= 0)
            ids.push_back(p.id);
        else
            encodeSegment(text.substr(p.start, p.end - p.start), p.start == 0, ids);
    }
    if (addSpecial && spec.addEos)
        ids.push_back(spec.eosId);
    return ids;
}

void Tokenizer::encodeSegment(std::string_view text, bool atTextStart, std::vector<int32_t> &ids) const
{
    const std::string normalized = m_impl->normalizer.empty() ? std::string() : m_impl->normalizer.apply(text);
    if (!m_impl->normalizer.empty())
        text = normalized;
    if (m_impl->normalizedAdded.empty()) {
        encodeWords(text, atTextStart, ids);
        return;
    }
    std::vector<AddedTokenMatcher::Piece> pieces;
    m_impl->normalizedAdded.split(text, true, pieces);
    for (const AddedTokenMatcher::Piece &p : pieces) {
        if (p.id >= 0)
            ids.push_back(p.id);
        else
            encodeWords(text.substr(p.start, p.end - p.start), atTextStart && p.start == 0, ids);
    }
}

void Tokenizer::encodeWords(std::string_view text, bool atTextStart, std::vector<int32_t> &ids) const
{
    std::vector<std::string> words;
    m_impl->preTokenizer.split(text, atTextStart, words);
    for (const std::string &word : words)
        m_impl->bpe.encodeWord(word, ids);
}

std::string Tokenizer::decode(std::span<const int32_t> ids, bool skipSpecial) const
{
    std::string bytes;
    for (int32_t id : ids) {
        if (id < 0 || id >= vocabSize() || (skipSpecial && isSpecial(id)))
            continue;
        bytes += m_impl->pieces[size_t(id)];
    }
    size_t strip = 0;
    while (strip < bytes.size() && int(strip) < leadingSpacesToStrip() && bytes[strip] == ' ')
        ++strip;
    bytes.erase(0, strip);
    return isValidUtf8(bytes) ? bytes : sanitizeUtf8(bytes);
}

const std::string &Tokenizer::tokenPiece(int32_t id) const
{
    return id >= 0 && id < vocabSize() ? m_impl->pieces[size_t(id)] : m_impl->empty;
}

int32_t Tokenizer::vocabSize() const { return m_impl->spec.vocabSize(); }
int32_t Tokenizer::bosId() const { return m_impl->spec.bosId; }
int32_t Tokenizer::eosId() const { return m_impl->spec.eosId; }
int32_t Tokenizer::eotId() const { return m_impl->spec.eotId; }
int32_t Tokenizer::padId() const { return m_impl->spec.padId; }
bool Tokenizer::addsBos() const { return m_impl->spec.addBos; }

bool Tokenizer::isEndOfGeneration(int32_t id) const { return m_impl->endOfGeneration.count(id) != 0; }

bool Tokenizer::isSpecial(int32_t id) const
{
    const TokenType type = tokenType(id);
    return type == TokenType::Control || type == TokenType::Unknown;
}

TokenType Tokenizer::tokenType(int32_t id) const
{
    return id >= 0 && id < vocabSize() ? m_impl->spec.tokenTypes[size_t(id)] : TokenType::Unused;
}

int32_t Tokenizer::findToken(std::string_view token) const { return m_impl->spec.findToken(std::string(token)); }

int Tokenizer::leadingSpacesToStrip() const { return m_impl->spec.decoder.stripLeadingSpaces; }

const TokenizerSpec &Tokenizer::spec() const { return m_impl->spec; }

} // namespace enclave
