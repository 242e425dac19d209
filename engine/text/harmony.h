// HarmonyParser: the answer format of gpt-oss ("harmony"). An answer is a series of messages,
// each "<|start|>{role}<|channel|>{channel}<|message|>{text}<|end|>", the last one ended by
// <|return|> (or <|call|> for a tool call) instead. The "analysis" channel is the model's
// reasoning, "final" (and "commentary") what it says to the user. The markers are control tokens,
// so the parser works on token ids: header text (roles, channel names) is never shown, message
// text goes out as reasoning or answer.
#pragma once

#include "engine/text/output_filter.h"
#include "engine/text/stream_decoder.h"
#include "engine/text/tokenizer.h"

#include <memory>
#include <string>
#include <vector>

namespace enclave {

class HarmonyParser {
public:
    // A parser when the vocabulary has the harmony markers, else null. prompt: the rendered
    // prompt, whose last message header (usually "<|start|>assistant") the answer continues.
    static std::unique_ptr<HarmonyParser> forTokenizer(const Tokenizer &tokenizer, const std::string &prompt);

    // The text `id` completes, as reasoning or answer pieces (often none).
    std::vector<OutputFilter::Piece> push(int32_t id);
    // The end of the answer: whatever message text is still held back.
    std::vector<OutputFilter::Piece> flush();

private:
    enum class State { Header, Channel, Content, Between };
    struct Markers {
        int32_t start = -1, channel = -1, message = -1, end = -1;
    };
    HarmonyParser(const Tokenizer &tokenizer, Markers markers);

    void enterContent();
    void closeContent(std::vector<OutputFilter::Piece> &out);
    void emit(std::vector<OutputFilter::Piece> &out, const std::string &text) const;

    Markers m_markers;
    StreamDecoder m_decoder;
    State m_state = State::Header;
    std::string m_channel; // the current message's channel, as written after <|channel|>
    bool m_reasoning = false;
};

} // namespace enclave
