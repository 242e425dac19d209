// Text forms of template values exactly as Python writes them: str(), repr() and json.dumps() with
// ensure_ascii=False (the tojson that Hugging Face installs). Walks into containers are depth-limited,
// so a namespace that contains itself is an error, and the text they build is size-limited as it grows.
#include "engine/text/jinja_limits.h"
#include "engine/text/jinja_strings.h"
#include "engine/text/jinja_value.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>

namespace enclave::jinja {

namespace {

// "\\x0a", "\\u2028": lower-case hex, zero-padded to `digits` (called per character, so no printf).
std::string hexEscape(char32_t c, char prefix, int digits)
{
    std::string out = {'\\', prefix};
    for (int shift = 4 * (digits - 1); shift >= 0; shift -= 4)
        out += "0123456789abcdef"[(c >> shift) & 0xF];
    return out;
}

bool reprNeedsEscape(char32_t c)
{
    return c < 0x20 || (c >= 0x7F && c <= 0xA0) || c == 0xAD || (c >= 0x2000 && c <= 0x200F) ||
        (c >= 0x2028 && c <= 0x202F) || (c >= 0x205F && c <= 0x206F) || c == 0x1680 || c == 0x3000 || c == 0xFEFF;
}

// Printable ASCII other than the backslash: written as it is by repr() and json.dumps() alike.
bool plainAscii(std::string_view s)
{
    chargeBytes(s.size());
    return std::all_of(s.begin(), s.end(), [](char c) { return c >= 0x20 && c < 0x7F && c != '\\'; });
}

std::string stringRepr(const std::string &s)
{
    const bool hasSingle = s.find('\'') != std::string::npos;
    const bool hasDouble = s.find('"') != std::string::npos;
    const char quote = hasSingle && !hasDouble ? '"' : '\'';
    std::string out(1, quote);
    if (!(hasSingle && hasDouble) && plainAscii(s)) {
        out += s;
        out += quote;
        return out;
    }
    for (char32_t c : decodeUtf8(s)) {
        if (out.size() > kMaxStringBytes)
            checkStringSize(out.size());
        if (c == char32_t(quote) || c == '\\') {
            out += '\\';
            out += char(c);
        } else if (c == '\n') {
            out += "\\n";
        } else if (c == '\r') {
            out += "\\r";
        } else if (c == '\t') {
            out += "\\t";
        } else if (reprNeedsEscape(c)) {
            out += c <= 0xFF ? hexEscape(c, 'x', 2) : hexEscape(c, 'u', 4);
        } else {
            appendUtf8(out, c);
        }
    }
    out += quote;
    return out;
}

std::string containerRepr(const Value &value)
{
    const ValueDepthGuard guard;
    std::string out;
    if (value.isList()) {
        const ValueList &items = value.asList();
        chargeSteps(int64_t(items.size()));
        out += value.isTuple() ? '(' : '[';
        for (size_t i = 0; i < items.size(); ++i) {
            appendText(out, i ? ", " : "");
            appendText(out, toRepr(items[i]));
        }
        if (value.isTuple() && items.size() == 1)
            out += ',';
        out += value.isTuple() ? ')' : ']';
        return out;
    }
    out += '{';
    bool first = true;
    chargeSteps(int64_t(value.asDict().size()));
    for (const auto &[k, v] : value.asDict().items()) {
        appendText(out, first ? "" : ", ");
        appendText(out, toRepr(k));
        appendText(out, ": ");
        appendText(out, toRepr(v));
        first = false;
    }
    out += '}';
    return out;
}

void appendJsonChar(std::string &out, char32_t c, bool asciiOnly)
{
    switch (c) {
    case '"': out += "\\\""; return;
    case '\\': out += "\\\\"; return;
    case '\n': out += "\\n"; return;
    case '\r': out += "\\r"; return;
    case '\t': out += "\\t"; return;
    case '\b': out += "\\b"; return;
    case '\f': out += "\\f"; return;
    default: break;
    }
    if (c < 0x20 || (asciiOnly && c >= 0x7F && c < 0x10000)) {
        out += hexEscape(c, 'u', 4);
    } else if (asciiOnly && c >= 0x10000) {
        out += hexEscape(0xD800 + ((c - 0x10000) >> 10), 'u', 4);
        out += hexEscape(0xDC00 + ((c - 0x10000) & 0x3FF), 'u', 4);
    } else {
        appendUtf8(out, c);
    }
}

// json.dumps string escaping; with asciiOnly (ensure_ascii=True) code points past ASCII become
// \uXXXX, above U+FFFF as a surrogate pair.
void appendJsonString(std::string &out, const std::string &s, bool asciiOnly)
{
    out += '"';
    if (s.find('"') == std::string::npos && plainAscii(s)) {
        appendText(out, s);
        out += '"';
        return;
    }
    for (char32_t c : decodeUtf8(s)) {
        if (out.size() > kMaxStringBytes)
            checkStringSize(out.size());
        appendJsonChar(out, c, asciiOnly);
    }
    out += '"';
}

struct JsonWriter {
    bool asciiOnly;
    int64_t indent;
    std::string itemSeparator;
    std::string keySeparator;
    bool sortKeys;
    std::string out;

    void newline(int level)
    {
        out += '\n';
        appendText(out, checkedWidth(indent) * size_t(level), ' ');
    }

    std::string keyText(const Value &key)
    {
        switch (key.kind()) {
        case Value::Kind::String: return key.asString();
        case Value::Kind::Bool: return key.asBool() ? "true" : "false";
        case Value::Kind::None: return "null";
        case Value::Kind::Int:
        case Value::Kind::Float: return toDisplayString(key);
        default: throw RuntimeError("keys must be str, int, float, bool or None, not " + key.typeName());
        }
    }

    void writeNumber(const Value &value)
    {
        if (value.isInt()) {
            out += std::to_string(value.asInt());
            return;
        }
        const double d = value.asFloat();
        if (std::isnan(d))
            out += "NaN";
        else if (std::isinf(d))
            out += d > 0 ? "Infinity" : "-Infinity";
        else
            out += formatFloat(d);
    }

    void writeList(const ValueList &items, int level)
    {
        if (items.empty()) {
            out += "[]";
            return;
        }
        out += '[';
        for (size_t i = 0; i < items.size(); ++i) {
            appendText(out, i ? itemSeparator : "");
            if (indent >= 0)
                newline(level + 1);
            write(items[i], level + 1);
        }
        if (indent >= 0)
            newline(level);
        out += ']';
    }

    void writeDict(const ValueDict &dict, int level)
    {
        if (dict.empty()) {
            out += "{}";
            return;
        }
        std::vector<std::pair<std::string, const Value *>> entries;
        for (const auto &[k, v] : dict.items())
            entries.emplace_back(keyText(k), &v);
        if (sortKeys)
            std::stable_sort(entries.begin(), entries.end(),
                             [](const auto &a, const auto &b) { return a.first < b.first; });
        out += '{';
        for (size_t i = 0; i < entries.size(); ++i) {
            appendText(out, i ? itemSeparator : "");
            if (indent >= 0)
                newline(level + 1);
            appendJsonString(out, entries[i].first, asciiOnly);
            appendText(out, keySeparator);
            write(*entries[i].second, level + 1);
        }
        if (indent >= 0)
            newline(level);
        out += '}';
    }

    void write(const Value &value, int level)
    {
        const ValueDepthGuard guard;
        chargeSteps(1);
        switch (value.kind()) {
        case Value::Kind::None: out += "null"; break;
        case Value::Kind::Bool: out += value.asBool() ? "true" : "false"; break;
        case Value::Kind::Int:
        case Value::Kind::Float: writeNumber(value); break;
        case Value::Kind::String: appendJsonString(out, value.asString(), asciiOnly); break;
        case Value::Kind::List: writeList(value.asList(), level); break;
        case Value::Kind::Dict: writeDict(value.asDict(), level); break;
        default: throw RuntimeError("Object of type " + value.typeName() + " is not JSON serializable");
        }
    }
};

} // namespace

std::string formatFloat(double value)
{
    if (std::isnan(value))
        return "nan";
    if (std::isinf(value))
        return value > 0 ? "inf" : "-inf";
    char buf[64];
    const auto result = std::to_chars(buf, buf + sizeof buf, value, std::chars_format::scientific);
    const std::string text(buf, result.ptr);
    const size_t ePos = text.find('e');
    std::string mantissa = text.substr(0, ePos);
    const int exponent = std::stoi(text.substr(ePos + 1));
    const bool negative = !mantissa.empty() && mantissa[0] == '-';
    if (negative)
        mantissa.erase(0, 1);
    mantissa.erase(std::remove(mantissa.begin(), mantissa.end(), '.'), mantissa.end());
    const int nDigits = int(mantissa.size());
    const int decimalPoint = exponent + 1;
    std::string out = negative ? "-" : "";
    if (decimalPoint > -4 && decimalPoint <= 16) {
        if (decimalPoint <= 0)
            out += "0." + std::string(size_t(-decimalPoint), '0') + mantissa;
        else if (decimalPoint >= nDigits)
            out += mantissa + std::string(size_t(decimalPoint - nDigits), '0') + ".0";
        else
            out += mantissa.substr(0, size_t(decimalPoint)) + "." + mantissa.substr(size_t(decimalPoint));
        return out;
    }
    out += mantissa.substr(0, 1);
    if (nDigits > 1)
        out += "." + mantissa.substr(1);
    char exp[16];
    std::snprintf(exp, sizeof exp, "e%c%02d", exponent < 0 ? '-' : '+', std::abs(exponent));
    return out + exp;
}

std::string toDisplayString(const Value &value)
{
    switch (value.kind()) {
    case Value::Kind::Undefined: return "";
    case Value::Kind::None: return "None";
    case Value::Kind::Bool: return value.asBool() ? "True" : "False";
    case Value::Kind::Int: return std::to_string(value.asInt());
    case Value::Kind::Float: return formatFloat(value.asFloat());
    case Value::Kind::String: return value.asString();
    case Value::Kind::List:
    case Value::Kind::Dict: return containerRepr(value);
    case Value::Kind::Namespace: return "<Namespace " + containerRepr(Value::dict(value.asDict())) + ">";
    case Value::Kind::Callable: return "<function " + value.asCallable().name + ">";
    }
    return "";
}

std::string toRepr(const Value &value)
{
    if (value.isString())
        return stringRepr(value.asString());
    if (value.isUndefined())
        return "Undefined";
    return toDisplayString(value);
}

std::string toJson(const Value &value, int64_t indent, std::string_view itemSeparator, std::string_view keySeparator,
                   bool sortKeys, bool ensureAscii)
{
    JsonWriter writer{ensureAscii, indent, std::string(itemSeparator), std::string(keySeparator), sortKeys, {}};
    if (itemSeparator.empty() && keySeparator.empty()) {
        writer.itemSeparator = indent >= 0 ? "," : ", ";
        writer.keySeparator = ": ";
    }
    writer.write(value, 0);
    return writer.out;
}

} // namespace enclave::jinja
