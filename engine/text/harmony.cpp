// HarmonyParser: a four-state machine over the marker tokens.
#include "engine/text/harmony.h"

namespace enclave {
namespace {

// "analysis to=functions.x <|constrain|>json" → "analysis".
std::string channelName(const std::string &header)
{
    const size_t first = header.find_first_not_of(' ');
    if (first == std::string::npos)
        return {};
    const size_t last = header.find_first_of(" <", first);
    return header.substr(first, last == std::string::npos ? std::string::npos : last - first);
}

} // namespace

std::unique_ptr<HarmonyParser> HarmonyParser::forTokenizer(const Tokenizer &tokenizer, const std::string &prompt)
{
    Markers m{tokenizer.findToken("<|start|>"), tokenizer.findToken("<|channel|>"), tokenizer.findToken("<|message|>"),
              tokenizer.findToken("<|end|>")};
    if (m.start < 0 || m.channel < 0 || m.message < 0 || m.end < 0)
        return nullptr;
    std::unique_ptr<HarmonyParser> parser(new HarmonyParser(tokenizer, m));
    // Continue the prompt's last message header: "<|start|>assistant" (the usual case),
    // "...<|channel|>analysis" or "...<|channel|>final<|message|>" (a prefilled channel).
    const size_t header = prompt.rfind("<|start|>");
    if (header != std::string::npos) {
        const std::string tail = prompt.substr(header);
        const size_t channel = tail.find("<|channel|>");
        const size_t message = tail.find("<|message|>");
        if (channel != std::string::npos && message != std::string::npos && message > channel) {
            parser->m_channel = tail.substr(channel + 11, message - channel - 11);
            parser->enterContent();
        } else if (channel != std::string::npos) {
            parser->m_state = State::Channel;
            parser->m_channel = tail.substr(channel + 11);
        }
    }
    return parser;
}

HarmonyParser::HarmonyParser(const Tokenizer &tokenizer, Markers markers)
    : m_markers(markers), m_decoder(tokenizer, true)
{
}

void HarmonyParser::enterContent()
{
    m_state = State::Content;
    m_reasoning = channelName(m_channel) == "analysis";
}

void HarmonyParser::emit(std::vector<OutputFilter::Piece> &out, const std::string &text) const
{
    if (text.empty())
        return;
    if (!out.empty() && out.back().reasoning == m_reasoning)
        out.back().text += text;
    else
        out.push_back({m_reasoning, text});
}

void HarmonyParser::closeContent(std::vector<OutputFilter::Piece> &out)
{
    if (m_state == State::Content)
        emit(out, m_decoder.flush());
    else
        m_decoder.reset();
}

std::vector<OutputFilter::Piece> HarmonyParser::push(int32_t id)
{
    std::vector<OutputFilter::Piece> out;
    if (id == m_markers.start) {
        closeContent(out);
        m_state = State::Header;
    } else if (id == m_markers.channel) {
        closeContent(out);
        m_state = State::Channel;
        m_channel.clear();
    } else if (id == m_markers.message) {
        if (m_state == State::Channel)
            m_channel += m_decoder.flush();
        else
            m_decoder.reset();
        enterContent();
    } else if (id == m_markers.end) {
        closeContent(out);
        m_state = State::Between;
    } else {
        const std::string text = m_decoder.push(id);
        if (m_state == State::Content)
            emit(out, text);
        else if (m_state == State::Channel)
            m_channel += text;
        // Header (the role) and Between: not shown.
    }
    return out;
}

std::vector<OutputFilter::Piece> HarmonyParser::flush()
{
    std::vector<OutputFilter::Piece> out;
    closeContent(out);
    return out;
}

} // namespace enclave
