// Arithmetic, concatenation and comparison operators with Python's semantics (int/float promotion,
// floor division and modulo rounding toward -inf, str/list repetition, "%" formatting of strings).
// Integers are 64-bit: where Python would grow a big integer, the operation fails with an error.
#include "engine/text/jinja_builtins.h"
#include "engine/text/jinja_limits.h"
#include "engine/text/jinja_strings.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace enclave::jinja {

namespace {

[[noreturn]] void throwOperandTypes(std::string_view op, const Value &a, const Value &b)
{
    throw RuntimeError("unsupported operand type(s) for " + std::string(op) + ": '" + a.typeName() + "' and '" +
                       b.typeName() + "'");
}

bool bothIntegral(const Value &a, const Value &b)
{
    return !a.isFloat() && !b.isFloat();
}

[[noreturn]] void throwOverflow(std::string_view op)
{
    throw RuntimeError("integer overflow in '" + std::string(op) + "' (integers are limited to 64 bits)");
}

// "x" * n and [a] * n: the size is checked before anything is built.
Value repeat(const Value &sequence, int64_t times)
{
    const size_t unit = sequence.isString() ? sequence.asString().size() : sequence.asList().size();
    const size_t limit = sequence.isString() ? kMaxStringBytes : kMaxListItems;
    if (times > 0 && unit > 0 && uint64_t(times) > limit / unit)
        throw RuntimeError("repetition result too large (more than " + std::to_string(limit) +
                           (sequence.isString() ? " bytes)" : " items)"));
    if (sequence.isString()) {
        const size_t total = unit * size_t(std::max<int64_t>(times, 0));
        std::string out;
        out.reserve(total);
        out.append(sequence.asString(), 0, total);
        while (out.size() < total) // doubling: a few large copies rather than `times` small ones
            out.append(out, 0, std::min(out.size(), total - out.size()));
        return Value(std::move(out));
    }
    ValueList out;
    out.reserve(unit * size_t(std::max<int64_t>(times, 0)));
    for (int64_t i = 0; i < times; ++i)
        out.insert(out.end(), sequence.asList().begin(), sequence.asList().end());
    return Value::list(std::move(out), sequence.isTuple());
}

Value add(const Value &a, const Value &b)
{
    if (a.isNumber() && b.isNumber()) {
        int64_t sum = 0;
        if (!bothIntegral(a, b))
            return Value(a.asFloat() + b.asFloat());
        if (__builtin_add_overflow(a.asInt(), b.asInt(), &sum))
            throwOverflow("+");
        return Value(sum);
    }
    if (a.isString() && b.isString()) {
        checkStringSize(a.asString().size() + b.asString().size());
        return Value(a.asString() + b.asString());
    }
    if (a.isList() && b.isList() && a.isTuple() == b.isTuple()) {
        checkListSize(a.asList().size() + b.asList().size());
        ValueList out = a.asList();
        out.insert(out.end(), b.asList().begin(), b.asList().end());
        return Value::list(std::move(out), a.isTuple());
    }
    throwOperandTypes("+", a, b);
}

Value subtract(const Value &a, const Value &b)
{
    if (!a.isNumber() || !b.isNumber())
        throwOperandTypes("-", a, b);
    if (!bothIntegral(a, b))
        return Value(a.asFloat() - b.asFloat());
    int64_t difference = 0;
    if (__builtin_sub_overflow(a.asInt(), b.asInt(), &difference))
        throwOverflow("-");
    return Value(difference);
}

Value multiply(const Value &a, const Value &b)
{
    if (a.isNumber() && b.isNumber()) {
        int64_t product = 0;
        if (!bothIntegral(a, b))
            return Value(a.asFloat() * b.asFloat());
        if (__builtin_mul_overflow(a.asInt(), b.asInt(), &product))
            throwOverflow("*");
        return Value(product);
    }
    if ((a.isString() || a.isList()) && (b.isInt() || b.isBool()))
        return repeat(a, b.asInt());
    if ((b.isString() || b.isList()) && (a.isInt() || a.isBool()))
        return repeat(b, a.asInt());
    throwOperandTypes("*", a, b);
}

Value divide(BinaryOp op, const Value &a, const Value &b)
{
    const char *symbol = op == BinaryOp::Div ? "/" : op == BinaryOp::FloorDiv ? "//" : "%";
    if (!a.isNumber() || !b.isNumber())
        throwOperandTypes(symbol, a, b);
    if (b.asFloat() == 0.0)
        throw RuntimeError(op == BinaryOp::Div ? "division by zero" : "integer division or modulo by zero");
    if (op == BinaryOp::Div)
        return Value(a.asFloat() / b.asFloat());
    if (bothIntegral(a, b)) {
        const int64_t x = a.asInt();
        const int64_t y = b.asInt();
        if (x == INT64_MIN && y == -1) { // the one quotient that does not fit (and traps in hardware)
            if (op == BinaryOp::Mod)
                return Value(int64_t(0));
            throwOverflow("//");
        }
        int64_t q = x / y;
        int64_t r = x % y;
        if (r != 0 && ((r < 0) != (y < 0))) {
            --q; // cannot wrap: q > INT64_MIN whenever there is a remainder
            r += y; // |r| < |y| and the signs differ, so this cannot wrap either
        }
        return op == BinaryOp::FloorDiv ? Value(q) : Value(r);
    }
    const double x = a.asFloat();
    const double y = b.asFloat();
    double r = std::fmod(x, y);
    if (r != 0.0 && ((r < 0) != (y < 0)))
        r += y;
    if (op == BinaryOp::Mod)
        return Value(r);
    return Value(std::round((x - r) / y));
}

// Exponentiation by squaring: at most 64 squarings, overflow is an error. 0, 1 and -1 never overflow,
// whatever the exponent.
int64_t integerPower(int64_t base, int64_t exponent)
{
    if (base == 0 || base == 1)
        return exponent == 0 ? 1 : base;
    if (base == -1)
        return exponent % 2 == 0 ? 1 : -1;
    int64_t result = 1;
    while (true) {
        if ((exponent & 1) && __builtin_mul_overflow(result, base, &result))
            throwOverflow("**");
        exponent >>= 1;
        if (exponent == 0)
            return result;
        if (__builtin_mul_overflow(base, base, &base))
            throwOverflow("**");
    }
}

Value power(const Value &a, const Value &b)
{
    if (!a.isNumber() || !b.isNumber())
        throwOperandTypes("**", a, b);
    if (bothIntegral(a, b) && b.asInt() >= 0)
        return Value(integerPower(a.asInt(), b.asInt()));
    if (a.asFloat() == 0.0 && b.asFloat() < 0.0)
        throw RuntimeError("0.0 cannot be raised to a negative power");
    const double result = std::pow(a.asFloat(), b.asFloat());
    if (std::isinf(result) && std::isfinite(a.asFloat()) && std::isfinite(b.asFloat()))
        throw RuntimeError("numerical result out of range in '**'");
    return Value(result);
}

// One "%-08.3f"-style conversion: flags, width and precision as parsed, widths capped for sanity.
struct FormatSpec {
    std::string flags;
    int width = -1;
    int precision = -1;
};

std::string formatOne(char conversion, const FormatSpec &spec, const Value &value)
{
    if (conversion == 's' || conversion == 'r') {
        std::string text = conversion == 's' ? toDisplayString(value) : toRepr(value);
        if (spec.precision >= 0 && size_t(spec.precision) < codePointCount(text))
            text = encodeUtf8(decodeUtf8(text), 0, size_t(spec.precision));
        const bool left = spec.flags.find('-') != std::string::npos;
        return pad(text, spec.width, " ", left ? -1 : 1);
    }
    if (!value.isNumber())
        throw RuntimeError(std::string("%") + conversion + " format: a real number is required, not " +
                           value.typeName());
    std::string f = "%" + spec.flags;
    if (spec.width >= 0)
        f += std::to_string(spec.width);
    if (spec.precision >= 0)
        f += "." + std::to_string(spec.precision);
    std::string buf(size_t(kMaxFormatWidth) + 400, '\0');
    int n = 0;
    if (conversion == 'd' || conversion == 'i' || conversion == 'x' || conversion == 'X' || conversion == 'o') {
        f += std::string("ll") + (conversion == 'i' ? 'd' : conversion);
        n = std::snprintf(buf.data(), buf.size(), f.c_str(),
                          static_cast<long long>(value.isFloat() ? checkedToInteger(value.asFloat()) : value.asInt()));
    } else {
        n = std::snprintf(buf.data(), buf.size(), (f + conversion).c_str(), value.asFloat());
    }
    buf.resize(size_t(std::clamp(n, 0, int(buf.size()) - 1)));
    return buf;
}

// Parses flags, width and precision at `j`; leaves `j` on the conversion character.
FormatSpec parseFormatSpec(const std::string &format, size_t &j)
{
    FormatSpec spec;
    while (j < format.size() && std::string_view("-+ #0").find(format[j]) != std::string_view::npos)
        spec.flags += format[j++];
    const auto number = [&]() {
        int value = 0;
        while (j < format.size() && format[j] >= '0' && format[j] <= '9')
            value = std::min(kMaxFormatWidth, value * 10 + (format[j++] - '0'));
        return value;
    };
    if (j < format.size() && format[j] >= '0' && format[j] <= '9')
        spec.width = number();
    if (j < format.size() && format[j] == '.') {
        ++j;
        spec.precision = number();
    }
    return spec;
}

} // namespace

void requireDefined(const Value &value)
{
    if (value.isUndefined()) {
        const std::string &name = value.undefinedName();
        throw RuntimeError(name.empty() ? "value is undefined" : "'" + name + "' is undefined");
    }
}

Value binaryOperation(BinaryOp op, const Value &left, const Value &right)
{
    if (op == BinaryOp::Concat) {
        std::string text = toDisplayString(left);
        appendText(text, toDisplayString(right));
        return Value(std::move(text));
    }
    requireDefined(left);
    requireDefined(right);
    switch (op) {
    case BinaryOp::Add: return add(left, right);
    case BinaryOp::Sub: return subtract(left, right);
    case BinaryOp::Mul: return multiply(left, right);
    case BinaryOp::Mod:
        if (left.isString())
            return Value(percentFormat(left.asString(), right));
        return divide(op, left, right);
    case BinaryOp::Div:
    case BinaryOp::FloorDiv: return divide(op, left, right);
    case BinaryOp::Pow: return power(left, right);
    default: throw RuntimeError("invalid binary operator");
    }
}

Value unaryOperation(char op, const Value &operand)
{
    if (op == '!')
        return Value(!operand.truthy());
    requireDefined(operand);
    if (!operand.isNumber())
        throw RuntimeError(std::string("bad operand type for unary ") + op + ": '" + operand.typeName() + "'");
    if (op == '+')
        return operand.isBool() ? Value(operand.asInt()) : operand;
    if (operand.isFloat())
        return Value(-operand.asFloat());
    if (operand.asInt() == INT64_MIN)
        throwOverflow("-");
    return Value(-operand.asInt());
}

bool compareOperation(CompareOp op, const Value &left, const Value &right)
{
    switch (op) {
    case CompareOp::Eq: return valuesEqual(left, right);
    case CompareOp::Ne: return !valuesEqual(left, right);
    case CompareOp::In: return valueContains(right, left);
    case CompareOp::NotIn: return !valueContains(right, left);
    default: break;
    }
    requireDefined(left);
    requireDefined(right);
    switch (op) {
    case CompareOp::Lt: return valueLess(left, right);
    case CompareOp::Gt: return valueLess(right, left);
    case CompareOp::Le: return !valueLess(right, left);
    case CompareOp::Ge: return !valueLess(left, right);
    default: return false;
    }
}

std::string percentFormat(const std::string &format, const Value &args)
{
    const ValueList items = args.isTuple() ? args.asList() : ValueList{args};
    std::string out;
    size_t next = 0;
    for (size_t i = 0; i < format.size(); ++i) {
        if (format[i] != '%') {
            out += format[i];
            continue;
        }
        size_t j = i + 1;
        std::string key;
        if (j < format.size() && format[j] == '(') {
            const size_t close = format.find(')', j);
            if (close == std::string::npos)
                throw RuntimeError("incomplete format key");
            key = format.substr(j + 1, close - j - 1);
            j = close + 1;
        }
        const FormatSpec spec = parseFormatSpec(format, j);
        if (j >= format.size())
            throw RuntimeError("incomplete format");
        const char conversion = format[j];
        i = j;
        if (conversion == '%') {
            appendText(out, "%");
            continue;
        }
        if (std::string_view("sridxXofFeEgG").find(conversion) == std::string_view::npos)
            throw RuntimeError(std::string("unsupported format character '") + conversion + "'");
        if (!key.empty()) {
            const Value *v = args.isDict() ? args.asDict().find(std::string_view(key)) : nullptr;
            if (!v)
                throw RuntimeError("format requires a mapping with key '" + key + "'");
            appendText(out, formatOne(conversion, spec, *v));
            continue;
        }
        if (next >= items.size())
            throw RuntimeError("not enough arguments for format string");
        appendText(out, formatOne(conversion, spec, items[next++]));
    }
    if (next < items.size() && !args.isDict())
        throw RuntimeError("not all arguments converted during string formatting");
    return out;
}

} // namespace enclave::jinja
