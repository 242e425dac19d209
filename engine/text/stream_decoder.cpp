// StreamDecoder: accumulate token bytes, emit the longest prefix whose decoding cannot change.
#include "engine/text/stream_decoder.h"

#include "engine/text/unicode_text.h"

namespace enclave {

StreamDecoder::StreamDecoder(const Tokenizer &tokenizer, bool skipSpecial)
    : m_tokenizer(tokenizer), m_skipSpecial(skipSpecial), m_spacesToStrip(tokenizer.leadingSpacesToStrip())
{
}

std::string StreamDecoder::push(int32_t id)
{
    if (m_skipSpecial && m_tokenizer.isSpecial(id))
        return {};
    m_pending += m_tokenizer.tokenPiece(id);
    if (!m_started) {
        size_t strip = 0;
        while (strip < m_pending.size() && m_spacesToStrip > 0 && m_pending[strip] == ' ') {
            ++strip;
            --m_spacesToStrip;
        }
        m_pending.erase(0, strip);
        m_started = !m_pending.empty();
    }
    const size_t n = utf8StablePrefix(m_pending);
    if (n == 0)
        return {};
    std::string out = sanitizeUtf8(std::string_view(m_pending).substr(0, n));
    m_pending.erase(0, n);
    return out;
}

std::string StreamDecoder::flush()
{
    std::string out = sanitizeUtf8(m_pending);
    reset();
    return out;
}

void StreamDecoder::reset()
{
    m_pending.clear();
    m_spacesToStrip = m_tokenizer.leadingSpacesToStrip();
    m_started = false;
}

} // namespace enclave
