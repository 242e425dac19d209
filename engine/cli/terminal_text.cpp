// terminalSafe() and TextStream: printableText() applied only where a terminal would read it.
#include "engine/cli/terminal_text.h"

#include "engine/model/printable.h"

#include <unistd.h>

namespace enclave::cli {

bool isTerminal(std::FILE *stream) { return isatty(fileno(stream)) == 1; }

std::string terminalSafe(std::string_view text, bool toTerminal)
{
    if (!toTerminal)
        return std::string(text);
    // printableText escapes tabs too; a tab cannot act on a terminal, so it stays.
    std::string out;
    size_t start = 0;
    for (size_t tab = text.find('\t'); tab != std::string_view::npos; tab = text.find('\t', start)) {
        out += printableText(text.substr(start, tab - start)) + '\t';
        start = tab + 1;
    }
    return out + printableText(text.substr(start));
}

size_t incompleteUtf8Tail(std::string_view text)
{
    const size_t look = text.size() < 3 ? text.size() : 3;
    for (size_t back = 1; back <= look; ++back) {
        const auto b = static_cast<unsigned char>(text[text.size() - back]);
        if ((b & 0xc0) == 0x80)
            continue; // a continuation byte: its lead is further back
        const size_t length = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : b >= 0xc0 ? 2 : 1;
        return length > back ? back : 0;
    }
    return 0;
}

TextStream::TextStream(std::FILE *stream) : TextStream(stream, isTerminal(stream)) {}

TextStream::TextStream(std::FILE *stream, bool toTerminal) : m_stream(stream), m_terminal(toTerminal) {}

void TextStream::write(std::string_view text)
{
    if (!m_terminal) {
        put(text);
        return;
    }
    std::string joined = m_pending + std::string(text);
    const size_t tail = incompleteUtf8Tail(joined);
    m_pending = joined.substr(joined.size() - tail);
    joined.resize(joined.size() - tail);
    put(terminalSafe(joined, true));
}

void TextStream::flush()
{
    if (!m_pending.empty())
        put(terminalSafe(m_pending, true));
    m_pending.clear();
    std::fflush(m_stream);
}

void TextStream::put(std::string_view bytes)
{
    std::fwrite(bytes.data(), 1, bytes.size(), m_stream);
    std::fflush(m_stream);
}

} // namespace enclave::cli
