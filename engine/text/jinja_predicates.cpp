// Jinja tests (`x is defined`, `n is divisibleby 3`, `s is string`...). Type tests follow Python's
// isinstance, so true is a number but not an integer, and undefined counts as iterable.
#include "engine/text/jinja_builtins.h"
#include "engine/text/jinja_strings.h"

#include <array>
#include <cmath>

namespace enclave::jinja {

namespace {

using TestFunction = bool (*)(const Value &input, const CallArgs &args);

struct TestEntry {
    std::string_view name;
    TestFunction function;
};

Value argument(const CallArgs &args)
{
    if (args.positional.empty() && args.keyword.empty())
        throw RuntimeError("test requires an argument");
    return args.positional.empty() ? args.keyword.front().second : args.positional.front();
}

bool isIntegral(const Value &v)
{
    return v.isInt() || v.isBool() || (v.isFloat() && std::floor(v.asFloat()) == v.asFloat());
}

bool remainderIsZero(const Value &v, int64_t divisor)
{
    if (!v.isNumber())
        throw RuntimeError("unsupported operand type(s) for %: '" + v.typeName() + "' and 'int'");
    if (v.isFloat())
        return std::fmod(v.asFloat(), double(divisor)) == 0.0;
    if (divisor == -1) // INT64_MIN % -1 traps in hardware
        return true;
    return v.asInt() % divisor == 0;
}

bool caseTest(const Value &v, bool wantUpper)
{
    bool anyCased = false;
    for (char32_t c : decodeUtf8(toDisplayString(v))) {
        if (!isCased(c))
            continue;
        anyCased = true;
        if ((wantUpper && toUpper(c) != c) || (!wantUpper && toLower(c) != c))
            return false;
    }
    return anyCased;
}

// Strings, lists, dicts and (as in Jinja, whose Undefined iterates as empty) undefined.
bool isIterable(const Value &v, const CallArgs &)
{
    return v.isString() || v.isList() || v.isDict() || v.isUndefined();
}

template <CompareOp op> bool compareTest(const Value &v, const CallArgs &args)
{
    return compareOperation(op, v, argument(args));
}

constexpr std::array kTests = {
    TestEntry{"defined", [](const Value &v, const CallArgs &) { return !v.isUndefined(); }},
    TestEntry{"undefined", [](const Value &v, const CallArgs &) { return v.isUndefined(); }},
    TestEntry{"none", [](const Value &v, const CallArgs &) { return v.isNone(); }},
    TestEntry{"boolean", [](const Value &v, const CallArgs &) { return v.isBool(); }},
    TestEntry{"true", [](const Value &v, const CallArgs &) { return v.isBool() && v.asBool(); }},
    TestEntry{"false", [](const Value &v, const CallArgs &) { return v.isBool() && !v.asBool(); }},
    TestEntry{"integer", [](const Value &v, const CallArgs &) { return v.isInt(); }},
    TestEntry{"float", [](const Value &v, const CallArgs &) { return v.isFloat(); }},
    TestEntry{"number", [](const Value &v, const CallArgs &) { return v.isNumber(); }},
    TestEntry{"string", [](const Value &v, const CallArgs &) { return v.isString(); }},
    TestEntry{"mapping", [](const Value &v, const CallArgs &) { return v.isDict(); }},
    TestEntry{"iterable", isIterable},
    TestEntry{"sequence", isIterable},
    TestEntry{"callable", [](const Value &v, const CallArgs &) { return v.isCallable(); }},
    TestEntry{"even", [](const Value &v, const CallArgs &) { return isIntegral(v) && remainderIsZero(v, 2); }},
    TestEntry{"odd", [](const Value &v, const CallArgs &) { return isIntegral(v) && !remainderIsZero(v, 2); }},
    TestEntry{"divisibleby",
              [](const Value &v, const CallArgs &a) {
                  const Value n = argument(a);
                  if (!n.isNumber() || n.asFloat() == 0.0)
                      throw RuntimeError("divisibleby requires a non-zero number");
                  return n.isFloat() ? std::fmod(v.asFloat(), n.asFloat()) == 0.0 : remainderIsZero(v, n.asInt());
              }},
    TestEntry{"eq", [](const Value &v, const CallArgs &a) { return valuesEqual(v, argument(a)); }},
    TestEntry{"equalto", [](const Value &v, const CallArgs &a) { return valuesEqual(v, argument(a)); }},
    TestEntry{"==", [](const Value &v, const CallArgs &a) { return valuesEqual(v, argument(a)); }},
    TestEntry{"ne", [](const Value &v, const CallArgs &a) { return !valuesEqual(v, argument(a)); }},
    TestEntry{"!=", [](const Value &v, const CallArgs &a) { return !valuesEqual(v, argument(a)); }},
    TestEntry{"lt", compareTest<CompareOp::Lt>},
    TestEntry{"lessthan", compareTest<CompareOp::Lt>},
    TestEntry{"<", compareTest<CompareOp::Lt>},
    TestEntry{"le", compareTest<CompareOp::Le>},
    TestEntry{"<=", compareTest<CompareOp::Le>},
    TestEntry{"gt", compareTest<CompareOp::Gt>},
    TestEntry{"greaterthan", compareTest<CompareOp::Gt>},
    TestEntry{">", compareTest<CompareOp::Gt>},
    TestEntry{"ge", compareTest<CompareOp::Ge>},
    TestEntry{">=", compareTest<CompareOp::Ge>},
    TestEntry{"in", [](const Value &v, const CallArgs &a) { return valueContains(argument(a), v); }},
    TestEntry{"sameas",
              [](const Value &v, const CallArgs &a) {
                  const Value other = argument(a);
                  return v.kind() == other.kind() && valuesEqual(v, other) && !v.isList() && !v.isDict();
              }},
    TestEntry{"lower", [](const Value &v, const CallArgs &) { return v.isString() && caseTest(v, false); }},
    TestEntry{"upper", [](const Value &v, const CallArgs &) { return v.isString() && caseTest(v, true); }},
    TestEntry{"escaped", [](const Value &, const CallArgs &) { return false; }},
    TestEntry{"filter", [](const Value &v, const CallArgs &) { return v.isString() && hasFilter(v.asString()); }},
    TestEntry{"test", [](const Value &v, const CallArgs &) { return v.isString() && hasTest(v.asString()); }},
};

TestFunction findTest(std::string_view name)
{
    for (const TestEntry &entry : kTests) {
        if (entry.name == name)
            return entry.function;
    }
    return nullptr;
}

} // namespace

bool hasTest(std::string_view name)
{
    return findTest(name) != nullptr;
}

bool applyTest(std::string_view name, const Value &input, const CallArgs &args)
{
    const TestFunction function = findTest(name);
    if (!function)
        throw RuntimeError("no test named '" + std::string(name) + "'");
    return function(input, args);
}

} // namespace enclave::jinja
