// LineReader: libedit's readline() for a terminal, std::getline for a pipe (tests, scripts).
// libedit decodes UTF-8 input by the locale's LC_CTYPE, which the engine otherwise leaves at
// "C": it is set from the environment only while a line is read.
#include "engine/cli/line_reader.h"

#ifdef ENCLAVE_HAVE_LIBEDIT
#include <editline/readline.h>
#endif

#include <clocale>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <unistd.h>

namespace enclave::cli {

LineReader::LineReader() : m_terminal(isatty(STDIN_FILENO) == 1)
{
#ifdef ENCLAVE_HAVE_LIBEDIT
    // Prompts go beside the other notices: stdout carries answers only. note: nothing here may
    // initialise libedit (using_history() would): it must start under the locale readEdited sets.
    m_editing = m_terminal;
    if (m_editing)
        rl_outstream = stderr;
#endif
}

bool LineReader::read(const std::string &prompt, std::string *line)
{
    if (m_editing)
        return readEdited(prompt, line);
    if (m_terminal) {
        std::fputs(prompt.c_str(), stderr);
        std::fflush(stderr);
    }
    if (!std::getline(std::cin, *line))
        return false;
    if (!line->empty() && line->back() == '\r')
        line->pop_back();
    return true;
}

bool LineReader::readEdited(const std::string &prompt, std::string *line)
{
#ifdef ENCLAVE_HAVE_LIBEDIT
    const std::string previous = std::setlocale(LC_CTYPE, nullptr);
    std::setlocale(LC_CTYPE, "");
    char *raw = readline(prompt.c_str());
    std::setlocale(LC_CTYPE, previous.c_str());
    if (!raw) { // Ctrl+D: end the prompt's line before the shell's
        std::fputs("\n", stderr);
        return false;
    }
    *line = raw;
    std::free(raw);
    if (line->find_first_not_of(" \t") != std::string::npos)
        add_history(line->c_str());
    return true;
#else
    (void)prompt;
    (void)line;
    return false;
#endif
}

} // namespace enclave::cli
