// Syntax tree of a parsed chat template: expressions and statements, each with the line and column of
// the token that starts it (for error messages). Built once by the parser, then only read. The parser
// keeps every expression tree lower than kMaxExpressionHeight, so walking or freeing one cannot
// exhaust the stack.
#pragma once

#include "engine/text/jinja_value.h"

#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace enclave::jinja {

struct Node {
    int line = 0;
    int column = 0;
};

struct Expr;
using ExprPtr = std::unique_ptr<Expr>;

struct Arguments {
    std::vector<ExprPtr> positional;
    std::vector<std::pair<std::string, ExprPtr>> keyword;
};

enum class BinaryOp { Add, Sub, Mul, Div, FloorDiv, Mod, Pow, Concat, And, Or };
enum class CompareOp { Eq, Ne, Lt, Le, Gt, Ge, In, NotIn };

struct Expr : Node {
    enum class Kind { Literal, Name, List, Dict, Attr, Item, Slice, Call, Filter, Test, Unary, Binary, Compare, Cond };
    explicit Expr(Kind k) : kind(k) {}
    virtual ~Expr() = default;
    Kind kind;
    int height = 1; // nodes on the longest path down to a leaf, this one included
};

struct LiteralExpr : Expr {
    LiteralExpr() : Expr(Kind::Literal) {}
    Value value;
};

struct NameExpr : Expr {
    NameExpr() : Expr(Kind::Name) {}
    std::string name;
};

struct ListExpr : Expr { // list or tuple display
    ListExpr() : Expr(Kind::List) {}
    std::vector<ExprPtr> items;
    bool tuple = false;
};

struct DictExpr : Expr {
    DictExpr() : Expr(Kind::Dict) {}
    std::vector<std::pair<ExprPtr, ExprPtr>> items;
};

struct AttrExpr : Expr { // object.name
    AttrExpr() : Expr(Kind::Attr) {}
    ExprPtr object;
    std::string name;
};

struct ItemExpr : Expr { // object[index]
    ItemExpr() : Expr(Kind::Item) {}
    ExprPtr object;
    ExprPtr index;
};

struct SliceExpr : Expr { // object[start:stop:step], each part optional
    SliceExpr() : Expr(Kind::Slice) {}
    ExprPtr object;
    ExprPtr start;
    ExprPtr stop;
    ExprPtr step;
};

struct CallExpr : Expr {
    CallExpr() : Expr(Kind::Call) {}
    ExprPtr callee;
    Arguments args;
};

struct FilterCall : Node { // one `|name(args)` of a filter chain
    std::string name;
    Arguments args;
};

struct FilterExpr : Expr {
    FilterExpr() : Expr(Kind::Filter) {}
    ExprPtr input;
    FilterCall filter;
};

struct TestExpr : Expr { // input is [not] name(args)
    TestExpr() : Expr(Kind::Test) {}
    ExprPtr input;
    std::string name;
    Arguments args;
    bool negated = false;
};

struct UnaryExpr : Expr {
    UnaryExpr() : Expr(Kind::Unary) {}
    char op = '-'; // '-', '+' or '!' (not)
    ExprPtr operand;
};

struct BinaryExpr : Expr {
    BinaryExpr() : Expr(Kind::Binary) {}
    BinaryOp op = BinaryOp::Add;
    ExprPtr left;
    ExprPtr right;
};

struct CompareExpr : Expr { // first op1 e1 op2 e2 ... (chained like Python)
    CompareExpr() : Expr(Kind::Compare) {}
    ExprPtr first;
    std::vector<std::pair<CompareOp, ExprPtr>> rest;
};

struct CondExpr : Expr { // then if condition else otherwise (otherwise may be absent: undefined)
    CondExpr() : Expr(Kind::Cond) {}
    ExprPtr condition;
    ExprPtr then;
    ExprPtr otherwise;
};

struct Stmt;
using StmtPtr = std::unique_ptr<Stmt>;
using Body = std::vector<StmtPtr>;

// Left side of a set or for: one name, names to unpack, or a namespace attribute (ns.attr).
struct Target {
    std::vector<std::string> names;
    bool unpack = false;
    std::string attribute; // non-empty: names[0] is the namespace
};

using Parameters = std::vector<std::pair<std::string, ExprPtr>>; // name, default (may be null)

struct Stmt : Node {
    enum class Kind { Text, Output, If, For, Set, SetBlock, Macro, CallBlock, FilterBlock, Scope, Break, Continue };
    explicit Stmt(Kind k) : kind(k) {}
    virtual ~Stmt() = default;
    Kind kind;
};

struct TextStmt : Stmt {
    TextStmt() : Stmt(Kind::Text) {}
    std::string text;
};

struct OutputStmt : Stmt {
    OutputStmt() : Stmt(Kind::Output) {}
    ExprPtr expr;
};

struct IfStmt : Stmt {
    IfStmt() : Stmt(Kind::If) {}
    std::vector<std::pair<ExprPtr, Body>> branches; // if, elif...
    Body otherwise;
};

struct ForStmt : Stmt {
    ForStmt() : Stmt(Kind::For) {}
    Target target;
    ExprPtr iterable;
    ExprPtr filter; // `for x in xs if cond`, may be null
    Body body;
    Body otherwise; // runs when no item was visited
    bool usesLoop = true; // whether the body names `loop`; if not, no loop object is made
};

struct SetStmt : Stmt {
    SetStmt() : Stmt(Kind::Set) {}
    Target target;
    ExprPtr value;
};

struct SetBlockStmt : Stmt { // {% set x | filters %}body{% endset %}
    SetBlockStmt() : Stmt(Kind::SetBlock) {}
    Target target;
    std::vector<FilterCall> filters;
    Body body;
};

struct MacroStmt : Stmt {
    MacroStmt() : Stmt(Kind::Macro) {}
    std::string name;
    Parameters params;
    Body body;
};

struct CallBlockStmt : Stmt { // {% call(params) macro(args) %}body{% endcall %}: body is `caller`
    CallBlockStmt() : Stmt(Kind::CallBlock) {}
    Parameters callerParams;
    ExprPtr call;
    Body body;
};

struct FilterBlockStmt : Stmt {
    FilterBlockStmt() : Stmt(Kind::FilterBlock) {}
    std::vector<FilterCall> filters;
    Body body;
};

struct ScopeStmt : Stmt { // {% with a = 1 %} and {% generation %}: body in its own scope
    ScopeStmt() : Stmt(Kind::Scope) {}
    Parameters assignments;
    Body body;
};

struct BreakStmt : Stmt {
    BreakStmt() : Stmt(Kind::Break) {}
};

struct ContinueStmt : Stmt {
    ContinueStmt() : Stmt(Kind::Continue) {}
};

struct Template {
    Body body;
};

// "filter 'trim'", "call of 'foo'", "'for' loop"...: the construct an error happened in.
std::string describe(const Expr &expr);
std::string describe(const Stmt &stmt);

// The height of the tallest direct child of `expr` (0 for a leaf), from the children's `height`.
int tallestChild(const Expr &expr);

} // namespace enclave::jinja
