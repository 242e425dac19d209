// Text the CLI did not write itself (model output, strings from a model file) on its way to a
// terminal: there, control characters and escape sequences are shown escaped so they cannot act.
// To a pipe or file the bytes go out exactly, NUL included: scripts and round trips need them.
#pragma once

#include <cstdio>
#include <string>
#include <string_view>

namespace enclave::cli {

// Whether stream (stdout, stderr) is a terminal.
bool isTerminal(std::FILE *stream);

// text as it may be written: unchanged when toTerminal is false; otherwise printableText (line
// breaks and tabs kept, other control characters, escape sequences and invalid UTF-8 escaped).
std::string terminalSafe(std::string_view text, bool toTerminal);

// Writes streamed text (pieces of an answer) to a stream, escaped when it is a terminal. A UTF-8
// character split between pieces is held back until complete rather than escaped as bytes.
// Not thread-safe; flush() writes what is held back (an incomplete tail escaped).
class TextStream {
public:
    explicit TextStream(std::FILE *stream);
    TextStream(std::FILE *stream, bool toTerminal);

    void write(std::string_view text);
    void flush();
    bool toTerminal() const { return m_terminal; }

private:
    void put(std::string_view bytes);

    std::FILE *m_stream;
    bool m_terminal;
    std::string m_pending; // the start of a UTF-8 character, at most 3 bytes
};

// Bytes at the end of text that begin a UTF-8 sequence it does not finish (0 to 3).
size_t incompleteUtf8Tail(std::string_view text);

} // namespace enclave::cli
