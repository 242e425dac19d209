// Parser of chat templates: tokens -> syntax tree, following Jinja's grammar and operator precedence.
// Supported statements: if/elif/else, for (else, filter, unpacking), set (incl. block set and
// namespace attributes), macro, call, filter, with, generation, break, continue.
#pragma once

#include "engine/text/jinja_ast.h"
#include "engine/text/jinja_lexer.h"

#include <memory>
#include <string_view>

namespace enclave::jinja {

// Throws TemplateError naming the line, column and construct of the first syntax error, or for a
// source larger than kMaxTemplateBytes.
std::unique_ptr<Template> parseTemplate(std::string_view source);

// Expression grammar over a token stream; the statement parser builds on it.
class ExpressionParser {
public:
    explicit ExpressionParser(std::vector<Token> tokens) : m_tokens(std::move(tokens)) {}

protected:
    // Counts one level of expression nesting for as long as it lives; fails past the limit.
    class NestingGuard {
    public:
        explicit NestingGuard(ExpressionParser &parser);
        ~NestingGuard() { --m_parser.m_nesting; }
        NestingGuard(const NestingGuard &) = delete;
        NestingGuard &operator=(const NestingGuard &) = delete;

    private:
        ExpressionParser &m_parser;
    };

    std::vector<Token> m_tokens;
    size_t m_pos = 0;
    int m_nesting = 0;
    int m_loopNames = 0; // how many names `loop` were parsed so far

    const Token &current() const { return m_tokens[m_pos]; }
    const Token &peek(size_t ahead = 1) const;
    const Token &advance() { return m_tokens[m_pos < m_tokens.size() - 1 ? m_pos++ : m_pos]; }
    bool isOperator(std::string_view op) const;
    bool isName(std::string_view name) const;
    bool skipOperator(std::string_view op);
    bool skipName(std::string_view name);
    void expectOperator(std::string_view op, std::string_view context);
    std::string expectName(std::string_view context);
    [[noreturn]] void fail(const std::string &message, const Token &at) const;
    static std::string describe(const Token &token);

    // Sets the height of a completed composite node; fails past kMaxExpressionHeight.
    ExprPtr measured(ExprPtr node);

    ExprPtr parseTuple(bool allowCondition = true, bool allowEmpty = false); // a, b -> tuple
    ExprPtr parseExpression(bool allowCondition = true);
    ExprPtr parseOr();
    ExprPtr parseAnd();
    ExprPtr parseNot();
    ExprPtr parseCompare();
    ExprPtr parseMath1();
    ExprPtr parseConcat();
    ExprPtr parseMath2();
    ExprPtr parsePow();
    ExprPtr parseUnary(bool withFilter = true);
    ExprPtr parsePrimary();
    ExprPtr parsePostfix(ExprPtr node);
    ExprPtr parseFilterAndTest(ExprPtr node);
    ExprPtr parseSubscript(ExprPtr object, const Token &at);
    ExprPtr parseListOrTuple(const Token &open, std::string_view close, bool tuple);
    ExprPtr parseDict(const Token &open);
    FilterCall parseFilterCall();
    ExprPtr parseTest(ExprPtr input);
    ExprPtr parseCall(ExprPtr callee);
    Arguments parseCallArguments();
};

} // namespace enclave::jinja
