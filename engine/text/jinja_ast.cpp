// What the renderer and the parser ask of the syntax tree: names of constructs for error messages
// ("filter 'trim'", "'for' loop") and the height of a node's children.
#include "engine/text/jinja_ast.h"

#include <algorithm>

namespace enclave::jinja {

namespace {

const char *binaryName(BinaryOp op)
{
    switch (op) {
    case BinaryOp::Add: return "+";
    case BinaryOp::Sub: return "-";
    case BinaryOp::Mul: return "*";
    case BinaryOp::Div: return "/";
    case BinaryOp::FloorDiv: return "//";
    case BinaryOp::Mod: return "%";
    case BinaryOp::Pow: return "**";
    case BinaryOp::Concat: return "~";
    case BinaryOp::And: return "and";
    case BinaryOp::Or: return "or";
    }
    return "?";
}

} // namespace

std::string describe(const Expr &expr)
{
    switch (expr.kind) {
    case Expr::Kind::Filter: return "filter '" + static_cast<const FilterExpr &>(expr).filter.name + "'";
    case Expr::Kind::Test: return "test '" + static_cast<const TestExpr &>(expr).name + "'";
    case Expr::Kind::Call: {
        const Expr &callee = *static_cast<const CallExpr &>(expr).callee;
        if (callee.kind == Expr::Kind::Name)
            return "call of '" + static_cast<const NameExpr &>(callee).name + "'";
        if (callee.kind == Expr::Kind::Attr)
            return "call of '." + static_cast<const AttrExpr &>(callee).name + "()'";
        return "call";
    }
    case Expr::Kind::Binary:
        return std::string("operator '") + binaryName(static_cast<const BinaryExpr &>(expr).op) + "'";
    case Expr::Kind::Compare: return "comparison";
    case Expr::Kind::Slice: return "slice";
    case Expr::Kind::Item: return "subscript";
    case Expr::Kind::Attr: return "attribute '" + static_cast<const AttrExpr &>(expr).name + "'";
    default: return "expression";
    }
}

std::string describe(const Stmt &stmt)
{
    switch (stmt.kind) {
    case Stmt::Kind::Output: return "'{{ }}'";
    case Stmt::Kind::If: return "'if'";
    case Stmt::Kind::For: return "'for' loop";
    case Stmt::Kind::Set:
    case Stmt::Kind::SetBlock: return "'set'";
    case Stmt::Kind::CallBlock: return "'call' block";
    case Stmt::Kind::FilterBlock: return "'filter' block";
    default: return "statement";
    }
}

int tallestChild(const Expr &e)
{
    int tallest = 0;
    const auto see = [&](const ExprPtr &child) {
        if (child)
            tallest = std::max(tallest, child->height);
    };
    const auto seeArguments = [&](const Arguments &args) {
        std::for_each(args.positional.begin(), args.positional.end(), see);
        for (const auto &[name, value] : args.keyword)
            see(value);
    };
    switch (e.kind) {
    case Expr::Kind::Literal:
    case Expr::Kind::Name: break;
    case Expr::Kind::List: {
        const auto &items = static_cast<const ListExpr &>(e).items;
        std::for_each(items.begin(), items.end(), see);
        break;
    }
    case Expr::Kind::Dict:
        for (const auto &[k, v] : static_cast<const DictExpr &>(e).items) {
            see(k);
            see(v);
        }
        break;
    case Expr::Kind::Attr: see(static_cast<const AttrExpr &>(e).object); break;
    case Expr::Kind::Item:
        see(static_cast<const ItemExpr &>(e).object);
        see(static_cast<const ItemExpr &>(e).index);
        break;
    case Expr::Kind::Slice: {
        const auto &n = static_cast<const SliceExpr &>(e);
        for (const ExprPtr *part : {&n.object, &n.start, &n.stop, &n.step})
            see(*part);
        break;
    }
    case Expr::Kind::Call:
        see(static_cast<const CallExpr &>(e).callee);
        seeArguments(static_cast<const CallExpr &>(e).args);
        break;
    case Expr::Kind::Filter:
        see(static_cast<const FilterExpr &>(e).input);
        seeArguments(static_cast<const FilterExpr &>(e).filter.args);
        break;
    case Expr::Kind::Test:
        see(static_cast<const TestExpr &>(e).input);
        seeArguments(static_cast<const TestExpr &>(e).args);
        break;
    case Expr::Kind::Unary: see(static_cast<const UnaryExpr &>(e).operand); break;
    case Expr::Kind::Binary:
        see(static_cast<const BinaryExpr &>(e).left);
        see(static_cast<const BinaryExpr &>(e).right);
        break;
    case Expr::Kind::Compare:
        see(static_cast<const CompareExpr &>(e).first);
        for (const auto &[op, operand] : static_cast<const CompareExpr &>(e).rest)
            see(operand);
        break;
    case Expr::Kind::Cond: {
        const auto &n = static_cast<const CondExpr &>(e);
        for (const ExprPtr *part : {&n.condition, &n.then, &n.otherwise})
            see(*part);
        break;
    }
    }
    return tallest;
}

} // namespace enclave::jinja
