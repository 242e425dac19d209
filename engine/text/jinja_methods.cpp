// Attribute and item access, slicing, and the Python methods of str, dict and list that chat templates
// call (content.strip(), message.get('x'), tools.items()...). Mutating methods are refused like the
// immutable sandbox Hugging Face renders in.
#include "engine/text/jinja_builtins.h"
#include "engine/text/jinja_limits.h"
#include "engine/text/jinja_strings.h"

#include <algorithm>
#include <array>

namespace enclave::jinja {

namespace {

constexpr std::array kDictMethods = {"items",   "keys",       "values", "get",   "copy",    "pop",
                                     "popitem", "setdefault", "update", "clear", "fromkeys"};
constexpr std::array kUnsafeMethods = {"pop",    "popitem", "setdefault", "update",  "clear", "append",
                                       "extend", "insert",  "remove",     "reverse", "sort"};
constexpr std::array kListMethods = {"index",  "count",   "copy", "append", "extend", "insert",
                                     "remove", "reverse", "sort", "pop",    "clear"};
constexpr std::array kStringMethods = {
    "strip",     "lstrip",     "rstrip",   "split",      "rsplit",   "splitlines",   "startswith",   "endswith",
    "upper",     "lower",      "title",    "capitalize", "replace",  "find",         "rfind",        "index",
    "count",     "join",       "format",   "isdigit",    "isalpha",  "isalnum",      "isspace",      "isupper",
    "islower",   "center",     "ljust",    "rjust",      "zfill",    "removeprefix", "removesuffix", "casefold",
    "partition", "rpartition", "swapcase", "isnumeric",  "isdecimal"};

template <size_t N> bool contains(const std::array<const char *, N> &names, std::string_view name)
{
    return std::any_of(names.begin(), names.end(), [&](const char *n) { return name == n; });
}

// The argument's text without a copy; it lives as long as `args`.
std::optional<std::string_view> optionalString(const CallArgs &args, size_t index, std::string_view name)
{
    const Value *v = args.find(index, name);
    if (!v || v->isNone() || v->isUndefined())
        return std::nullopt;
    if (!v->isString())
        throw RuntimeError("expected a string argument '" + std::string(name) + "', got " + v->typeName());
    return std::string_view(v->asString());
}

std::string_view requiredString(const CallArgs &args, size_t index, std::string_view name)
{
    const std::optional<std::string_view> s = optionalString(args, index, name);
    if (!s)
        throw RuntimeError("missing string argument '" + std::string(name) + "'");
    return *s;
}

int64_t optionalInt(const CallArgs &args, size_t index, std::string_view name, int64_t fallback)
{
    const Value *v = args.find(index, name);
    if (!v || v->isNone())
        return fallback;
    if (!v->isInt() && !v->isBool())
        throw RuntimeError("expected an integer argument '" + std::string(name) + "', got " + v->typeName());
    return v->asInt();
}

Value stringList(std::vector<std::string> parts)
{
    ValueList out;
    for (std::string &p : parts)
        out.emplace_back(std::move(p));
    return Value::list(std::move(out));
}

bool affixMatch(const std::string &s, const Value &affix, bool prefix)
{
    const auto one = [&](const Value &a) {
        if (!a.isString())
            throw RuntimeError(std::string(prefix ? "startswith" : "endswith") +
                               " first arg must be str or a tuple of str");
        const std::string &t = a.asString();
        chargeBytes(t.size());
        return t.size() <= s.size() &&
            (prefix ? s.compare(0, t.size(), t) == 0 : s.compare(s.size() - t.size(), t.size(), t) == 0);
    };
    if (affix.isList()) {
        chargeItems(affix.asList().size());
        return std::any_of(affix.asList().begin(), affix.asList().end(), one);
    }
    return one(affix);
}

template <typename Predicate> Value allCodePoints(const std::string &s, Predicate pred)
{
    const std::vector<char32_t> cps = decodeUtf8(s);
    return Value(!cps.empty() && std::all_of(cps.begin(), cps.end(), pred));
}

// A "{0}" field's digits; false for a name, or for a number too large to be an argument's index.
bool parseIndex(std::string_view field, size_t &index)
{
    index = 0;
    for (char d : field) {
        if (d < '0' || d > '9' || __builtin_mul_overflow(index, size_t(10), &index) ||
            __builtin_add_overflow(index, size_t(d - '0'), &index))
            return false;
    }
    return !field.empty();
}

std::string formatMethod(const std::string &format, const CallArgs &args)
{
    std::string out;
    size_t autoIndex = 0;
    for (size_t i = 0; i < format.size(); ++i) {
        const char c = format[i];
        if ((c == '{' || c == '}') && i + 1 < format.size() && format[i + 1] == c) {
            out += c;
            ++i;
            continue;
        }
        if (c != '{') {
            out += c;
            continue;
        }
        const size_t close = format.find('}', i);
        if (close == std::string::npos)
            throw RuntimeError("single '{' encountered in format string");
        std::string field = format.substr(i + 1, close - i - 1);
        field = field.substr(0, field.find_first_of(":!"));
        const Value *v = nullptr;
        size_t index = 0;
        if (field.empty())
            v = args.find(autoIndex++, "\x01");
        else if (parseIndex(field, index))
            v = args.find(index, "\x01");
        else
            v = args.find(size_t(-1), field);
        if (!v)
            throw RuntimeError("format: no argument for field '{" + field + "}'");
        appendText(out, toDisplayString(*v));
        i = close;
    }
    return out;
}

Value partition(const std::string &s, std::string_view sep, bool fromRight)
{
    if (sep.empty())
        throw RuntimeError("empty separator");
    const size_t hit = fromRight ? rfindText(s, sep) : findText(s, sep);
    if (hit == std::string::npos) {
        return fromRight ? Value::list({Value(""), Value(""), Value(s)}, true)
                         : Value::list({Value(s), Value(""), Value("")}, true);
    }
    return Value::list({Value(s.substr(0, hit)), Value(sep), Value(s.substr(hit + sep.size()))}, true);
}

Value stringPredicate(const std::string &s, std::string_view name)
{
    if (name == "isdigit" || name == "isnumeric" || name == "isdecimal")
        return allCodePoints(s, [](char32_t c) { return c >= '0' && c <= '9'; });
    if (name == "isalpha")
        return allCodePoints(s, [](char32_t c) { return isCased(c) || c > 0x2E80; });
    if (name == "isalnum")
        return allCodePoints(s, [](char32_t c) { return (c >= '0' && c <= '9') || isCased(c) || c > 0x2E80; });
    if (name == "isspace")
        return allCodePoints(s, isPythonSpace);
    const bool wantUpper = name == "isupper";
    const std::vector<char32_t> cps = decodeUtf8(s);
    bool anyCased = false;
    for (char32_t c : cps) {
        if (!isCased(c))
            continue;
        anyCased = true;
        if ((wantUpper && toUpper(c) != c) || (!wantUpper && toLower(c) != c))
            return Value(false);
    }
    return Value(anyCased);
}

// Searching, joining, formatting and padding methods of str.
Value callStringQuery(const std::string &s, std::string_view name, const CallArgs &args)
{
    if (name == "find" || name == "rfind" || name == "index") {
        const std::string_view sub = requiredString(args, 0, "sub");
        const size_t hit = name == "rfind" ? rfindText(s, sub) : findText(s, sub);
        if (hit == std::string::npos && name == "index")
            throw RuntimeError("substring not found");
        return Value(hit == std::string::npos ? int64_t(-1)
                                              : int64_t(codePointCount(std::string_view(s).substr(0, hit))));
    }
    if (name == "count")
        return Value(countOccurrences(s, requiredString(args, 0, "sub")));
    if (name == "join") {
        std::string out;
        const ValueList items = iterate(args.get(0, "iterable"));
        for (size_t i = 0; i < items.size(); ++i) {
            if (!items[i].isString())
                throw RuntimeError("sequence item " + std::to_string(i) + ": expected str instance, " +
                                   items[i].typeName() + " found");
            appendText(out, i ? s : "");
            appendText(out, items[i].asString());
        }
        return Value(std::move(out));
    }
    if (name == "format")
        return Value(formatMethod(s, args));
    if (name == "center" || name == "ljust" || name == "rjust") {
        const std::string_view fill = optionalString(args, 1, "fillchar").value_or(" ");
        return Value(pad(s, optionalInt(args, 0, "width", 0), fill, name == "center" ? 0 : name == "ljust" ? -1 : 1));
    }
    if (name == "zfill") {
        const int64_t width = optionalInt(args, 0, "width", 0);
        const bool sign = !s.empty() && (s[0] == '-' || s[0] == '+');
        const std::string digits = sign ? s.substr(1) : s;
        const int64_t length = int64_t(codePointCount(s));
        std::string out = sign ? s.substr(0, 1) : "";
        appendText(out, width > length ? checkedWidth(width - length) : 0, '0');
        appendText(out, digits);
        return Value(std::move(out));
    }
    if (name == "removeprefix" || name == "removesuffix") {
        const std::string affix(requiredString(args, 0, name == "removeprefix" ? "prefix" : "suffix"));
        if (!affixMatch(s, Value(affix), name == "removeprefix"))
            return Value(s);
        return Value(name == "removeprefix" ? s.substr(affix.size()) : s.substr(0, s.size() - affix.size()));
    }
    if (name == "partition" || name == "rpartition")
        return partition(s, requiredString(args, 0, "sep"), name == "rpartition");
    return stringPredicate(s, name);
}

// Stripping, splitting and case methods of str; the rest goes to callStringQuery.
Value callStringMethod(const std::string &s, std::string_view name, const CallArgs &args)
{
    if (name == "strip" || name == "lstrip" || name == "rstrip")
        return Value(strip(s, optionalString(args, 0, "chars"), name != "rstrip", name != "lstrip"));
    if (name == "split" || name == "rsplit") {
        const std::optional<std::string_view> sep = optionalString(args, 0, "sep");
        if (sep && sep->empty())
            throw RuntimeError("empty separator");
        const int64_t maxSplit = optionalInt(args, 1, "maxsplit", -1);
        return stringList(name == "split" ? split(s, sep, maxSplit) : rsplit(s, sep, maxSplit));
    }
    if (name == "splitlines")
        return stringList(splitLines(s, args.get(0, "keepends", Value(false)).truthy()));
    if (name == "startswith" || name == "endswith")
        return Value(affixMatch(s, args.get(0, name == "startswith" ? "prefix" : "suffix"), name == "startswith"));
    if (name == "upper")
        return Value(upper(s));
    if (name == "lower" || name == "casefold")
        return Value(lower(s));
    if (name == "title")
        return Value(pythonTitle(s));
    if (name == "capitalize")
        return Value(capitalize(s));
    if (name == "swapcase") {
        std::string out;
        for (char32_t c : decodeUtf8(s))
            appendUtf8(out, toUpper(c) != c ? toUpper(c) : toLower(c));
        return Value(out);
    }
    if (name == "replace")
        return Value(replace(s, requiredString(args, 0, "old"), requiredString(args, 1, "new"),
                             optionalInt(args, 2, "count", -1)));
    return callStringQuery(s, name, args);
}

Value callDictMethod(const Value &self, std::string_view name, const CallArgs &args)
{
    const ValueDict &dict = self.asDict();
    if (name == "items") {
        ValueList out;
        for (const auto &[k, v] : dict.items())
            out.push_back(Value::list({k, v}, true));
        return Value::list(std::move(out));
    }
    if (name == "keys" || name == "values") {
        ValueList out;
        for (const auto &[k, v] : dict.items())
            out.push_back(name == "keys" ? k : v);
        return Value::list(std::move(out));
    }
    if (name == "get") {
        const Value *v = dict.find(args.get(0, "key"));
        return v ? *v : args.get(1, "default", Value::none());
    }
    if (name == "copy")
        return Value::dict(dict);
    throw RuntimeError("dict has no method '" + std::string(name) + "'");
}

Value callListMethod(const Value &self, std::string_view name, const CallArgs &args)
{
    const ValueList &list = self.asList();
    const Value item = args.get(0, "value");
    chargeItems(list.size());
    if (name == "count")
        return Value(
            int64_t(std::count_if(list.begin(), list.end(), [&](const Value &v) { return valuesEqual(v, item); })));
    if (name == "index") {
        for (size_t i = 0; i < list.size(); ++i) {
            if (valuesEqual(list[i], item))
                return Value(int64_t(i));
        }
        throw RuntimeError(toRepr(item) + " is not in list");
    }
    if (name == "copy")
        return Value::list(list, self.isTuple());
    throw RuntimeError("list has no method '" + std::string(name) + "'");
}

bool hasMethod(const Value &object, std::string_view name)
{
    if (object.isDict())
        return contains(kDictMethods, name);
    if (object.isList())
        return contains(kListMethods, name) && !(object.isTuple() && name != "index" && name != "count");
    if (object.isString())
        return contains(kStringMethods, name);
    return false;
}

Value boundMethod(const Value &object, const std::string &name)
{
    return Value::callable(object.typeName() + "." + name, [object, name](CallArgs &args) {
        if (contains(kUnsafeMethods, name))
            throw RuntimeError("access to attribute '" + name + "' of '" + object.typeName() + "' object is unsafe");
        if (object.isString())
            return callStringMethod(object.asString(), name, args);
        if (object.isDict())
            return callDictMethod(object, name, args);
        return callListMethod(object, name, args);
    });
}

int64_t normalizeIndex(int64_t index, size_t size)
{
    return index < 0 ? index + int64_t(size) : index;
}

} // namespace

Value getAttribute(const Value &object, const std::string &name, bool itemsToo)
{
    if (hasMethod(object, name))
        return boundMethod(object, name);
    if ((object.isDict() && itemsToo) || object.isNamespace()) {
        const Value *v = object.asDict().find(std::string_view(name));
        if (v)
            return *v;
    }
    return Value::undefined(name);
}

Value getItem(const Value &object, const Value &key)
{
    if (object.isDict() || object.isNamespace()) {
        if (const Value *v = object.asDict().find(key))
            return *v;
    } else if ((object.isList() || object.isString()) && (key.isInt() || key.isBool())) {
        if (object.isList()) {
            const int64_t i = normalizeIndex(key.asInt(), object.asList().size());
            if (i >= 0 && i < int64_t(object.asList().size()))
                return object.asList()[size_t(i)];
        } else {
            const std::vector<char32_t> cps = decodeUtf8(object.asString());
            const int64_t i = normalizeIndex(key.asInt(), cps.size());
            if (i >= 0 && i < int64_t(cps.size()))
                return Value(encodeUtf8(cps, size_t(i), size_t(i) + 1));
        }
        return Value::undefined(toDisplayString(key));
    }
    if (key.isString())
        return getAttribute(object, key.asString());
    return Value::undefined(toDisplayString(key));
}

Value sliceValue(const Value &object, const Value &start, const Value &stop, const Value &step)
{
    if (object.isUndefined())
        return object;
    if (!object.isList() && !object.isString())
        throw RuntimeError("'" + object.typeName() + "' object is not subscriptable");
    const auto bound = [](const Value &v, int64_t fallback) {
        if (v.isUndefined() || v.isNone())
            return fallback;
        if (!v.isInt() && !v.isBool())
            throw RuntimeError("slice indices must be integers or None");
        return v.asInt();
    };
    const std::vector<char32_t> cps = object.isString() ? decodeUtf8(object.asString()) : std::vector<char32_t>{};
    const int64_t length = int64_t(object.isString() ? cps.size() : object.asList().size());
    const int64_t stride = bound(step, 1);
    if (stride == 0)
        throw RuntimeError("slice step cannot be zero");
    const int64_t lower = stride > 0 ? 0 : -1;
    const int64_t upper = stride > 0 ? length : length - 1;
    const auto clampIndex = [&](const Value &v, int64_t fallback) {
        int64_t i = bound(v, fallback);
        if (v.isUndefined() || v.isNone())
            return i;
        if (i < 0)
            i += length;
        return std::clamp(i, lower, upper);
    };
    const int64_t from = clampIndex(start, stride > 0 ? lower : upper);
    const int64_t to = clampIndex(stop, stride > 0 ? upper : lower);
    std::vector<size_t> picked;
    for (int64_t i = from; stride > 0 ? i < to : i > to;) {
        picked.push_back(size_t(i));
        if (__builtin_add_overflow(i, stride, &i)) // a huge step: the slice ends here
            break;
    }
    if (object.isString()) {
        std::string out;
        for (size_t i : picked)
            appendUtf8(out, cps[i]);
        return Value(std::move(out));
    }
    ValueList out;
    for (size_t i : picked)
        out.push_back(object.asList()[i]);
    return Value::list(std::move(out), object.isTuple());
}

} // namespace enclave::jinja
