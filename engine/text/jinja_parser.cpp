// Statement grammar of the template language (and the token helpers both grammars use). Every block
// remembers where it was opened so that an unclosed or mismatched block is reported at its opening
// tag, naming the tag it still needs.
#include "engine/text/jinja_error.h"
#include "engine/text/jinja_limits.h"
#include "engine/text/jinja_parser.h"

#include <algorithm>
#include <new>

namespace enclave::jinja {

const Token &ExpressionParser::peek(size_t ahead) const
{
    return m_tokens[std::min(m_pos + ahead, m_tokens.size() - 1)];
}

bool ExpressionParser::isOperator(std::string_view op) const
{
    return current().type == TokenType::Operator && current().text == op;
}

bool ExpressionParser::isName(std::string_view name) const
{
    return current().type == TokenType::Name && current().text == name;
}

bool ExpressionParser::skipOperator(std::string_view op)
{
    if (!isOperator(op))
        return false;
    advance();
    return true;
}

bool ExpressionParser::skipName(std::string_view name)
{
    if (!isName(name))
        return false;
    advance();
    return true;
}

void ExpressionParser::expectOperator(std::string_view op, std::string_view context)
{
    if (!skipOperator(op))
        fail("expected '" + std::string(op) + "' " + std::string(context) + ", got " + describe(current()), current());
}

std::string ExpressionParser::expectName(std::string_view context)
{
    if (current().type != TokenType::Name)
        fail("expected a name " + std::string(context) + ", got " + describe(current()), current());
    return advance().text;
}

void ExpressionParser::fail(const std::string &message, const Token &at) const
{
    throw TemplateError(message, at.line, at.column);
}

std::string ExpressionParser::describe(const Token &token)
{
    switch (token.type) {
    case TokenType::Text: return "template text";
    case TokenType::VarBegin: return "'{{'";
    case TokenType::VarEnd: return "end of print statement '}}'";
    case TokenType::BlockBegin: return "'{%'";
    case TokenType::BlockEnd: return "end of statement block '%}'";
    case TokenType::Name: return "name '" + token.text + "'";
    case TokenType::String: return "string literal";
    case TokenType::Integer:
    case TokenType::Float: return "number";
    case TokenType::Operator: return "'" + token.text + "'";
    case TokenType::End: return "end of template";
    }
    return "token";
}

namespace {

template <typename T> std::unique_ptr<T> makeStmt(const Token &at)
{
    auto node = std::make_unique<T>();
    node->line = at.line;
    node->column = at.column;
    return node;
}

std::string joinTags(const std::vector<std::string_view> &tags)
{
    std::string out;
    for (size_t i = 0; i < tags.size(); ++i)
        out += (i ? " or '" : "'") + std::string(tags[i]) + "'";
    return out;
}

class Parser : public ExpressionParser {
public:
    using ExpressionParser::ExpressionParser;

    std::unique_ptr<Template> run()
    {
        auto tpl = std::make_unique<Template>();
        tpl->body = parseBody({}, nullptr);
        return tpl;
    }

private:
    struct OpenBlock {
        std::string tag;
        Token at;
    };

    int m_loopDepth = 0;
    int m_blockDepth = 0;

    // Statements up to one of `ends` (left as the current token, after its '{%'), or the end of the
    // template when `ends` is empty.
    Body parseBody(const std::vector<std::string_view> &ends, const OpenBlock *open)
    {
        Body body;
        while (true) {
            const Token &token = current();
            if (token.type == TokenType::End) {
                if (open)
                    fail("'" + open->tag + "' block is never closed: expected " + joinTags(ends) +
                             " before the end of the template",
                         open->at);
                return body;
            }
            if (token.type == TokenType::Text) {
                auto text = makeStmt<TextStmt>(token);
                text->text = advance().text;
                body.push_back(std::move(text));
            } else if (token.type == TokenType::VarBegin) {
                advance();
                auto output = makeStmt<OutputStmt>(token);
                output->expr = parseTuple();
                expectEnd(TokenType::VarEnd, "'{{ }}' expression");
                body.push_back(std::move(output));
            } else if (token.type == TokenType::BlockBegin) {
                const Token begin = advance();
                if (current().type == TokenType::Name &&
                    std::find(ends.begin(), ends.end(), current().text) != ends.end())
                    return body;
                body.push_back(parseStatement(begin, ends, open));
            } else {
                fail("unexpected " + describe(token), token);
            }
        }
    }

    void expectEnd(TokenType type, std::string_view construct)
    {
        if (current().type != type)
            fail("expected the end of the " + std::string(construct) + ", got " + describe(current()), current());
        advance();
    }

    // Consumes the end tag the body stopped at ("endfor"), which must close its tag at once.
    std::string closeTag()
    {
        const std::string name = advance().text;
        expectEnd(TokenType::BlockEnd, "'" + name + "' tag");
        return name;
    }

    Body parseBlockBody(const std::string &tag, const Token &at, const std::vector<std::string_view> &ends)
    {
        expectEnd(TokenType::BlockEnd, "'" + tag + "' tag");
        const OpenBlock open{tag, at};
        return parseBody(ends, &open);
    }

    // `at` is the tag's '{%': statements and their errors are placed there.
    StmtPtr parseStatement(const Token &at, const std::vector<std::string_view> &ends, const OpenBlock *open)
    {
        if (m_blockDepth >= kMaxBlockNesting)
            fail("blocks nested too deeply (more than " + std::to_string(kMaxBlockNesting) + " levels)", at);
        ++m_blockDepth;
        StmtPtr stmt = parseTag(at, ends, open);
        --m_blockDepth;
        return stmt;
    }

    StmtPtr parseTag(const Token &at, const std::vector<std::string_view> &ends, const OpenBlock *open)
    {
        if (current().type != TokenType::Name)
            fail("expected a tag name after '{%', got " + describe(current()), current());
        const std::string tag = advance().text;
        if (tag == "if")
            return parseIf(at);
        if (tag == "for")
            return parseFor(at);
        if (tag == "set")
            return parseSet(at);
        if (tag == "macro")
            return parseMacro(at);
        if (tag == "call")
            return parseCallBlock(at);
        if (tag == "filter")
            return parseFilterBlock(at);
        if (tag == "with" || tag == "generation")
            return parseScope(at, tag);
        if (tag == "print") {
            auto output = makeStmt<OutputStmt>(at);
            output->expr = parseTuple();
            expectEnd(TokenType::BlockEnd, "'print' tag");
            return output;
        }
        if (tag == "break" || tag == "continue")
            return parseLoopControl(at, tag);
        std::string message = "unknown tag '" + tag + "'";
        if (open)
            message += " (the innermost open block is '" + open->tag + "', which needs " + joinTags(ends) + ")";
        fail(message, at);
    }

    StmtPtr parseLoopControl(const Token &at, const std::string &tag)
    {
        if (m_loopDepth == 0)
            fail("'" + tag + "' outside of a loop", at);
        expectEnd(TokenType::BlockEnd, "'" + tag + "' tag");
        if (tag == "break")
            return makeStmt<BreakStmt>(at);
        return makeStmt<ContinueStmt>(at);
    }

    StmtPtr parseIf(const Token &at)
    {
        auto node = makeStmt<IfStmt>(at);
        std::string tag = "if";
        Token tagAt = at;
        while (true) {
            ExprPtr condition = parseTuple(false);
            Body body = parseBlockBody(tag, tagAt, {"elif", "else", "endif"});
            node->branches.emplace_back(std::move(condition), std::move(body));
            tagAt = current();
            tag = advance().text;
            if (tag == "elif")
                continue;
            if (tag == "else") {
                node->otherwise = parseBlockBody("if", at, {"endif"});
                closeTag();
            } else {
                expectEnd(TokenType::BlockEnd, "'endif' tag");
            }
            return node;
        }
    }

    Target parseTarget(std::string_view construct, bool withNamespace)
    {
        Target target;
        if (withNamespace && current().type == TokenType::Name && peek().type == TokenType::Operator &&
            peek().text == ".") {
            target.names.push_back(advance().text);
            advance();
            target.attribute = expectName("after '.' in the assignment target");
            return target;
        }
        const bool parenthesized = skipOperator("(");
        while (true) {
            target.names.push_back(expectName(std::string("as the target of ") + std::string(construct)));
            if (!isOperator(","))
                break;
            advance();
            target.unpack = true;
            if (current().type != TokenType::Name)
                break;
        }
        if (parenthesized) {
            expectOperator(")", "to close the target list");
            target.unpack = true;
        }
        return target;
    }

    StmtPtr parseFor(const Token &at)
    {
        auto node = makeStmt<ForStmt>(at);
        node->target = parseTarget("'for'", false);
        if (!skipName("in"))
            fail("expected 'in' in the 'for' tag, got " + describe(current()), current());
        node->iterable = parseTuple(false);
        if (skipName("if"))
            node->filter = parseExpression();
        if (isName("recursive"))
            fail("recursive loops are not supported", current());
        ++m_loopDepth;
        const int loopNames = m_loopNames;
        node->body = parseBlockBody("for", at, {"endfor", "else"});
        node->usesLoop = m_loopNames != loopNames;
        --m_loopDepth;
        if (advance().text == "else") {
            node->otherwise = parseBlockBody("for", at, {"endfor"});
            closeTag();
        } else {
            expectEnd(TokenType::BlockEnd, "'endfor' tag");
        }
        return node;
    }

    std::vector<FilterCall> parseFilterChain(bool startInline)
    {
        std::vector<FilterCall> filters;
        while (startInline || skipOperator("|")) {
            filters.push_back(parseFilterCall());
            startInline = false;
        }
        return filters;
    }

    StmtPtr parseSet(const Token &at)
    {
        Target target = parseTarget("'set'", true);
        if (skipOperator("=")) {
            auto node = makeStmt<SetStmt>(at);
            node->target = std::move(target);
            node->value = parseTuple();
            expectEnd(TokenType::BlockEnd, "'set' tag");
            return node;
        }
        auto node = makeStmt<SetBlockStmt>(at);
        node->target = std::move(target);
        node->filters = parseFilterChain(false);
        node->body = parseBlockBody("set", at, {"endset"});
        closeTag();
        return node;
    }

    Parameters parseParameters()
    {
        Parameters params;
        expectOperator("(", "to start the parameter list");
        while (!isOperator(")")) {
            if (!params.empty())
                expectOperator(",", "between parameters");
            if (isOperator(")"))
                break;
            const Token nameAt = current();
            std::string name = expectName("as a parameter");
            ExprPtr fallback;
            if (skipOperator("="))
                fallback = parseExpression();
            else if (!params.empty() && params.back().second)
                fail("parameter '" + name + "' without a default follows one with a default", nameAt);
            params.emplace_back(std::move(name), std::move(fallback));
        }
        expectOperator(")", "to close the parameter list");
        return params;
    }

    StmtPtr parseMacro(const Token &at)
    {
        auto node = makeStmt<MacroStmt>(at);
        node->name = expectName("after 'macro'");
        node->params = parseParameters();
        const int loopDepth = m_loopDepth;
        m_loopDepth = 0;
        node->body = parseBlockBody("macro", at, {"endmacro"});
        m_loopDepth = loopDepth;
        closeTag();
        return node;
    }

    StmtPtr parseCallBlock(const Token &at)
    {
        auto node = makeStmt<CallBlockStmt>(at);
        if (isOperator("("))
            node->callerParams = parseParameters();
        const Token callAt = current();
        node->call = parseExpression();
        if (node->call->kind != Expr::Kind::Call)
            fail("expected a macro call in the 'call' tag", callAt);
        const int loopDepth = m_loopDepth;
        m_loopDepth = 0;
        node->body = parseBlockBody("call", at, {"endcall"});
        m_loopDepth = loopDepth;
        closeTag();
        return node;
    }

    StmtPtr parseFilterBlock(const Token &at)
    {
        auto node = makeStmt<FilterBlockStmt>(at);
        node->filters = parseFilterChain(true);
        node->body = parseBlockBody("filter", at, {"endfilter"});
        closeTag();
        return node;
    }

    StmtPtr parseScope(const Token &at, const std::string &tag)
    {
        auto node = makeStmt<ScopeStmt>(at);
        while (tag == "with" && current().type != TokenType::BlockEnd) {
            if (!node->assignments.empty())
                expectOperator(",", "between 'with' assignments");
            std::string name = expectName("in the 'with' tag");
            expectOperator("=", "in the 'with' tag");
            node->assignments.emplace_back(std::move(name), parseExpression());
        }
        const std::string end = "end" + tag;
        node->body = parseBlockBody(tag, at, {end});
        closeTag();
        return node;
    }
};

} // namespace

std::unique_ptr<Template> parseTemplate(std::string_view source)
{
    if (source.size() > kMaxTemplateBytes)
        throw TemplateError("template too large (" + std::to_string(source.size()) + " bytes, at most " +
                                std::to_string(kMaxTemplateBytes) + ")",
                            0, 0);
    try {
        Parser parser(tokenize(source));
        return parser.run();
    } catch (const TemplateError &) {
        throw;
    } catch (const std::bad_alloc &) {
        throw TemplateError("out of memory while parsing the template", 0, 0);
    } catch (const std::exception &e) {
        throw TemplateError(std::string("cannot parse the template: ") + e.what(), 0, 0);
    }
}

} // namespace enclave::jinja
