// Tokenizer of the template language. Mirrors Jinja's lexer states: data, {{ }} and {% %} tags
// (whose end markers do not count while brackets are open), {# #} comments and {% raw %} blocks.
#include "engine/text/jinja_lexer.h"

#include "engine/text/jinja_error.h"
#include "engine/text/jinja_strings.h"

#include <cctype>
#include <charconv>
#include <cstring>

namespace enclave::jinja {

namespace {

constexpr const char *kOperators2[] = {"//", "**", "==", "!=", ">=", "<="};
constexpr std::string_view kOperators1 = "+-/*%~[](){}><=.:|,;";

bool isSpace(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

bool isNameStart(char c)
{
    return std::isalpha(static_cast<unsigned char>(c)) || c == '_';
}

bool isNameChar(char c)
{
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
}

// Jinja joins the source's lines with \n and drops one trailing newline (keep_trailing_newline=False).
std::string normalizeNewlines(std::string_view source)
{
    std::string out;
    out.reserve(source.size());
    for (size_t i = 0; i < source.size(); ++i) {
        if (source[i] == '\r') {
            out += '\n';
            if (i + 1 < source.size() && source[i + 1] == '\n')
                ++i;
        } else {
            out += source[i];
        }
    }
    if (!out.empty() && out.back() == '\n')
        out.pop_back();
    return out;
}

// Python's str.rstrip() / "whole text is whitespace" over UTF-8.
std::string rstripWhitespace(const std::string &text)
{
    return strip(text, std::nullopt, false, true);
}

bool allWhitespace(std::string_view text)
{
    for (char32_t c : decodeUtf8(text)) {
        if (!isPythonSpace(c))
            return false;
    }
    return true;
}

class Lexer {
public:
    explicit Lexer(std::string source) : m_src(std::move(source)) {}

    std::vector<Token> run()
    {
        while (m_pos < m_src.size()) {
            const size_t start = findTagStart(m_pos);
            if (start == std::string::npos) {
                emitText(m_src.substr(m_pos), m_pos);
                break;
            }
            lexTagAt(start);
        }
        Token end;
        end.type = TokenType::End;
        locate(m_src.size(), end);
        m_tokens.push_back(end);
        return std::move(m_tokens);
    }

private:
    std::string m_src;
    size_t m_pos = 0;
    std::vector<Token> m_tokens;
    size_t m_trackOffset = 0;
    int m_trackLine = 1;
    int m_trackColumn = 1;

    size_t findTagStart(size_t from) const
    {
        for (size_t i = m_src.find('{', from); i != std::string::npos; i = m_src.find('{', i + 1)) {
            if (i + 1 < m_src.size() && std::strchr("{%#", m_src[i + 1]) && m_src[i + 1] != '\0')
                return i;
        }
        return std::string::npos;
    }

    void locate(size_t offset, Token &token)
    {
        if (offset < m_trackOffset) {
            m_trackOffset = 0;
            m_trackLine = 1;
            m_trackColumn = 1;
        }
        for (; m_trackOffset < offset && m_trackOffset < m_src.size(); ++m_trackOffset) {
            const auto c = static_cast<unsigned char>(m_src[m_trackOffset]);
            if (c == '\n') {
                ++m_trackLine;
                m_trackColumn = 1;
            } else if ((c & 0xC0) != 0x80) {
                ++m_trackColumn;
            }
        }
        token.line = m_trackLine;
        token.column = m_trackColumn;
    }

    [[noreturn]] void fail(const std::string &message, size_t offset)
    {
        Token where;
        locate(offset, where);
        throw TemplateError(message, where.line, where.column);
    }

    void push(TokenType type, std::string text, size_t offset)
    {
        Token t;
        t.type = type;
        t.text = std::move(text);
        locate(offset, t);
        m_tokens.push_back(std::move(t));
    }

    void emitText(std::string text, size_t offset)
    {
        if (!text.empty())
            push(TokenType::Text, std::move(text), offset);
    }

    // Whitespace control of the text before a tag: "-" strips all of it, lstrip_blocks strips the
    // indentation of a block or comment tag that opens its line.
    std::string controlTextBefore(size_t start, char kind, char sign) const
    {
        std::string text = m_src.substr(m_pos, start - m_pos);
        if (sign == '-')
            return rstripWhitespace(text);
        if (sign == '+' || kind == '{')
            return text;
        const size_t lineStart = text.rfind('\n') == std::string::npos ? 0 : text.rfind('\n') + 1;
        const bool lineStarting = m_pos == 0 || m_src[m_pos - 1] == '\n';
        if ((lineStart > 0 || lineStarting) && allWhitespace(std::string_view(text).substr(lineStart)))
            text.resize(lineStart);
        return text;
    }

    void lexTagAt(size_t start)
    {
        const char kind = m_src[start + 1];
        const char next = start + 2 < m_src.size() ? m_src[start + 2] : '\0';
        const char sign = next == '-' || next == '+' ? next : '\0';
        const size_t bodyStart = start + 2 + (sign ? 1 : 0);
        size_t rawEnd = 0;
        if (kind == '%' && matchesRawTag(bodyStart, "raw", rawEnd)) {
            emitText(controlTextBefore(start, kind, sign), m_pos);
            lexRaw(start, rawEnd);
            return;
        }
        emitText(controlTextBefore(start, kind, sign), m_pos);
        if (kind == '#')
            lexComment(start, bodyStart);
        else
            lexTag(kind, start, bodyStart);
    }

    // Whether `{%[-+] word [-]%}` starts at `from`; sets `end` past the tag (and its trailing whitespace).
    bool matchesRawTag(size_t from, std::string_view word, size_t &end) const
    {
        size_t i = from;
        while (i < m_src.size() && isSpace(m_src[i]))
            ++i;
        if (m_src.compare(i, word.size(), word) != 0 ||
            (i + word.size() < m_src.size() && isNameChar(m_src[i + word.size()])))
            return false;
        i += word.size();
        while (i < m_src.size() && isSpace(m_src[i]))
            ++i;
        if (m_src.compare(i, 3, "-%}") == 0) {
            i += 3;
            while (i < m_src.size() && isSpace(m_src[i]))
                ++i;
        } else if (m_src.compare(i, 2, "%}") == 0) {
            i += 2;
        } else {
            return false;
        }
        end = i;
        return true;
    }

    // Raw content runs to the first {% endraw %}, whose markers control whitespace like any block tag.
    void lexRaw(size_t start, size_t contentStart)
    {
        for (size_t i = m_src.find("{%", contentStart); i != std::string::npos; i = m_src.find("{%", i + 2)) {
            const char next = i + 2 < m_src.size() ? m_src[i + 2] : '\0';
            const char sign = next == '-' || next == '+' ? next : '\0';
            size_t j = i + 2 + (sign ? 1 : 0);
            while (j < m_src.size() && isSpace(m_src[j]))
                ++j;
            if (m_src.compare(j, 6, "endraw") != 0)
                continue;
            j += 6;
            while (j < m_src.size() && isSpace(m_src[j]))
                ++j;
            char endSign = '\0';
            size_t length = 0;
            if (!atTagEnd('%', j, endSign, length))
                continue;
            m_pos = contentStart;
            emitText(controlTextBefore(i, '%', sign), contentStart);
            m_pos = j + length;
            finishTag(endSign, true);
            return;
        }
        fail("missing end of raw directive ('endraw')", start);
    }

    void lexComment(size_t start, size_t bodyStart)
    {
        const size_t close = m_src.find("#}", bodyStart);
        if (close == std::string::npos)
            fail("missing end of comment tag ('#}')", start);
        const char before = close > bodyStart ? m_src[close - 1] : '\0';
        m_pos = close + 2;
        finishTag(before == '-' ? '-' : before == '+' ? '+' : '\0', true);
    }

    // After a tag's end marker: "-" eats all following whitespace, trim_blocks one newline.
    void finishTag(char sign, bool trimBlocks)
    {
        if (sign == '-') {
            while (m_pos < m_src.size() && isSpace(m_src[m_pos]))
                ++m_pos;
        } else if (sign != '+' && trimBlocks && m_pos < m_src.size() && m_src[m_pos] == '\n') {
            ++m_pos;
        }
    }

    bool atTagEnd(char kind, size_t i, char &sign, size_t &length) const
    {
        const std::string_view close = kind == '%' ? "%}" : "}}";
        if ((m_src[i] == '-' || (m_src[i] == '+' && kind == '%')) && m_src.compare(i + 1, 2, close) == 0) {
            sign = m_src[i];
            length = 3;
            return true;
        }
        if (m_src.compare(i, 2, close) == 0) {
            sign = '\0';
            length = 2;
            return true;
        }
        return false;
    }

    void lexTag(char kind, size_t start, size_t bodyStart)
    {
        push(kind == '%' ? TokenType::BlockBegin : TokenType::VarBegin, kind == '%' ? "{%" : "{{", start);
        std::string brackets;
        size_t i = bodyStart;
        while (true) {
            while (i < m_src.size() && isSpace(m_src[i]))
                ++i;
            if (i >= m_src.size())
                fail(std::string("unexpected end of template: missing '") + (kind == '%' ? "%}" : "}}") +
                         "' for the tag opened here",
                     start);
            char sign = '\0';
            size_t length = 0;
            if (brackets.empty() && atTagEnd(kind, i, sign, length)) {
                push(kind == '%' ? TokenType::BlockEnd : TokenType::VarEnd, kind == '%' ? "%}" : "}}", i);
                m_pos = i + length;
                finishTag(sign, kind == '%');
                return;
            }
            i = lexToken(i, brackets);
        }
    }

    size_t lexToken(size_t i, std::string &brackets)
    {
        const char c = m_src[i];
        if (isNameStart(c)) {
            size_t j = i;
            while (j < m_src.size() && isNameChar(m_src[j]))
                ++j;
            push(TokenType::Name, m_src.substr(i, j - i), i);
            return j;
        }
        if (c == '\'' || c == '"')
            return lexString(i);
        if (std::isdigit(static_cast<unsigned char>(c)))
            return lexNumber(i);
        for (const char *op : kOperators2) {
            if (m_src.compare(i, 2, op) == 0) {
                push(TokenType::Operator, op, i);
                return i + 2;
            }
        }
        if (kOperators1.find(c) == std::string_view::npos)
            fail(std::string("unexpected character '") + c + "' in tag", i);
        trackBrackets(c, i, brackets);
        push(TokenType::Operator, std::string(1, c), i);
        return i + 1;
    }

    void trackBrackets(char c, size_t i, std::string &brackets)
    {
        if (c == '(' || c == '[' || c == '{') {
            brackets += c;
        } else if (c == ')' || c == ']' || c == '}') {
            const char open = c == ')' ? '(' : c == ']' ? '[' : '{';
            if (brackets.empty() || brackets.back() != open)
                fail(std::string("unexpected '") + c + "'", i);
            brackets.pop_back();
        }
    }

    size_t lexString(size_t i);
    size_t lexNumber(size_t i);
    size_t lexPrefixedInteger(size_t i);
};

// Python's unicode-escape decoding of a string literal's body, as Jinja applies it.
size_t decodeEscape(const std::string &src, size_t i, std::string &out)
{
    const char e = src[i];
    const auto hexValue = [&](size_t from, size_t digits, char32_t &value) {
        if (from + digits > src.size())
            return false;
        value = 0;
        for (size_t k = 0; k < digits; ++k) {
            const char h = src[from + k];
            if (!std::isxdigit(static_cast<unsigned char>(h)))
                return false;
            value = value * 16 +
                char32_t(std::isdigit(static_cast<unsigned char>(h)) ? h - '0' : (std::tolower(h) - 'a' + 10));
        }
        return true;
    };
    char32_t value = 0;
    switch (e) {
    case 'n': out += '\n'; return i + 1;
    case 't': out += '\t'; return i + 1;
    case 'r': out += '\r'; return i + 1;
    case 'a': out += '\a'; return i + 1;
    case 'b': out += '\b'; return i + 1;
    case 'f': out += '\f'; return i + 1;
    case 'v': out += '\v'; return i + 1;
    case '\\': out += '\\'; return i + 1;
    case '\'': out += '\''; return i + 1;
    case '"': out += '"'; return i + 1;
    case '\n': return i + 1;
    case 'x':
    case 'u':
    case 'U': {
        const size_t digits = e == 'x' ? 2 : e == 'u' ? 4 : 8;
        if (hexValue(i + 1, digits, value)) {
            appendUtf8(out, value);
            return i + 1 + digits;
        }
        break;
    }
    default:
        if (e >= '0' && e <= '7') {
            size_t j = i;
            while (j < src.size() && j < i + 3 && src[j] >= '0' && src[j] <= '7')
                value = value * 8 + char32_t(src[j++] - '0');
            appendUtf8(out, value);
            return j;
        }
    }
    out += '\\';
    return i;
}

size_t Lexer::lexString(size_t i)
{
    const char quote = m_src[i];
    std::string value;
    size_t j = i + 1;
    while (j < m_src.size() && m_src[j] != quote) {
        if (m_src[j] == '\\' && j + 1 < m_src.size()) {
            j = decodeEscape(m_src, j + 1, value);
        } else {
            value += m_src[j++];
        }
    }
    if (j >= m_src.size())
        fail("unterminated string literal", i);
    push(TokenType::String, std::move(value), i);
    return j + 1;
}

// 0x1F, 0o17, 0b101 (underscores allowed between digits).
size_t Lexer::lexPrefixedInteger(size_t i)
{
    const int base = std::tolower(m_src[i + 1]) == 'x' ? 16 : std::tolower(m_src[i + 1]) == 'o' ? 8 : 2;
    size_t j = i + 2;
    std::string text;
    while (j < m_src.size() && (std::isxdigit(static_cast<unsigned char>(m_src[j])) || m_src[j] == '_')) {
        if (m_src[j] != '_')
            text += m_src[j];
        ++j;
    }
    Token t;
    t.type = TokenType::Integer;
    locate(i, t);
    if (text.empty() ||
        std::from_chars(text.data(), text.data() + text.size(), t.intValue, base).ptr != text.data() + text.size())
        fail("invalid integer literal", i);
    m_tokens.push_back(t);
    return j;
}

size_t Lexer::lexNumber(size_t i)
{
    size_t j = i;
    const auto digits = [&](size_t from) {
        size_t k = from;
        while (k < m_src.size() &&
               (std::isdigit(static_cast<unsigned char>(m_src[k])) ||
                (m_src[k] == '_' && k > from && k + 1 < m_src.size() &&
                 std::isdigit(static_cast<unsigned char>(m_src[k + 1])))))
            ++k;
        return k;
    };
    const bool afterDot =
        !m_tokens.empty() && m_tokens.back().type == TokenType::Operator && m_tokens.back().text == ".";
    if (m_src[i] == '0' && i + 1 < m_src.size() && std::strchr("xXoObB", m_src[i + 1]) && m_src[i + 1] != '\0')
        return lexPrefixedInteger(i);
    j = digits(i);
    bool isFloat = false;
    if (!afterDot && j + 1 < m_src.size() && m_src[j] == '.' &&
        std::isdigit(static_cast<unsigned char>(m_src[j + 1]))) {
        j = digits(j + 1);
        isFloat = true;
    }
    if (!afterDot && j < m_src.size() && (m_src[j] == 'e' || m_src[j] == 'E')) {
        size_t k = j + 1;
        if (k < m_src.size() && (m_src[k] == '+' || m_src[k] == '-'))
            ++k;
        if (k < m_src.size() && std::isdigit(static_cast<unsigned char>(m_src[k]))) {
            j = digits(k);
            isFloat = true;
        }
    }
    std::string text;
    for (size_t k = i; k < j; ++k) {
        if (m_src[k] != '_')
            text += m_src[k];
    }
    Token t;
    locate(i, t);
    t.text = text;
    if (isFloat) {
        t.type = TokenType::Float;
        std::from_chars(text.data(), text.data() + text.size(), t.floatValue);
    } else {
        t.type = TokenType::Integer;
        if (std::from_chars(text.data(), text.data() + text.size(), t.intValue).ec != std::errc())
            fail("integer literal out of the 64-bit range", i);
    }
    m_tokens.push_back(t);
    return j;
}

} // namespace

std::vector<Token> tokenize(std::string_view source)
{
    Lexer lexer(normalizeNewlines(source));
    return lexer.run();
}

} // namespace enclave::jinja
