// OutputFilter: a tiny state machine over the pending text.
#include "engine/text/output_filter.h"

#include <algorithm>

namespace enclave {
namespace {

constexpr const char *kOpen = "<think>";
constexpr const char *kClose = "</think>";

// Length of the longest suffix of text that is a proper prefix of marker.
size_t partialSuffix(const std::string &text, const std::string &marker)
{
    const size_t maxLen = std::min(text.size(), marker.size() - 1);
    for (size_t len = maxLen; len > 0; --len) {
        if (text.compare(text.size() - len, len, marker, 0, len) == 0)
            return len;
    }
    return 0;
}

} // namespace

OutputFilter::OutputFilter(std::vector<std::string> stopStrings, bool startInReasoning)
    : m_stops(std::move(stopStrings)), m_reasoning(startInReasoning)
{
    m_stops.erase(std::remove(m_stops.begin(), m_stops.end(), std::string()), m_stops.end());
}

namespace {

// What a model generates is stored and shown as text: NUL (which ends a string in SQLite's
// length() and in C APIs), the other C0 controls but tab and line breaks, DEL and the C1
// controls (UTF-8 C2 80..C2 9F, among them CSI) are dropped, so no escape sequence reaches a
// terminal and nothing invisible reaches the database. Input is whole UTF-8 characters.
std::string withoutControls(std::string text)
{
    std::string out;
    out.reserve(text.size());
    for (size_t i = 0; i < text.size(); ++i) {
        const auto b = static_cast<unsigned char>(text[i]);
        if ((b < 0x20 && b != '\t' && b != '\n' && b != '\r') || b == 0x7f)
            continue;
        if (b == 0xc2 && i + 1 < text.size() && static_cast<unsigned char>(text[i + 1]) <= 0x9f &&
            static_cast<unsigned char>(text[i + 1]) >= 0x80) {
            ++i;
            continue;
        }
        out += char(b);
    }
    return out;
}

} // namespace

void OutputFilter::emit(std::vector<Piece> &out, std::string text) const
{
    text = withoutControls(std::move(text));
    if (text.empty())
        return;
    if (!out.empty() && out.back().reasoning == m_reasoning)
        out.back().text += text;
    else
        out.push_back({m_reasoning, std::move(text)});
}

size_t OutputFilter::heldBackLength() const
{
    size_t hold = partialSuffix(m_pending, m_reasoning ? kClose : kOpen);
    for (const std::string &s : m_stops)
        hold = std::max(hold, partialSuffix(m_pending, s));
    return hold;
}

std::vector<OutputFilter::Piece> OutputFilter::push(const std::string &text)
{
    std::vector<Piece> out;
    if (m_stopped)
        return out;
    m_pending += text;
    for (;;) {
        // The earliest complete marker: a stop string, or the tag that switches mode.
        size_t at = std::string::npos, length = 0;
        bool isStop = false;
        const std::string tag = m_reasoning ? kClose : kOpen;
        if (const size_t t = m_pending.find(tag); t != std::string::npos) {
            at = t;
            length = tag.size();
        }
        for (const std::string &s : m_stops) {
            const size_t p = m_pending.find(s);
            if (p != std::string::npos && (at == std::string::npos || p < at)) {
                at = p;
                length = s.size();
                isStop = true;
            }
        }
        if (at == std::string::npos)
            break;
        emit(out, m_pending.substr(0, at));
        m_pending.erase(0, at + length);
        if (isStop) {
            m_stopped = true;
            m_pending.clear();
            return out;
        }
        m_reasoning = !m_reasoning;
    }
    const size_t hold = heldBackLength();
    emit(out, m_pending.substr(0, m_pending.size() - hold));
    m_pending.erase(0, m_pending.size() - hold);
    return out;
}

std::vector<OutputFilter::Piece> OutputFilter::flush()
{
    std::vector<Piece> out;
    if (!m_stopped)
        emit(out, std::move(m_pending));
    m_pending.clear();
    return out;
}

} // namespace enclave
