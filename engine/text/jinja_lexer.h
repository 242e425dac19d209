// Lexer for chat templates: splits the source into text and the tokens of {{ }} and {% %} tags, applying
// Jinja's whitespace control as Hugging Face configures it (trim_blocks and lstrip_blocks on, - and + tag
// modifiers, newlines normalized to \n, one trailing newline dropped). Comments and raw blocks end here.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace enclave::jinja {

enum class TokenType {
    Text, // template data, already whitespace-controlled
    VarBegin, // {{
    VarEnd, // }}
    BlockBegin, // {%
    BlockEnd, // %}
    Name,
    String, // text = the decoded literal
    Integer, // intValue
    Float, // floatValue
    Operator, // text = "+", "//", "==", "(", ...
    End, // end of template
};

struct Token {
    TokenType type = TokenType::End;
    std::string text;
    int line = 1;
    int column = 1;
    int64_t intValue = 0;
    double floatValue = 0.0;
};

// Throws TemplateError for an unterminated tag, comment or string, or an unknown character.
std::vector<Token> tokenize(std::string_view source);

} // namespace enclave::jinja
