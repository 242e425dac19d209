// TemplateError: what a chat template reports when it cannot be parsed or rendered, with the line and
// column (1-based, in code points) of the construct at fault. Column 0 means "whole template".
#pragma once

#include <stdexcept>
#include <string>

namespace enclave {

class TemplateError : public std::runtime_error {
public:
    TemplateError(const std::string &message, int line, int column, bool raised = false)
        : std::runtime_error("line " + std::to_string(line) + ", column " + std::to_string(column) + ": " + message),
          m_message(message),
          m_line(line),
          m_column(column),
          m_raised(raised)
    {
    }

    const std::string &message() const { return m_message; } // without the position
    int line() const { return m_line; }
    int column() const { return m_column; }
    // True when the template itself gave up through raise_exception(message).
    bool raisedByTemplate() const { return m_raised; }

private:
    std::string m_message;
    int m_line;
    int m_column;
    bool m_raised;
};

} // namespace enclave
