// StreamDecoder: turns generated ids into text one id at a time, emitting only complete UTF-8.
// A token that ends inside a character (byte-level or <0xNN> tokens) is held back until the
// character is complete; bytes that can never form a character come out as U+FFFD.
#pragma once

#include "engine/text/tokenizer.h"

#include <cstdint>
#include <string>

namespace enclave {

// One per output stream; not thread-safe. Keeps a reference: the Tokenizer must outlive it.
// The concatenation of push() results and flush() equals Tokenizer::decode of all ids pushed.
class StreamDecoder {
public:
    explicit StreamDecoder(const Tokenizer &tokenizer, bool skipSpecial = false);

    // Text that became complete with `id` (often "", never a partial character).
    std::string push(int32_t id);
    // Whatever is still held back, incomplete characters as U+FFFD; then starts a new stream.
    std::string flush();
    // Drops anything held back and starts a new stream.
    void reset();

private:
    const Tokenizer &m_tokenizer;
    bool m_skipSpecial;
    std::string m_pending;  // bytes not yet emitted: at most an incomplete character
    int m_spacesToStrip = 0; // leading spaces still to remove at the start of the stream
    bool m_started = false;  // some non-space byte has been seen
};

} // namespace enclave
