// Values of the chat-template language: Python's None/bool/int/float/str/list/tuple/dict plus Jinja's
// undefined, namespace and callables. Strings, lists and dicts are immutable once built (the sandbox
// that Hugging Face renders with forbids mutation), so copies share them; a namespace is shared and
// mutable. Building a string or list checks its size and charges the render budget (jinja_limits.h).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace enclave::jinja {

class Value;
struct CallArgs;
class ValueDict;

using ValueList = std::vector<Value>;
using NativeFunction = std::function<Value(CallArgs &)>;

// A callable: a macro, a global function (range, namespace...) or a method bound to its receiver.
struct Callable {
    std::string name;
    NativeFunction function;
};

// An error of the template itself (type mismatch, undefined operand, raise_exception...). It carries
// no position: the interpreter adds the line and column of the construct being evaluated.
class RuntimeError : public std::runtime_error {
public:
    explicit RuntimeError(const std::string &message, bool raised = false)
        : std::runtime_error(message), m_raised(raised)
    {
    }
    bool raised() const { return m_raised; } // true when the template called raise_exception()

private:
    bool m_raised;
};

class Value {
public:
    enum class Kind { Undefined, None, Bool, Int, Float, String, List, Dict, Namespace, Callable };

    Value() = default; // undefined
    Value(bool b) : m_kind(Kind::Bool), m_data(b) {}
    Value(int i) : m_kind(Kind::Int), m_data(int64_t(i)) {}
    Value(int64_t i) : m_kind(Kind::Int), m_data(i) {}
    Value(double d) : m_kind(Kind::Float), m_data(d) {}
    Value(std::string s); // throws RuntimeError past kMaxStringBytes
    Value(std::string_view s) : Value(std::string(s)) {}
    Value(const char *s) : Value(std::string(s)) {}

    // `name` is what was looked up, for error messages ("'foo' is undefined").
    static Value undefined(std::string name = {});
    static Value none();
    // Both throw RuntimeError past kMaxListItems items or kMaxValueDepth levels of nesting.
    static Value list(ValueList items, bool tuple = false);
    static Value dict(ValueDict items);
    static Value makeNamespace(ValueDict items);
    static Value callable(std::string name, NativeFunction function);

    Kind kind() const { return m_kind; }
    bool isUndefined() const { return m_kind == Kind::Undefined; }
    bool isNone() const { return m_kind == Kind::None; }
    bool isBool() const { return m_kind == Kind::Bool; }
    bool isInt() const { return m_kind == Kind::Int; }
    bool isFloat() const { return m_kind == Kind::Float; }
    bool isNumber() const { return m_kind == Kind::Int || m_kind == Kind::Float || m_kind == Kind::Bool; }
    bool isString() const { return m_kind == Kind::String; }
    bool isList() const { return m_kind == Kind::List; }
    bool isTuple() const { return m_kind == Kind::List && m_tuple; }
    bool isDict() const { return m_kind == Kind::Dict; }
    bool isNamespace() const { return m_kind == Kind::Namespace; }
    bool isCallable() const { return m_kind == Kind::Callable; }

    // Accessors of the kind at hand; another kind throws RuntimeError, never undefined behaviour.
    bool asBool() const;
    int64_t asInt() const; // Int or Bool
    double asFloat() const; // any number
    const std::string &asString() const;
    const std::string &undefinedName() const;
    const ValueList &asList() const;
    ValueDict &asDict() const; // Dict or Namespace
    const Callable &asCallable() const;

    bool truthy() const; // Python's bool(); undefined is false
    std::string typeName() const; // Python's type name, for error messages
    // Levels of lists and dicts inside this value (0 for anything else; a namespace counts as 0
    // because its contents change, so walks over it are limited as they go).
    int depth() const { return m_depth; }

private:
    [[noreturn]] void wrongKind(const char *wanted) const;

    Kind m_kind = Kind::Undefined;
    bool m_tuple = false;
    uint16_t m_depth = 0;
    std::variant<std::monostate, bool, int64_t, double, std::shared_ptr<const std::string>,
                 std::shared_ptr<ValueList>, std::shared_ptr<ValueDict>, std::shared_ptr<Callable>>
        m_data;
};

// Insertion-ordered mapping with Python key equality (1 == 1.0 == True). Lookup is linear: the dicts of
// chat templates have a handful of keys.
class ValueDict {
public:
    const Value *find(const Value &key) const;
    const Value *find(std::string_view key) const;
    void set(const Value &key, Value value); // replaces in place, or appends
    void append(Value key, Value value); // `key` must not be present yet
    size_t size() const { return m_items.size(); }
    bool empty() const { return m_items.empty(); }
    const std::vector<std::pair<Value, Value>> &items() const { return m_items; }

private:
    std::vector<std::pair<Value, Value>> m_items;
};

// Arguments of a call, filter or test (without the filtered/tested value itself).
struct CallArgs {
    std::vector<Value> positional;
    std::vector<std::pair<std::string, Value>> keyword;

    // Argument `index` if given by position, else the keyword `name`; nullptr when absent.
    const Value *find(size_t index, std::string_view name) const;
    Value get(size_t index, std::string_view name, Value fallback = Value()) const;
    // Throws RuntimeError when more than `maxPositional` positional arguments or an unknown keyword came.
    void check(std::string_view what, size_t maxPositional, std::initializer_list<std::string_view> names) const;
};

// Python semantics of ==, < and the `in` operator; `less` throws RuntimeError for unorderable types.
bool valuesEqual(const Value &a, const Value &b);
bool valueLess(const Value &a, const Value &b);
bool valueContains(const Value &container, const Value &item);

// Python's str() (undefined renders as "") and repr().
std::string toDisplayString(const Value &value);
std::string toRepr(const Value &value);
std::string formatFloat(double value); // Python's repr(float): "1.0", "1e-05", "1e+16"

// Python's json.dumps(value, ensure_ascii=..., indent=..., separators=..., sort_keys=...): ", " and
// ": " between items without indent, "," and ": " with it. indent < 0 means none.
std::string toJson(const Value &value, int64_t indent = -1, std::string_view itemSeparator = {},
                   std::string_view keySeparator = {}, bool sortKeys = false, bool ensureAscii = false);

// The items a `for` loop visits: list elements, dict keys, string characters; undefined gives none.
ValueList iterate(const Value &value);

} // namespace enclave::jinja
