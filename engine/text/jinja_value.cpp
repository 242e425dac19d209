// Value construction, Python truthiness, equality and ordering for the chat-template language.
#include "engine/text/jinja_value.h"

#include "engine/text/jinja_limits.h"
#include "engine/text/jinja_strings.h"

#include <algorithm>
#include <cmath>

namespace enclave::jinja {

namespace {

// Levels of nesting of a new list or dict holding `items`; throws past kMaxValueDepth.
uint16_t nestedDepth(const ValueList &items)
{
    int deepest = 0;
    for (const Value &item : items)
        deepest = std::max(deepest, item.depth());
    if (deepest >= kMaxValueDepth)
        throw RuntimeError("value nested too deeply (more than " + std::to_string(kMaxValueDepth) + " levels)");
    return uint16_t(deepest + 1);
}

} // namespace

Value::Value(std::string s) : m_kind(Kind::String)
{
    checkStringSize(s.size());
    chargeBytes(s.size() + kStringOverheadBytes);
    m_data = std::make_shared<const std::string>(std::move(s));
}

Value Value::undefined(std::string name)
{
    Value v;
    v.m_data = std::make_shared<const std::string>(std::move(name));
    return v;
}

Value Value::none()
{
    Value v;
    v.m_kind = Kind::None;
    return v;
}

Value Value::list(ValueList items, bool tuple)
{
    checkListSize(items.size());
    chargeItems(items.size());
    Value v;
    v.m_kind = Kind::List;
    v.m_tuple = tuple;
    v.m_depth = nestedDepth(items);
    v.m_data = std::make_shared<ValueList>(std::move(items));
    return v;
}

Value Value::dict(ValueDict items)
{
    checkListSize(items.size());
    chargeItems(items.size());
    int deepest = 0;
    for (const auto &[k, item] : items.items())
        deepest = std::max({deepest, k.depth(), item.depth()});
    if (deepest >= kMaxValueDepth)
        throw RuntimeError("value nested too deeply (more than " + std::to_string(kMaxValueDepth) + " levels)");
    Value v;
    v.m_kind = Kind::Dict;
    v.m_depth = uint16_t(deepest + 1);
    v.m_data = std::make_shared<ValueDict>(std::move(items));
    return v;
}

Value Value::makeNamespace(ValueDict items)
{
    Value v = dict(std::move(items));
    v.m_kind = Kind::Namespace;
    v.m_depth = 0;
    return v;
}

Value Value::callable(std::string name, NativeFunction function)
{
    Value v;
    v.m_kind = Kind::Callable;
    v.m_data = std::make_shared<Callable>(Callable{std::move(name), std::move(function)});
    return v;
}

void Value::wrongKind(const char *wanted) const
{
    throw RuntimeError(std::string("expected ") + wanted + ", got '" + typeName() + "'");
}

bool Value::asBool() const
{
    if (m_kind != Kind::Bool)
        wrongKind("a bool");
    return std::get<bool>(m_data);
}

int64_t Value::asInt() const
{
    if (m_kind == Kind::Bool)
        return int64_t(std::get<bool>(m_data));
    if (m_kind != Kind::Int)
        wrongKind("an integer");
    return std::get<int64_t>(m_data);
}

double Value::asFloat() const
{
    if (m_kind == Kind::Float)
        return std::get<double>(m_data);
    if (m_kind != Kind::Int && m_kind != Kind::Bool)
        wrongKind("a number");
    return double(asInt());
}

const std::string &Value::asString() const
{
    if (m_kind != Kind::String)
        wrongKind("a string");
    return *std::get<std::shared_ptr<const std::string>>(m_data);
}

const std::string &Value::undefinedName() const
{
    static const std::string kNoName;
    const auto *name = std::get_if<std::shared_ptr<const std::string>>(&m_data);
    return m_kind == Kind::Undefined && name ? **name : kNoName;
}

const ValueList &Value::asList() const
{
    if (m_kind != Kind::List)
        wrongKind("a list");
    return *std::get<std::shared_ptr<ValueList>>(m_data);
}

ValueDict &Value::asDict() const
{
    if (m_kind != Kind::Dict && m_kind != Kind::Namespace)
        wrongKind("a dict");
    return *std::get<std::shared_ptr<ValueDict>>(m_data);
}

const Callable &Value::asCallable() const
{
    if (m_kind != Kind::Callable)
        wrongKind("a function");
    return *std::get<std::shared_ptr<Callable>>(m_data);
}

bool Value::truthy() const
{
    switch (m_kind) {
    case Kind::Undefined:
    case Kind::None: return false;
    case Kind::Bool: return asBool();
    case Kind::Int: return asInt() != 0;
    case Kind::Float: return asFloat() != 0.0;
    case Kind::String: return !asString().empty();
    case Kind::List: return !asList().empty();
    case Kind::Dict: return !asDict().empty();
    case Kind::Namespace:
    case Kind::Callable: return true;
    }
    return false;
}

std::string Value::typeName() const
{
    switch (m_kind) {
    case Kind::Undefined: return "Undefined";
    case Kind::None: return "NoneType";
    case Kind::Bool: return "bool";
    case Kind::Int: return "int";
    case Kind::Float: return "float";
    case Kind::String: return "str";
    case Kind::List: return m_tuple ? "tuple" : "list";
    case Kind::Dict: return "dict";
    case Kind::Namespace: return "Namespace";
    case Kind::Callable: return "function";
    }
    return "object";
}

const Value *ValueDict::find(const Value &key) const
{
    chargeItems(m_items.size());
    for (const auto &[k, v] : m_items) {
        if (valuesEqual(k, key))
            return &v;
    }
    return nullptr;
}

const Value *ValueDict::find(std::string_view key) const
{
    chargeItems(m_items.size());
    for (const auto &[k, v] : m_items) {
        if (k.isString() && k.asString() == key)
            return &v;
    }
    return nullptr;
}

void ValueDict::set(const Value &key, Value value)
{
    chargeItems(m_items.size());
    for (auto &[k, v] : m_items) {
        if (valuesEqual(k, key)) {
            v = std::move(value);
            return;
        }
    }
    append(key, std::move(value));
}

void ValueDict::append(Value key, Value value)
{
    checkListSize(m_items.size() + 1);
    m_items.emplace_back(std::move(key), std::move(value));
}

const Value *CallArgs::find(size_t index, std::string_view name) const
{
    if (index < positional.size())
        return &positional[index];
    for (const auto &[k, v] : keyword) {
        if (k == name)
            return &v;
    }
    return nullptr;
}

Value CallArgs::get(size_t index, std::string_view name, Value fallback) const
{
    const Value *v = find(index, name);
    return v ? *v : std::move(fallback);
}

void CallArgs::check(std::string_view what, size_t maxPositional, std::initializer_list<std::string_view> names) const
{
    if (positional.size() > maxPositional) {
        throw RuntimeError(std::string(what) + " takes at most " + std::to_string(maxPositional) +
                           " positional argument(s), " + std::to_string(positional.size()) + " given");
    }
    for (const auto &[k, v] : keyword) {
        if (std::find(names.begin(), names.end(), k) == names.end())
            throw RuntimeError(std::string(what) + " got an unexpected keyword argument '" + k + "'");
    }
}

namespace {

bool isNumeric(const Value &v)
{
    return v.isNumber();
}

bool listsEqual(const ValueList &a, const ValueList &b)
{
    if (&a == &b)
        return true;
    if (a.size() != b.size())
        return false;
    const ValueDepthGuard guard;
    chargeSteps(1);
    chargeItems(a.size());
    for (size_t i = 0; i < a.size(); ++i) {
        if (!valuesEqual(a[i], b[i]))
            return false;
    }
    return true;
}

bool dictsEqual(const ValueDict &a, const ValueDict &b)
{
    if (&a == &b)
        return true;
    if (a.size() != b.size())
        return false;
    const ValueDepthGuard guard;
    chargeSteps(1);
    for (const auto &[k, v] : a.items()) {
        const Value *other = b.find(k);
        if (!other || !valuesEqual(v, *other))
            return false;
    }
    return true;
}

[[noreturn]] void throwUnorderable(const Value &a, const Value &b)
{
    throw RuntimeError("'<' not supported between instances of '" + a.typeName() + "' and '" + b.typeName() + "'");
}

} // namespace

bool valuesEqual(const Value &a, const Value &b)
{
    chargeItems(1);
    if (isNumeric(a) && isNumeric(b)) {
        if (a.isFloat() || b.isFloat())
            return a.asFloat() == b.asFloat();
        return a.asInt() == b.asInt();
    }
    if (a.kind() != b.kind())
        return false;
    switch (a.kind()) {
    case Value::Kind::Undefined:
    case Value::Kind::None: return true;
    case Value::Kind::String:
        if (&a.asString() == &b.asString())
            return true;
        chargeBytes(std::min(a.asString().size(), b.asString().size()));
        return a.asString() == b.asString();
    case Value::Kind::List: return a.isTuple() == b.isTuple() && listsEqual(a.asList(), b.asList());
    case Value::Kind::Dict: return dictsEqual(a.asDict(), b.asDict());
    case Value::Kind::Namespace: return &a.asDict() == &b.asDict();
    case Value::Kind::Callable: return &a.asCallable() == &b.asCallable();
    default: return false;
    }
}

bool valueLess(const Value &a, const Value &b)
{
    chargeItems(1);
    if (isNumeric(a) && isNumeric(b)) {
        if (a.isFloat() || b.isFloat())
            return a.asFloat() < b.asFloat();
        return a.asInt() < b.asInt();
    }
    if (a.isString() && b.isString()) {
        chargeBytes(std::min(a.asString().size(), b.asString().size()));
        return a.asString() < b.asString(); // UTF-8 byte order is code point order
    }
    if (a.isList() && b.isList() && a.isTuple() == b.isTuple()) {
        const ValueList &x = a.asList();
        const ValueList &y = b.asList();
        const ValueDepthGuard guard;
        chargeSteps(1);
        chargeItems(std::min(x.size(), y.size()));
        for (size_t i = 0; i < x.size() && i < y.size(); ++i) {
            if (!valuesEqual(x[i], y[i]))
                return valueLess(x[i], y[i]);
        }
        return x.size() < y.size();
    }
    throwUnorderable(a, b);
}

bool valueContains(const Value &container, const Value &item)
{
    switch (container.kind()) {
    case Value::Kind::String:
        if (!item.isString())
            throw RuntimeError("'in <string>' requires string as left operand, not " + item.typeName());
        return findText(container.asString(), item.asString()) != std::string::npos;
    case Value::Kind::List:
        chargeItems(container.asList().size());
        return std::any_of(container.asList().begin(), container.asList().end(),
                           [&](const Value &v) { return valuesEqual(v, item); });
    case Value::Kind::Dict: return container.asDict().find(item) != nullptr;
    case Value::Kind::Undefined: return false;
    default: throw RuntimeError("argument of type '" + container.typeName() + "' is not iterable");
    }
}

ValueList iterate(const Value &value)
{
    switch (value.kind()) {
    case Value::Kind::List: chargeItems(value.asList().size()); return value.asList();
    case Value::Kind::Dict: {
        chargeItems(value.asDict().size());
        ValueList keys;
        for (const auto &[k, v] : value.asDict().items())
            keys.push_back(k);
        return keys;
    }
    case Value::Kind::String: {
        checkListSize(codePointCount(value.asString()));
        ValueList chars;
        for (std::string &c : splitCodePoints(value.asString()))
            chars.emplace_back(std::move(c));
        return chars;
    }
    case Value::Kind::Undefined: return {};
    default: throw RuntimeError("'" + value.typeName() + "' object is not iterable");
    }
}

} // namespace enclave::jinja
