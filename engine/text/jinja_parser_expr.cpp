// Expression grammar of the template language, with Jinja's precedence (loosest first):
// a if c else b | or | and | not | comparisons, in, not in | + - | ~ | * / // % | ** | unary - + with
// filters and tests | primary with .attr, [index], [a:b:c] and calls. Two limits: the parser's own
// recursion (brackets, unary operators) and the height of the tree it builds, which loops such as
// `1+1+1...` or `x|f|f|f...` grow without recursing. Every composite node goes through measured().
#include "engine/text/jinja_builtins.h"
#include "engine/text/jinja_error.h"
#include "engine/text/jinja_limits.h"
#include "engine/text/jinja_parser.h"

namespace enclave::jinja {

namespace {

template <typename T> std::unique_ptr<T> makeNode(const Token &at)
{
    auto node = std::make_unique<T>();
    node->line = at.line;
    node->column = at.column;
    return node;
}

ExprPtr makeBinary(const Token &at, BinaryOp op, ExprPtr left, ExprPtr right)
{
    auto node = makeNode<BinaryExpr>(at);
    node->op = op;
    node->left = std::move(left);
    node->right = std::move(right);
    return node;
}

} // namespace

ExpressionParser::NestingGuard::NestingGuard(ExpressionParser &parser) : m_parser(parser)
{
    if (++m_parser.m_nesting > kMaxParseDepth)
        m_parser.fail("expression nested too deeply (more than " + std::to_string(kMaxParseDepth) + " levels)",
                      m_parser.current());
}

ExprPtr ExpressionParser::measured(ExprPtr node)
{
    node->height = tallestChild(*node) + 1;
    if (node->height > kMaxExpressionHeight)
        throw TemplateError("expression nested too deeply (more than " + std::to_string(kMaxExpressionHeight) +
                                " levels of operators, filters, attributes, calls and brackets)",
                            node->line, node->column);
    return node;
}

ExprPtr ExpressionParser::parseTuple(bool allowCondition, bool allowEmpty)
{
    const Token start = current();
    std::vector<ExprPtr> items;
    bool isTuple = false;
    while (true) {
        if (!items.empty())
            expectOperator(",", "between tuple items");
        const TokenType t = current().type;
        if (t == TokenType::VarEnd || t == TokenType::BlockEnd || isOperator(")"))
            break;
        items.push_back(parseExpression(allowCondition));
        if (!isOperator(","))
            break;
        isTuple = true;
    }
    if (!isTuple) {
        if (!items.empty())
            return std::move(items.front());
        if (!allowEmpty)
            fail("expected an expression, got " + describe(current()), current());
    }
    auto node = makeNode<ListExpr>(start);
    node->items = std::move(items);
    node->tuple = true;
    return measured(std::move(node));
}

ExprPtr ExpressionParser::parseExpression(bool allowCondition)
{
    if (!allowCondition)
        return parseOr();
    ExprPtr then = parseOr();
    while (isName("if")) {
        const Token at = advance();
        auto node = makeNode<CondExpr>(at);
        node->condition = parseOr();
        if (skipName("else")) {
            const NestingGuard guard(*this); // `a if b else c if d else ...` recurses here
            node->otherwise = parseExpression(true);
        }
        node->then = std::move(then);
        then = measured(std::move(node));
    }
    return then;
}

ExprPtr ExpressionParser::parseOr()
{
    ExprPtr left = parseAnd();
    while (isName("or")) {
        const Token at = advance();
        left = measured(makeBinary(at, BinaryOp::Or, std::move(left), parseAnd()));
    }
    return left;
}

ExprPtr ExpressionParser::parseAnd()
{
    ExprPtr left = parseNot();
    while (isName("and")) {
        const Token at = advance();
        left = measured(makeBinary(at, BinaryOp::And, std::move(left), parseNot()));
    }
    return left;
}

ExprPtr ExpressionParser::parseNot()
{
    if (!isName("not"))
        return parseCompare();
    const NestingGuard guard(*this);
    const Token at = advance();
    auto node = makeNode<UnaryExpr>(at);
    node->op = '!';
    node->operand = parseNot();
    return measured(std::move(node));
}

ExprPtr ExpressionParser::parseCompare()
{
    const Token start = current();
    ExprPtr first = parseMath1();
    std::unique_ptr<CompareExpr> node;
    while (true) {
        CompareOp op;
        if (isOperator("=="))
            op = CompareOp::Eq;
        else if (isOperator("!="))
            op = CompareOp::Ne;
        else if (isOperator("<"))
            op = CompareOp::Lt;
        else if (isOperator("<="))
            op = CompareOp::Le;
        else if (isOperator(">"))
            op = CompareOp::Gt;
        else if (isOperator(">="))
            op = CompareOp::Ge;
        else if (isName("in"))
            op = CompareOp::In;
        else if (isName("not") && peek().type == TokenType::Name && peek().text == "in")
            op = CompareOp::NotIn;
        else
            break;
        advance();
        if (op == CompareOp::NotIn)
            advance();
        if (!node) {
            node = makeNode<CompareExpr>(start);
            node->first = std::move(first);
        }
        node->rest.emplace_back(op, parseMath1());
    }
    if (node)
        return measured(std::move(node));
    return first;
}

ExprPtr ExpressionParser::parseMath1()
{
    ExprPtr left = parseConcat();
    while (isOperator("+") || isOperator("-")) {
        const Token at = advance();
        left = measured(makeBinary(at, at.text == "+" ? BinaryOp::Add : BinaryOp::Sub, std::move(left), parseConcat()));
    }
    return left;
}

ExprPtr ExpressionParser::parseConcat()
{
    ExprPtr left = parseMath2();
    while (isOperator("~")) {
        const Token at = advance();
        left = measured(makeBinary(at, BinaryOp::Concat, std::move(left), parseMath2()));
    }
    return left;
}

ExprPtr ExpressionParser::parseMath2()
{
    ExprPtr left = parsePow();
    while (isOperator("*") || isOperator("/") || isOperator("//") || isOperator("%")) {
        const Token at = advance();
        const BinaryOp op = at.text == "*" ? BinaryOp::Mul
            : at.text == "/"               ? BinaryOp::Div
            : at.text == "//"              ? BinaryOp::FloorDiv
                                           : BinaryOp::Mod;
        left = measured(makeBinary(at, op, std::move(left), parsePow()));
    }
    return left;
}

ExprPtr ExpressionParser::parsePow()
{
    ExprPtr left = parseUnary();
    while (isOperator("**")) {
        const Token at = advance();
        left = measured(makeBinary(at, BinaryOp::Pow, std::move(left), parseUnary()));
    }
    return left;
}

ExprPtr ExpressionParser::parseUnary(bool withFilter)
{
    const NestingGuard guard(*this);
    ExprPtr node;
    if (isOperator("-") || isOperator("+")) {
        const Token at = advance();
        auto unary = makeNode<UnaryExpr>(at);
        unary->op = at.text[0];
        unary->operand = parseUnary(false);
        node = measured(std::move(unary));
    } else {
        node = parsePrimary();
    }
    node = parsePostfix(std::move(node));
    return withFilter ? parseFilterAndTest(std::move(node)) : std::move(node);
}

ExprPtr ExpressionParser::parsePrimary()
{
    const Token token = current();
    switch (token.type) {
    case TokenType::Name: {
        advance();
        if (token.text == "true" || token.text == "false" || token.text == "True" || token.text == "False") {
            auto node = makeNode<LiteralExpr>(token);
            node->value = Value(token.text == "true" || token.text == "True");
            return node;
        }
        if (token.text == "none" || token.text == "None") {
            auto node = makeNode<LiteralExpr>(token);
            node->value = Value::none();
            return node;
        }
        auto node = makeNode<NameExpr>(token);
        node->name = token.text;
        if (token.text == "loop")
            ++m_loopNames;
        return node;
    }
    case TokenType::String: {
        std::string text;
        while (current().type == TokenType::String)
            text += advance().text; // adjacent literals concatenate
        auto node = makeNode<LiteralExpr>(token);
        node->value = Value(std::move(text));
        return node;
    }
    case TokenType::Integer:
    case TokenType::Float: {
        advance();
        auto node = makeNode<LiteralExpr>(token);
        node->value = token.type == TokenType::Integer ? Value(token.intValue) : Value(token.floatValue);
        return node;
    }
    case TokenType::Operator:
        if (token.text == "(") {
            advance();
            ExprPtr inner = parseTuple(true, true);
            expectOperator(")", "to close '('");
            return inner;
        }
        if (token.text == "[") {
            advance();
            return parseListOrTuple(token, "]", false);
        }
        if (token.text == "{") {
            advance();
            return parseDict(token);
        }
        break;
    default: break;
    }
    fail("unexpected " + describe(token) + " in expression", token);
}

ExprPtr ExpressionParser::parseListOrTuple(const Token &open, std::string_view close, bool tuple)
{
    auto node = makeNode<ListExpr>(open);
    node->tuple = tuple;
    while (!isOperator(close)) {
        if (!node->items.empty())
            expectOperator(",", "between list items");
        if (isOperator(close))
            break;
        node->items.push_back(parseExpression());
    }
    expectOperator(close, "to close the list");
    return measured(std::move(node));
}

ExprPtr ExpressionParser::parseDict(const Token &open)
{
    auto node = makeNode<DictExpr>(open);
    while (!isOperator("}")) {
        if (!node->items.empty())
            expectOperator(",", "between dict items");
        if (isOperator("}"))
            break;
        ExprPtr key = parseExpression();
        expectOperator(":", "after a dict key");
        node->items.emplace_back(std::move(key), parseExpression());
    }
    expectOperator("}", "to close the dict");
    return measured(std::move(node));
}

ExprPtr ExpressionParser::parsePostfix(ExprPtr node)
{
    while (true) {
        if (isOperator(".")) {
            const Token at = advance();
            if (current().type == TokenType::Name) {
                auto attr = makeNode<AttrExpr>(at);
                attr->object = std::move(node);
                attr->name = advance().text;
                node = measured(std::move(attr));
            } else if (current().type == TokenType::Integer) {
                auto item = makeNode<ItemExpr>(at);
                auto index = makeNode<LiteralExpr>(current());
                index->value = Value(advance().intValue);
                item->object = std::move(node);
                item->index = std::move(index);
                node = measured(std::move(item));
            } else {
                fail("expected a name or number after '.', got " + describe(current()), current());
            }
        } else if (isOperator("[")) {
            const Token at = advance();
            node = parseSubscript(std::move(node), at);
        } else if (isOperator("(")) {
            node = parseCall(std::move(node));
        } else {
            return node;
        }
    }
}

ExprPtr ExpressionParser::parseCall(ExprPtr callee)
{
    auto call = std::make_unique<CallExpr>();
    call->line = callee->line;
    call->column = callee->column;
    call->callee = std::move(callee);
    call->args = parseCallArguments();
    return measured(std::move(call));
}

ExprPtr ExpressionParser::parseSubscript(ExprPtr object, const Token &at)
{
    const auto endOfPart = [&] { return isOperator(":") || isOperator("]"); };
    ExprPtr start;
    if (!isOperator(":")) {
        start = parseExpression();
        if (!isOperator(":")) {
            expectOperator("]", "to close the subscript");
            auto item = makeNode<ItemExpr>(at);
            item->object = std::move(object);
            item->index = std::move(start);
            return measured(std::move(item));
        }
    }
    auto slice = makeNode<SliceExpr>(at);
    slice->object = std::move(object);
    slice->start = std::move(start);
    advance(); // ':'
    if (!endOfPart())
        slice->stop = parseExpression();
    if (skipOperator(":") && !isOperator("]"))
        slice->step = parseExpression();
    expectOperator("]", "to close the slice");
    return measured(std::move(slice));
}

Arguments ExpressionParser::parseCallArguments()
{
    expectOperator("(", "to start the arguments");
    Arguments args;
    while (!isOperator(")")) {
        if (!args.positional.empty() || !args.keyword.empty())
            expectOperator(",", "between arguments");
        if (isOperator(")"))
            break;
        if (current().type == TokenType::Name && peek().type == TokenType::Operator && peek().text == "=") {
            std::string name = advance().text;
            advance();
            args.keyword.emplace_back(std::move(name), parseExpression());
        } else {
            if (!args.keyword.empty())
                fail("positional argument follows keyword argument", current());
            args.positional.push_back(parseExpression());
        }
    }
    expectOperator(")", "to close the arguments");
    return args;
}

FilterCall ExpressionParser::parseFilterCall()
{
    FilterCall call;
    call.line = current().line;
    call.column = current().column;
    call.name = expectName("after '|'");
    while (isOperator(".") && peek().type == TokenType::Name) {
        advance();
        call.name += "." + advance().text;
    }
    if (!hasFilter(call.name))
        throw TemplateError("no filter named '" + call.name + "'", call.line, call.column);
    if (isOperator("("))
        call.args = parseCallArguments();
    return call;
}

ExprPtr ExpressionParser::parseFilterAndTest(ExprPtr node)
{
    while (true) {
        if (isOperator("|")) {
            const Token at = advance();
            auto filter = makeNode<FilterExpr>(at);
            filter->input = std::move(node);
            filter->filter = parseFilterCall();
            node = measured(std::move(filter));
        } else if (isName("is")) {
            node = parseTest(std::move(node));
        } else if (isOperator("(")) {
            node = parseCall(std::move(node));
        } else {
            return node;
        }
    }
}

ExprPtr ExpressionParser::parseTest(ExprPtr input)
{
    const Token at = advance(); // 'is'
    auto test = makeNode<TestExpr>(at);
    test->input = std::move(input);
    test->negated = skipName("not");
    const Token nameAt = current();
    test->name = expectName("after 'is'");
    if (!hasTest(test->name))
        fail("no test named '" + test->name + "'", nameAt);
    if (isOperator("(")) {
        test->args = parseCallArguments();
        return measured(std::move(test));
    }
    const Token &c = current();
    const bool startsOperand = c.type == TokenType::Name || c.type == TokenType::String ||
        c.type == TokenType::Integer || c.type == TokenType::Float ||
        (c.type == TokenType::Operator && (c.text == "[" || c.text == "{"));
    if (startsOperand && !isName("else") && !isName("or") && !isName("and")) {
        if (isName("is"))
            fail("tests cannot be chained with 'is'", c);
        test->args.positional.push_back(parsePostfix(parsePrimary()));
    }
    return measured(std::move(test));
}

} // namespace enclave::jinja
