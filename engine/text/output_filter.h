// OutputFilter: turns the decoded text stream of an answer into what a reader should see:
// reasoning (inside <think>…</think>) separated from the answer, and user stop strings cut
// off before they show. Text that might be the start of a tag or stop string is held back
// until it is decided, so no partial marker ever reaches the screen.
#pragma once

#include <string>
#include <vector>

namespace enclave {

class OutputFilter {
public:
    struct Piece {
        bool reasoning = false;
        std::string text;
    };

    // startInReasoning: the prompt already opened a reasoning block (e.g. ends with "<think>\n").
    OutputFilter(std::vector<std::string> stopStrings, bool startInReasoning);

    // Feeds decoded text; returns the pieces now safe to show. After a stop string,
    // stopped() is true and further input is ignored.
    std::vector<Piece> push(const std::string &text);
    // End of stream: everything held back.
    std::vector<Piece> flush();
    bool stopped() const { return m_stopped; }
    bool inReasoning() const { return m_reasoning; }

private:
    void emit(std::vector<Piece> &out, std::string text) const;
    size_t heldBackLength() const;

    std::vector<std::string> m_stops;
    std::string m_pending;
    bool m_reasoning;
    bool m_stopped = false;
};

} // namespace enclave
