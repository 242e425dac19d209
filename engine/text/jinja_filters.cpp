// Text and number filters (trim, upper, replace, default, int, round, tojson, indent...) and the
// filter dispatch. Text filters take str() of their input as Jinja does ("None"|upper is "NONE").
#include "engine/text/jinja_builtins.h"
#include "engine/text/jinja_filters.h"
#include "engine/text/jinja_limits.h"
#include "engine/text/jinja_strings.h"

#include <array>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace enclave::jinja {

namespace {

std::string text(const Value &v)
{
    return toDisplayString(v);
}

int64_t intArg(const CallArgs &args, size_t index, std::string_view name, int64_t fallback)
{
    const Value v = args.get(index, name);
    if (v.isUndefined() || v.isNone())
        return fallback;
    if (!v.isNumber())
        throw RuntimeError("argument '" + std::string(name) + "' must be a number, not " + v.typeName());
    return v.isFloat() ? checkedToInteger(v.asFloat()) : v.asInt();
}

Value filterTrim(const Value &input, const CallArgs &args)
{
    const Value chars = args.get(0, "chars");
    const std::optional<std::string_view> set =
        chars.isString() ? std::optional<std::string_view>(chars.asString()) : std::nullopt;
    return Value(strip(text(input), set, true, true));
}

Value filterUpper(const Value &input, const CallArgs &)
{
    return Value(upper(text(input)));
}

Value filterLower(const Value &input, const CallArgs &)
{
    return Value(lower(text(input)));
}

Value filterCapitalize(const Value &input, const CallArgs &)
{
    return Value(capitalize(text(input)));
}

// Jinja's title: words start after whitespace, '-', '(', '{', '[' or '<'; each is capitalized.
Value filterTitle(const Value &input, const CallArgs &)
{
    std::string out;
    bool wordStart = true;
    for (char32_t c : decodeUtf8(text(input))) {
        const bool separator = isPythonSpace(c) || c == '-' || c == '(' || c == '{' || c == '[' || c == '<';
        appendUtf8(out, separator ? c : wordStart ? toUpper(c) : toLower(c));
        wordStart = separator;
    }
    return Value(out);
}

Value filterReplace(const Value &input, const CallArgs &args)
{
    return Value(
        replace(text(input), text(args.get(0, "old")), text(args.get(1, "new")), intArg(args, 2, "count", -1)));
}

Value filterDefault(const Value &input, const CallArgs &args)
{
    const bool boolean = args.get(1, "boolean", Value(false)).truthy();
    if (input.isUndefined() || (boolean && !input.truthy()))
        return args.get(0, "default_value", Value(""));
    return input;
}

Value filterString(const Value &input, const CallArgs &)
{
    return input.isString() ? input : Value(text(input));
}

Value filterSafe(const Value &input, const CallArgs &)
{
    return filterString(input, {});
}

Value filterEscape(const Value &input, const CallArgs &)
{
    return Value(htmlEscape(text(input)));
}

bool parseInt(std::string s, int base, int64_t &out)
{
    s = strip(s, std::nullopt, true, true);
    std::erase(s, '_');
    if (s.empty())
        return false;
    char *end = nullptr;
    errno = 0;
    const long long v = std::strtoll(s.c_str(), &end, base);
    if (errno != 0 || *end != '\0')
        return false;
    out = v;
    return true;
}

bool parseFloat(std::string s, double &out)
{
    s = strip(s, std::nullopt, true, true);
    if (s.empty())
        return false;
    char *end = nullptr;
    out = std::strtod(s.c_str(), &end);
    return *end == '\0';
}

Value filterInt(const Value &input, const CallArgs &args)
{
    requireDefined(input);
    const Value fallback = args.get(0, "default", Value(0));
    if (input.isInt() || input.isBool())
        return Value(input.asInt());
    if (input.isFloat())
        return std::isfinite(input.asFloat()) ? Value(checkedToInteger(input.asFloat())) : fallback;
    if (!input.isString())
        return fallback;
    int64_t i = 0;
    if (parseInt(input.asString(), int(intArg(args, 1, "base", 10)), i))
        return Value(i);
    double d = 0.0;
    if (parseFloat(input.asString(), d) && std::isfinite(d))
        return Value(checkedToInteger(d));
    return fallback;
}

Value filterFloat(const Value &input, const CallArgs &args)
{
    requireDefined(input);
    const Value fallback = args.get(0, "default", Value(0.0));
    if (input.isNumber())
        return Value(input.asFloat());
    double d = 0.0;
    if (input.isString() && parseFloat(input.asString(), d))
        return Value(d);
    return fallback;
}

Value filterAbs(const Value &input, const CallArgs &)
{
    if (input.isFloat())
        return Value(std::fabs(input.asFloat()));
    if (input.isNumber()) {
        if (input.asInt() == INT64_MIN)
            throw RuntimeError("integer overflow in abs() (integers are limited to 64 bits)");
        return Value(std::abs(input.asInt()));
    }
    throw RuntimeError("bad operand type for abs(): '" + input.typeName() + "'");
}

// Python's round(x, n): correctly rounded, exact ties to even (what printf does too).
double roundHalfEven(double x, int64_t digits)
{
    constexpr int64_t kMaxDigits = 308; // beyond this 10^digits is not a finite double
    if (digits < -kMaxDigits)
        return std::copysign(0.0, x);
    if (digits < 0) {
        const double scale = std::pow(10.0, double(-digits));
        return std::nearbyint(x / scale) * scale;
    }
    char buf[512];
    std::snprintf(buf, sizeof buf, "%.*f", int(std::min<int64_t>(digits, 300)), x);
    return std::strtod(buf, nullptr);
}

Value filterRound(const Value &input, const CallArgs &args)
{
    if (!input.isNumber())
        throw RuntimeError("round: a number is required, not " + input.typeName());
    const int64_t precision = intArg(args, 0, "precision", 0);
    const std::string method = text(args.get(1, "method", Value("common")));
    if (method == "common") {
        if (!input.isFloat())
            return Value(input.asInt());
        return Value(roundHalfEven(input.asFloat(), precision));
    }
    if (method != "ceil" && method != "floor")
        throw RuntimeError("method must be common, ceil or floor");
    const double scale = std::pow(10.0, double(precision));
    const double scaled = input.asFloat() * scale;
    return Value((method == "ceil" ? std::ceil(scaled) : std::floor(scaled)) / scale);
}

Value filterTojson(const Value &input, const CallArgs &args)
{
    args.check("tojson", 1, {"indent", "ensure_ascii", "separators", "sort_keys"});
    const Value indent = args.get(0, "indent");
    const Value separators = args.get(size_t(-1), "separators");
    std::string itemSeparator;
    std::string keySeparator;
    if (separators.isList() && separators.asList().size() == 2) {
        itemSeparator = text(separators.asList()[0]);
        keySeparator = text(separators.asList()[1]);
    }
    const int64_t indentWidth = indent.isNumber() ? intArg(args, 0, "indent", -1) : -1;
    return Value(toJson(input, indentWidth, itemSeparator, keySeparator,
                        args.get(size_t(-1), "sort_keys", Value(false)).truthy(),
                        args.get(size_t(-1), "ensure_ascii", Value(false)).truthy()));
}

Value filterIndent(const Value &input, const CallArgs &args)
{
    const Value width = args.get(0, "width", Value(4));
    std::string indention;
    if (width.isString())
        indention = width.asString();
    else
        appendText(indention, checkedWidth(intArg(args, 0, "width", 4)), ' ');
    const bool first = args.get(1, "first", Value(false)).truthy();
    const bool blank = args.get(2, "blank", Value(false)).truthy();
    std::vector<std::string> lines = splitLines(text(input) + "\n", false);
    std::string out;
    if (first)
        appendText(out, indention);
    for (size_t i = 0; i < lines.size(); ++i) {
        if (i > 0) {
            appendText(out, "\n");
            appendText(out, (blank || !lines[i].empty()) ? indention : std::string());
        }
        appendText(out, lines[i]);
    }
    return Value(std::move(out));
}

Value filterCenter(const Value &input, const CallArgs &args)
{
    return Value(pad(text(input), intArg(args, 0, "width", 80), " ", 0));
}

Value filterWordcount(const Value &input, const CallArgs &)
{
    int64_t words = 0;
    bool inWord = false;
    for (char32_t c : decodeUtf8(text(input))) {
        const bool wordChar = (c >= '0' && c <= '9') || c == '_' || isCased(c) || c > 0x2E80;
        words += wordChar && !inWord ? 1 : 0;
        inWord = wordChar;
    }
    return Value(words);
}

Value filterTruncate(const Value &input, const CallArgs &args)
{
    const std::string s = text(input);
    const int64_t length = intArg(args, 0, "length", 255);
    const bool killWords = args.get(1, "killwords", Value(false)).truthy();
    const std::string end = text(args.get(2, "end", Value("...")));
    const int64_t leeway = intArg(args, 3, "leeway", 5);
    const std::vector<char32_t> cps = decodeUtf8(s);
    int64_t allowed = 0;
    if (__builtin_add_overflow(length, leeway, &allowed))
        allowed = length > 0 ? INT64_MAX : INT64_MIN;
    if (int64_t(cps.size()) <= allowed)
        return Value(s);
    const int64_t endLength = int64_t(codePointCount(end));
    const int64_t keep = length > endLength ? length - endLength : 0;
    std::string head = encodeUtf8(cps, 0, size_t(keep));
    if (!killWords)
        head = rsplit(head, " ", 1).front();
    return Value(head + end);
}

Value filterFormat(const Value &input, const CallArgs &args)
{
    if (!args.keyword.empty()) {
        ValueDict named;
        for (const auto &[k, v] : args.keyword)
            named.set(Value(k), v);
        return Value(percentFormat(text(input), Value::dict(std::move(named))));
    }
    return Value(percentFormat(text(input), Value::list(args.positional, true)));
}

Value filterAttr(const Value &input, const CallArgs &args)
{
    return getAttribute(input, text(args.get(0, "name")), false);
}

constexpr std::array kScalarFilters = {
    FilterEntry{"trim", filterTrim},           FilterEntry{"upper", filterUpper},
    FilterEntry{"lower", filterLower},         FilterEntry{"capitalize", filterCapitalize},
    FilterEntry{"title", filterTitle},         FilterEntry{"replace", filterReplace},
    FilterEntry{"default", filterDefault},     FilterEntry{"d", filterDefault},
    FilterEntry{"string", filterString},       FilterEntry{"safe", filterSafe},
    FilterEntry{"escape", filterEscape},       FilterEntry{"e", filterEscape},
    FilterEntry{"forceescape", filterEscape},  FilterEntry{"int", filterInt},
    FilterEntry{"float", filterFloat},         FilterEntry{"abs", filterAbs},
    FilterEntry{"round", filterRound},         FilterEntry{"tojson", filterTojson},
    FilterEntry{"indent", filterIndent},       FilterEntry{"center", filterCenter},
    FilterEntry{"wordcount", filterWordcount}, FilterEntry{"truncate", filterTruncate},
    FilterEntry{"format", filterFormat},       FilterEntry{"attr", filterAttr},
};

FilterFunction findFilter(std::string_view name)
{
    for (const auto &table : {scalarFilters(), sequenceFilters()}) {
        for (const FilterEntry &entry : table) {
            if (entry.name == name)
                return entry.function;
        }
    }
    return nullptr;
}

} // namespace

std::span<const FilterEntry> scalarFilters()
{
    return kScalarFilters;
}

Value lookupPath(const Value &object, const std::string &path)
{
    Value current = object;
    for (const std::string &part : split(path, ".", -1)) {
        int64_t index = 0;
        const bool numeric =
            !part.empty() && part.find_first_not_of("0123456789") == std::string::npos && parseInt(part, 10, index);
        current = getItem(current, numeric ? Value(index) : Value(part));
    }
    return current;
}

bool hasFilter(std::string_view name)
{
    return findFilter(name) != nullptr;
}

Value applyFilter(std::string_view name, const Value &input, const CallArgs &args)
{
    const FilterFunction function = findFilter(name);
    if (!function)
        throw RuntimeError("no filter named '" + std::string(name) + "'");
    return function(input, args);
}

} // namespace enclave::jinja
