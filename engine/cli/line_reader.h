// The lines `enclave-cli chat` reads: on a terminal through libedit (line editing, history of
// this session only: nothing typed is written to disk), otherwise plain lines of standard input.
#pragma once

#include <string>

namespace enclave::cli {

class LineReader {
public:
    LineReader(); // line editing when standard input is a terminal and libedit is built in
    // Shows prompt on stderr and reads one line without its line break; false at end of input.
    bool read(const std::string &prompt, std::string *line);
    bool editing() const { return m_editing; }

private:
    bool readEdited(const std::string &prompt, std::string *line);

    bool m_terminal = false; // standard input is a terminal: show the prompt
    bool m_editing = false;
};

} // namespace enclave::cli
