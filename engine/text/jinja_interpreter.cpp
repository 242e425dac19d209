// Tree-walking renderer. Errors from the value library come up as RuntimeError without a position; the
// innermost expression or statement that sees one turns it into a TemplateError naming its line,
// column and construct. Macros hold their defining scope weakly so scopes never form cycles; the
// namespaces a render creates are emptied at its end, which breaks the cycles and chains they can form.
// Every evaluated node costs a step of the render budget and a level of the render depth.
#include "engine/text/jinja_interpreter.h"

#include "engine/text/jinja_builtins.h"
#include "engine/text/jinja_error.h"

#include <algorithm>
#include <array>
#include <new>

namespace enclave::jinja {

namespace {

using ScopePtr = std::shared_ptr<Scope>;

[[noreturn]] void rethrowAt(const RuntimeError &e, const Node &node, const std::string &construct)
{
    if (e.raised())
        throw TemplateError(e.what(), node.line, node.column, true);
    throw TemplateError(std::string(e.what()) + " (in " + construct + ")", node.line, node.column);
}

// What a standard exception from deep inside (out of memory, a length error) says in a TemplateError.
RuntimeError asRuntimeError(const std::exception &e)
{
    if (dynamic_cast<const std::bad_alloc *>(&e))
        return RuntimeError("out of memory");
    return RuntimeError(std::string("internal error: ") + e.what());
}

// One level of nesting for as long as it lives; throws RuntimeError past `limit`.
class DepthGuard {
public:
    DepthGuard(int &depth, int limit, const char *failure) : m_depth(depth)
    {
        if (m_depth >= limit)
            throw RuntimeError(failure + std::to_string(limit) + ")");
        ++m_depth;
    }
    ~DepthGuard() { --m_depth; }
    DepthGuard(const DepthGuard &) = delete;
    DepthGuard &operator=(const DepthGuard &) = delete;

private:
    int &m_depth;
};

// The keys of a `loop` object, made once and shared by every iteration.
const std::array<Value, 12> &loopKeys()
{
    static const std::array<Value, 12> keys = {"index", "index0", "revindex", "revindex0", "first",    "last",
                                               "length", "depth", "depth0",   "previtem",  "nextitem", "cycle"};
    return keys;
}

class Interpreter {
public:
    explicit Interpreter(const RenderSettings &settings) : m_settings(settings), m_budget(settings.maxSteps) {}

    // Empties every namespace, so that values that hold each other are freed one flat level at a time.
    ~Interpreter()
    {
        if (m_settings.stats)
            *m_settings.stats = {m_budget.steps(), m_maxRenderDepth, m_iterations};
        for (Value &ns : m_namespaces) {
            ValueDict items = std::move(ns.asDict());
            ns.asDict() = ValueDict();
        }
    }

    std::string render(const Template &tpl, const ValueDict &context)
    {
        auto globals = std::make_shared<Scope>();
        installGlobals(*globals, m_settings, m_namespaces);
        auto root = std::make_shared<Scope>(globals);
        for (const auto &[k, v] : context.items())
            root->set(toDisplayString(k), v);
        std::string out;
        execBody(tpl.body, root, out);
        return out;
    }

private:
    enum class Flow { Normal, Break, Continue };

    const RenderSettings &m_settings;
    RenderBudget m_budget;
    std::vector<Value> m_namespaces; // every namespace() made, emptied at the end
    int m_renderDepth = 0;
    int m_maxRenderDepth = 0;
    int m_callDepth = 0;
    int64_t m_iterations = 0;

    void append(std::string &out, const std::string &text)
    {
        if (out.size() + text.size() > m_settings.maxOutputBytes)
            throw RuntimeError("rendered text larger than " + std::to_string(m_settings.maxOutputBytes) + " bytes");
        m_budget.chargeBytes(text.size());
        out += text;
    }

    DepthGuard renderLevel()
    {
        return DepthGuard(m_renderDepth, m_settings.maxRenderDepth,
                          "template nested too deeply while rendering (expressions, statements and macro "
                          "calls inside each other, at most ");
    }

    Flow execBody(const Body &body, const ScopePtr &scope, std::string &out)
    {
        for (const StmtPtr &stmt : body) {
            const Flow flow = exec(*stmt, scope, out);
            if (flow != Flow::Normal)
                return flow;
        }
        return Flow::Normal;
    }

    Flow exec(const Stmt &stmt, const ScopePtr &scope, std::string &out)
    {
        try {
            const DepthGuard level = renderLevel();
            m_budget.charge(1);
            return execInner(stmt, scope, out);
        } catch (const TemplateError &) {
            throw;
        } catch (const RuntimeError &e) {
            rethrowAt(e, stmt, describe(stmt));
        } catch (const std::exception &e) {
            rethrowAt(asRuntimeError(e), stmt, describe(stmt));
        }
    }

    Flow execInner(const Stmt &stmt, const ScopePtr &scope, std::string &out)
    {
        switch (stmt.kind) {
        case Stmt::Kind::Text: append(out, static_cast<const TextStmt &>(stmt).text); break;
        case Stmt::Kind::Output:
            append(out, toDisplayString(eval(*static_cast<const OutputStmt &>(stmt).expr, scope)));
            break;
        case Stmt::Kind::If: return execIf(static_cast<const IfStmt &>(stmt), scope, out);
        case Stmt::Kind::For: return execFor(static_cast<const ForStmt &>(stmt), scope, out);
        case Stmt::Kind::Set: {
            const auto &node = static_cast<const SetStmt &>(stmt);
            assign(node.target, eval(*node.value, scope), *scope);
            break;
        }
        case Stmt::Kind::SetBlock: {
            const auto &node = static_cast<const SetBlockStmt &>(stmt);
            assign(node.target, renderFiltered(node.body, node.filters, scope), *scope);
            break;
        }
        case Stmt::Kind::Macro: {
            const auto &node = static_cast<const MacroStmt &>(stmt);
            scope->set(node.name, makeMacro(node, scope));
            break;
        }
        case Stmt::Kind::CallBlock:
            append(out, toDisplayString(execCallBlock(static_cast<const CallBlockStmt &>(stmt), scope)));
            break;
        case Stmt::Kind::FilterBlock: {
            const auto &node = static_cast<const FilterBlockStmt &>(stmt);
            append(out, toDisplayString(renderFiltered(node.body, node.filters, scope)));
            break;
        }
        case Stmt::Kind::Scope: return execScope(static_cast<const ScopeStmt &>(stmt), scope, out);
        case Stmt::Kind::Break: return Flow::Break;
        case Stmt::Kind::Continue: return Flow::Continue;
        }
        return Flow::Normal;
    }

    Flow execIf(const IfStmt &node, const ScopePtr &scope, std::string &out)
    {
        for (const auto &[condition, body] : node.branches) {
            if (eval(*condition, scope).truthy())
                return execBody(body, scope, out);
        }
        return execBody(node.otherwise, scope, out);
    }

    Flow execScope(const ScopeStmt &node, const ScopePtr &scope, std::string &out)
    {
        auto inner = std::make_shared<Scope>(scope);
        std::vector<Value> values;
        for (const auto &[name, expr] : node.assignments)
            values.push_back(eval(*expr, scope));
        for (size_t i = 0; i < values.size(); ++i)
            inner->set(node.assignments[i].first, std::move(values[i]));
        return execBody(node.body, inner, out);
    }

    Value renderFiltered(const Body &body, const std::vector<FilterCall> &filters, const ScopePtr &scope)
    {
        std::string text;
        execBody(body, std::make_shared<Scope>(scope), text);
        Value value(std::move(text));
        for (const FilterCall &filter : filters)
            value = applyFilter(filter.name, value, evalArguments(filter.args, scope));
        return value;
    }

    static Value makeLoop(const ValueList &items, size_t i)
    {
        const auto &key = loopKeys();
        const int64_t n = int64_t(items.size());
        const int64_t index = int64_t(i);
        ValueDict loop;
        loop.append(key[0], Value(index + 1));
        loop.append(key[1], Value(index));
        loop.append(key[2], Value(n - index));
        loop.append(key[3], Value(n - index - 1));
        loop.append(key[4], Value(index == 0));
        loop.append(key[5], Value(index == n - 1));
        loop.append(key[6], Value(n));
        loop.append(key[7], Value(1));
        loop.append(key[8], Value(0));
        if (i > 0)
            loop.append(key[9], items[i - 1]);
        if (index + 1 < n)
            loop.append(key[10], items[i + 1]);
        loop.append(key[11], Value::callable("loop.cycle", [i](CallArgs &args) {
                        if (args.positional.empty())
                            throw RuntimeError("no items for cycling given");
                        return args.positional[i % args.positional.size()];
                    }));
        return Value::dict(std::move(loop));
    }

    Flow execFor(const ForStmt &node, const ScopePtr &scope, std::string &out)
    {
        const Value iterable = eval(*node.iterable, scope);
        if (iterable.isNone() || iterable.isNumber() || iterable.isCallable() || iterable.isNamespace())
            throw RuntimeError("'" + iterable.typeName() + "' object is not iterable");
        ValueList items = iterate(iterable);
        if (node.filter) {
            ValueList kept;
            for (Value &item : items) {
                auto probe = std::make_shared<Scope>(scope);
                assign(node.target, item, *probe);
                if (eval(*node.filter, probe).truthy())
                    kept.push_back(std::move(item));
            }
            items = std::move(kept);
        }
        if (items.empty())
            return execBody(node.otherwise, std::make_shared<Scope>(scope), out);
        for (size_t i = 0; i < items.size(); ++i) {
            if (++m_iterations > m_settings.maxLoopIterations)
                throw RuntimeError("more than " + std::to_string(m_settings.maxLoopIterations) + " loop iterations");
            m_budget.charge(1);
            auto iteration = std::make_shared<Scope>(scope);
            assign(node.target, items[i], *iteration);
            if (node.usesLoop) {
                m_budget.charge(kLoopObjectSteps);
                iteration->set("loop", makeLoop(items, i));
            }
            if (execBody(node.body, iteration, out) == Flow::Break)
                break;
        }
        return Flow::Normal;
    }

    static void assign(const Target &target, const Value &value, Scope &scope)
    {
        if (!target.attribute.empty()) {
            const Value *ns = scope.find(target.names[0]);
            if (!ns || !ns->isNamespace())
                throw RuntimeError("cannot assign attribute on non-namespace object '" + target.names[0] + "'");
            ns->asDict().set(Value(target.attribute), value);
            return;
        }
        if (!target.unpack) {
            scope.set(target.names[0], value);
            return;
        }
        const ValueList items = iterate(value);
        const size_t want = target.names.size();
        if (items.size() < want)
            throw RuntimeError("not enough values to unpack (expected " + std::to_string(want) + ", got " +
                               std::to_string(items.size()) + ")");
        if (items.size() > want)
            throw RuntimeError("too many values to unpack (expected " + std::to_string(want) + ")");
        for (size_t i = 0; i < want; ++i)
            scope.set(target.names[i], items[i]);
    }

    // Binds a call's arguments to parameters: by position, then keyword, then default (evaluated in
    // the new scope, so defaults may use earlier parameters); missing ones are undefined.
    void bindParameters(const Parameters &params, CallArgs &args, const ScopePtr &scope)
    {
        ValueDict extraKeywords;
        for (const auto &[k, v] : args.keyword) {
            const auto &key = k; // a named reference: clang 14 cannot capture a structured binding
            const bool known = std::any_of(params.begin(), params.end(), [&](const auto &p) { return p.first == key; });
            if (k == "caller")
                scope->set("caller", v);
            else if (!known)
                extraKeywords.set(Value(k), v);
        }
        for (size_t i = 0; i < params.size(); ++i) {
            const auto &[name, fallback] = params[i];
            if (const Value *v = args.find(i, name))
                scope->set(name, *v);
            else
                scope->set(name, fallback ? eval(*fallback, scope) : Value::undefined(name));
        }
        ValueList varargs;
        for (size_t i = params.size(); i < args.positional.size(); ++i)
            varargs.push_back(args.positional[i]);
        scope->set("varargs", Value::list(std::move(varargs), true));
        scope->set("kwargs", Value::dict(std::move(extraKeywords)));
    }

    Value invokeBody(const Parameters &params, const Body &body, const std::weak_ptr<Scope> &defining, CallArgs &args)
    {
        const ScopePtr parent = defining.lock();
        if (!parent)
            throw RuntimeError("macro called after the scope it was defined in ended");
        const DepthGuard call(m_callDepth, m_settings.maxCallDepth,
                              "macro recursion too deep (macro calls inside each other, at most ");
        m_budget.charge(kCallSteps);
        auto scope = std::make_shared<Scope>(parent);
        bindParameters(params, args, scope);
        std::string out;
        execBody(body, scope, out);
        return Value(std::move(out));
    }

    Value makeMacro(const MacroStmt &node, const ScopePtr &scope)
    {
        const std::weak_ptr<Scope> defining = scope;
        return Value::callable(node.name, [this, &node, defining](CallArgs &args) {
            return invokeBody(node.params, node.body, defining, args);
        });
    }

    Value execCallBlock(const CallBlockStmt &node, const ScopePtr &scope)
    {
        const std::weak_ptr<Scope> defining = scope;
        Value caller = Value::callable("caller", [this, &node, defining](CallArgs &args) {
            return invokeBody(node.callerParams, node.body, defining, args);
        });
        const auto &call = static_cast<const CallExpr &>(*node.call);
        return evalCall(call, scope, &caller);
    }

    CallArgs evalArguments(const Arguments &arguments, const ScopePtr &scope)
    {
        CallArgs args;
        for (const ExprPtr &e : arguments.positional)
            args.positional.push_back(eval(*e, scope));
        for (const auto &[name, e] : arguments.keyword)
            args.keyword.emplace_back(name, eval(*e, scope));
        return args;
    }

    Value evalCall(const CallExpr &call, const ScopePtr &scope, const Value *caller = nullptr)
    {
        const Value callee = eval(*call.callee, scope);
        CallArgs args = evalArguments(call.args, scope);
        if (caller)
            args.keyword.emplace_back("caller", *caller);
        if (!callee.isCallable()) {
            requireDefined(callee);
            throw RuntimeError("'" + callee.typeName() + "' object is not callable");
        }
        return callee.asCallable().function(args);
    }

    Value eval(const Expr &expr, const ScopePtr &scope)
    {
        try {
            const DepthGuard level = renderLevel();
            m_maxRenderDepth = std::max(m_maxRenderDepth, m_renderDepth);
            m_budget.charge(1);
            return evalInner(expr, scope);
        } catch (const TemplateError &) {
            throw;
        } catch (const RuntimeError &e) {
            rethrowAt(e, expr, describe(expr));
        } catch (const std::exception &e) {
            rethrowAt(asRuntimeError(e), expr, describe(expr));
        }
    }

    Value evalInner(const Expr &expr, const ScopePtr &scope)
    {
        switch (expr.kind) {
        case Expr::Kind::Literal: return static_cast<const LiteralExpr &>(expr).value;
        case Expr::Kind::Name: {
            const std::string &name = static_cast<const NameExpr &>(expr).name;
            size_t visited = 0;
            const Value *v = scope->find(name, &visited);
            m_budget.chargeItems(visited);
            return v ? *v : Value::undefined(name);
        }
        case Expr::Kind::List: {
            const auto &node = static_cast<const ListExpr &>(expr);
            ValueList items;
            for (const ExprPtr &e : node.items)
                items.push_back(eval(*e, scope));
            return Value::list(std::move(items), node.tuple);
        }
        case Expr::Kind::Dict: {
            ValueDict dict;
            for (const auto &[k, v] : static_cast<const DictExpr &>(expr).items)
                dict.set(eval(*k, scope), eval(*v, scope));
            return Value::dict(std::move(dict));
        }
        case Expr::Kind::Attr: {
            const auto &node = static_cast<const AttrExpr &>(expr);
            return getAttribute(eval(*node.object, scope), node.name);
        }
        case Expr::Kind::Item: {
            const auto &node = static_cast<const ItemExpr &>(expr);
            return getItem(eval(*node.object, scope), eval(*node.index, scope));
        }
        case Expr::Kind::Slice: return evalSlice(static_cast<const SliceExpr &>(expr), scope);
        case Expr::Kind::Call: return evalCall(static_cast<const CallExpr &>(expr), scope);
        case Expr::Kind::Filter: {
            const auto &node = static_cast<const FilterExpr &>(expr);
            const Value input = eval(*node.input, scope);
            return applyFilter(node.filter.name, input, evalArguments(node.filter.args, scope));
        }
        case Expr::Kind::Test: {
            const auto &node = static_cast<const TestExpr &>(expr);
            const Value input = eval(*node.input, scope);
            return Value(applyTest(node.name, input, evalArguments(node.args, scope)) != node.negated);
        }
        case Expr::Kind::Unary: {
            const auto &node = static_cast<const UnaryExpr &>(expr);
            return unaryOperation(node.op, eval(*node.operand, scope));
        }
        case Expr::Kind::Binary: return evalBinary(static_cast<const BinaryExpr &>(expr), scope);
        case Expr::Kind::Compare: return evalCompare(static_cast<const CompareExpr &>(expr), scope);
        case Expr::Kind::Cond: {
            const auto &node = static_cast<const CondExpr &>(expr);
            if (eval(*node.condition, scope).truthy())
                return eval(*node.then, scope);
            return node.otherwise ? eval(*node.otherwise, scope) : Value::undefined();
        }
        }
        return Value();
    }

    Value evalSlice(const SliceExpr &node, const ScopePtr &scope)
    {
        const Value object = eval(*node.object, scope);
        const auto part = [&](const ExprPtr &e) { return e ? eval(*e, scope) : Value::none(); };
        return sliceValue(object, part(node.start), part(node.stop), part(node.step));
    }

    Value evalBinary(const BinaryExpr &node, const ScopePtr &scope)
    {
        Value left = eval(*node.left, scope);
        if (node.op == BinaryOp::And)
            return left.truthy() ? eval(*node.right, scope) : left;
        if (node.op == BinaryOp::Or)
            return left.truthy() ? left : eval(*node.right, scope);
        return binaryOperation(node.op, left, eval(*node.right, scope));
    }

    Value evalCompare(const CompareExpr &node, const ScopePtr &scope)
    {
        Value left = eval(*node.first, scope);
        for (const auto &[op, e] : node.rest) {
            Value right = eval(*e, scope);
            if (!compareOperation(op, left, right))
                return Value(false);
            left = std::move(right);
        }
        return Value(true);
    }
};

} // namespace

std::string renderTemplate(const Template &tpl, const ValueDict &context, const RenderSettings &settings)
{
    try {
        Interpreter interpreter(settings);
        return interpreter.render(tpl, context);
    } catch (const TemplateError &) {
        throw;
    } catch (const RuntimeError &e) { // outside of any construct: the context itself
        throw TemplateError(e.what(), 0, 0, e.raised());
    } catch (const std::exception &e) {
        throw TemplateError(asRuntimeError(e).what(), 0, 0);
    }
}

} // namespace enclave::jinja
