// Python str operations over UTF-8 strings, working on code points where Python would. Builders check
// the size of what they build as they go; the Value made from it charges the budget for its bytes.
#include "engine/text/jinja_strings.h"

#include "engine/text/jinja_limits.h"
#include "engine/text/jinja_value.h"

#include <algorithm>
#include <bit>
#include <cstring>

namespace enclave::jinja {

namespace {

bool isContinuation(unsigned char c)
{
    return (c & 0xC0) == 0x80;
}

size_t sequenceLength(unsigned char lead)
{
    if (lead < 0x80)
        return 1;
    if ((lead & 0xE0) == 0xC0)
        return 2;
    if ((lead & 0xF0) == 0xE0)
        return 3;
    if ((lead & 0xF8) == 0xF0)
        return 4;
    return 1;
}

bool isLineBreak(char32_t c)
{
    return c == '\n' || c == '\r' || c == 0x0B || c == 0x0C || c == 0x1C || c == 0x1D || c == 0x1E || c == 0x85 ||
        c == 0x2028 || c == 0x2029;
}

bool inStripSet(char32_t c, const std::optional<std::vector<char32_t>> &sortedSet)
{
    if (!sortedSet)
        return isPythonSpace(c);
    return std::binary_search(sortedSet->begin(), sortedSet->end(), c);
}

constexpr size_t kShortNeedle = 4; // std::string_view::find costs at most this many times linear

// Knuth-Morris-Pratt: where the needle (length m, read through sub(i)) first occurs in the text
// (length n, read through hay(i)), or npos.
template <typename Hay, typename Sub> size_t kmpSearch(size_t n, Hay hay, size_t m, Sub sub)
{
    checkStringSize(m);
    std::vector<uint32_t> border(m, 0); // m <= kMaxStringBytes fits
    for (size_t i = 1, k = 0; i < m; ++i) {
        while (k > 0 && sub(i) != sub(k))
            k = border[k - 1];
        if (sub(i) == sub(k))
            ++k;
        border[i] = uint32_t(k);
    }
    for (size_t i = 0, k = 0; i < n; ++i) {
        while (k > 0 && hay(i) != sub(k))
            k = border[k - 1];
        if (hay(i) == sub(k))
            ++k;
        if (k == m)
            return i + 1 - m;
    }
    return std::string_view::npos;
}

// Fails once a split has produced more pieces than a list may hold.
void checkPieces(const std::vector<std::string> &pieces)
{
    if (pieces.size() >= kMaxListItems)
        checkListSize(pieces.size() + 1);
}

} // namespace

std::vector<char32_t> decodeUtf8(std::string_view s)
{
    chargeBytes(s.size() * sizeof(char32_t)); // what it writes
    std::vector<char32_t> out;
    out.reserve(s.size());
    for (size_t i = 0; i < s.size();) {
        const auto lead = static_cast<unsigned char>(s[i]);
        const size_t n = sequenceLength(lead);
        if (n == 1 || i + n > s.size()) {
            out.push_back(lead < 0x80 ? char32_t(lead) : char32_t(0xFFFD));
            ++i;
            continue;
        }
        char32_t c = lead & (0xFF >> (n + 1));
        bool ok = true;
        for (size_t k = 1; k < n; ++k) {
            const auto b = static_cast<unsigned char>(s[i + k]);
            ok = ok && isContinuation(b);
            c = (c << 6) | (b & 0x3F);
        }
        out.push_back(ok ? c : char32_t(0xFFFD));
        i += ok ? n : 1;
    }
    return out;
}

void appendUtf8(std::string &out, char32_t c)
{
    if (c < 0x80) {
        out += char(c);
    } else if (c < 0x800) {
        out += char(0xC0 | (c >> 6));
        out += char(0x80 | (c & 0x3F));
    } else if (c < 0x10000) {
        out += char(0xE0 | (c >> 12));
        out += char(0x80 | ((c >> 6) & 0x3F));
        out += char(0x80 | (c & 0x3F));
    } else {
        out += char(0xF0 | (c >> 18));
        out += char(0x80 | ((c >> 12) & 0x3F));
        out += char(0x80 | ((c >> 6) & 0x3F));
        out += char(0x80 | (c & 0x3F));
    }
}

std::string encodeUtf8(const std::vector<char32_t> &codePoints, size_t begin, size_t end)
{
    std::string out;
    for (size_t i = begin; i < end && i < codePoints.size(); ++i)
        appendUtf8(out, codePoints[i]);
    return out;
}

std::vector<std::string> splitCodePoints(std::string_view s)
{
    std::vector<std::string> out;
    for (char32_t c : decodeUtf8(s)) {
        out.emplace_back();
        appendUtf8(out.back(), c);
    }
    return out;
}

size_t codePointCount(std::string_view s)
{
    chargeBytes(s.size());
    size_t continuations = 0;
    size_t i = 0;
    for (; i + 8 <= s.size(); i += 8) { // eight bytes at a time: count those that are 10xxxxxx
        uint64_t word = 0;
        std::memcpy(&word, s.data() + i, 8);
        continuations += size_t(std::popcount(word & ~(word << 1) & 0x8080808080808080ull));
    }
    for (; i < s.size(); ++i)
        continuations += isContinuation(static_cast<unsigned char>(s[i])) ? 1 : 0;
    return s.size() - continuations;
}

bool isPythonSpace(char32_t c)
{
    return (c >= 0x09 && c <= 0x0D) || (c >= 0x1C && c <= 0x20) || c == 0x85 || c == 0xA0 || c == 0x1680 ||
        (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 || c == 0x202F || c == 0x205F || c == 0x3000;
}

char32_t toUpper(char32_t c)
{
    if (c >= 'a' && c <= 'z')
        return c - 32;
    if ((c >= 0xE0 && c <= 0xFE && c != 0xF7) || (c >= 0x3B1 && c <= 0x3C9 && c != 0x3C2) || (c >= 0x430 && c <= 0x44F))
        return c - 32;
    if (c >= 0x450 && c <= 0x45F)
        return c - 80;
    return c;
}

char32_t toLower(char32_t c)
{
    if (c >= 'A' && c <= 'Z')
        return c + 32;
    if ((c >= 0xC0 && c <= 0xDE && c != 0xD7) || (c >= 0x391 && c <= 0x3A9 && c != 0x3A2) || (c >= 0x410 && c <= 0x42F))
        return c + 32;
    if (c >= 0x400 && c <= 0x40F)
        return c + 80;
    return c;
}

bool isCased(char32_t c)
{
    return toUpper(c) != c || toLower(c) != c;
}

std::string upper(std::string_view s)
{
    std::string out;
    for (char32_t c : decodeUtf8(s))
        appendUtf8(out, toUpper(c));
    return out;
}

std::string lower(std::string_view s)
{
    std::string out;
    for (char32_t c : decodeUtf8(s))
        appendUtf8(out, toLower(c));
    return out;
}

std::string capitalize(std::string_view s)
{
    std::string out;
    bool first = true;
    for (char32_t c : decodeUtf8(s)) {
        appendUtf8(out, first ? toUpper(c) : toLower(c));
        first = false;
    }
    return out;
}

std::string pythonTitle(std::string_view s)
{
    std::string out;
    bool previousCased = false;
    for (char32_t c : decodeUtf8(s)) {
        const bool cased = isCased(c);
        appendUtf8(out, cased ? (previousCased ? toLower(c) : toUpper(c)) : c);
        previousCased = cased;
    }
    return out;
}

std::string strip(std::string_view s, std::optional<std::string_view> chars, bool left, bool right)
{
    const std::vector<char32_t> cps = decodeUtf8(s);
    std::optional<std::vector<char32_t>> set;
    if (chars) {
        set = decodeUtf8(*chars);
        std::sort(set->begin(), set->end());
    }
    size_t begin = 0;
    size_t end = cps.size();
    while (left && begin < end && inStripSet(cps[begin], set))
        ++begin;
    while (right && end > begin && inStripSet(cps[end - 1], set))
        --end;
    return encodeUtf8(cps, begin, end);
}

std::vector<std::string> split(std::string_view s, std::optional<std::string_view> sep, int64_t maxSplit)
{
    std::vector<std::string> out;
    if (sep) {
        size_t pos = 0;
        while (maxSplit < 0 || int64_t(out.size()) < maxSplit) {
            const size_t hit = sep->empty() ? std::string_view::npos : findText(s, *sep, pos);
            if (hit == std::string_view::npos)
                break;
            checkPieces(out);
            out.emplace_back(s.substr(pos, hit - pos));
            pos = hit + sep->size();
        }
        out.emplace_back(s.substr(pos));
        return out;
    }
    const std::vector<char32_t> cps = decodeUtf8(s);
    size_t i = 0;
    while (true) {
        while (i < cps.size() && isPythonSpace(cps[i]))
            ++i;
        if (i == cps.size())
            break;
        if (maxSplit >= 0 && int64_t(out.size()) == maxSplit) {
            out.push_back(encodeUtf8(cps, i, cps.size())); // the rest keeps its trailing whitespace
            break;
        }
        size_t j = i;
        while (j < cps.size() && !isPythonSpace(cps[j]))
            ++j;
        checkPieces(out);
        out.push_back(encodeUtf8(cps, i, j));
        i = j;
    }
    return out;
}

std::vector<std::string> rsplit(std::string_view s, std::optional<std::string_view> sep, int64_t maxSplit)
{
    if (maxSplit < 0)
        return split(s, sep, maxSplit);
    std::vector<std::string> out;
    if (sep && !sep->empty()) {
        size_t end = s.size();
        while (int64_t(out.size()) < maxSplit) {
            const size_t hit = rfindText(s, *sep, end);
            if (hit == std::string_view::npos)
                break;
            checkPieces(out);
            out.emplace_back(s.substr(hit + sep->size(), end - hit - sep->size()));
            end = hit;
        }
        out.emplace_back(s.substr(0, end));
    } else {
        const std::vector<char32_t> cps = decodeUtf8(s);
        size_t end = cps.size();
        while (true) {
            while (end > 0 && isPythonSpace(cps[end - 1]))
                --end;
            if (end == 0)
                break;
            if (int64_t(out.size()) == maxSplit) {
                out.push_back(encodeUtf8(cps, 0, end)); // the rest keeps its leading whitespace
                break;
            }
            size_t begin = end;
            while (begin > 0 && !isPythonSpace(cps[begin - 1]))
                --begin;
            checkPieces(out);
            out.push_back(encodeUtf8(cps, begin, end));
            end = begin;
        }
    }
    std::reverse(out.begin(), out.end());
    return out;
}

std::vector<std::string> splitLines(std::string_view s, bool keepEnds)
{
    const std::vector<char32_t> cps = decodeUtf8(s);
    std::vector<std::string> out;
    size_t start = 0;
    for (size_t i = 0; i < cps.size(); ++i) {
        if (!isLineBreak(cps[i]))
            continue;
        size_t next = i + 1;
        if (cps[i] == '\r' && next < cps.size() && cps[next] == '\n')
            ++next;
        checkPieces(out);
        out.push_back(encodeUtf8(cps, start, keepEnds ? next : i));
        start = next;
        i = next - 1;
    }
    if (start < cps.size())
        out.push_back(encodeUtf8(cps, start, cps.size()));
    return out;
}

size_t findText(std::string_view s, std::string_view sub, size_t from)
{
    if (from > s.size())
        return std::string_view::npos;
    const std::string_view hay = s.substr(from);
    if (sub.size() > hay.size())
        return std::string_view::npos;
    const size_t hit = sub.size() <= kShortNeedle
        ? hay.find(sub)
        : kmpSearch(hay.size(), [&](size_t i) { return hay[i]; }, sub.size(), [&](size_t i) { return sub[i]; });
    chargeBytes((hit == std::string_view::npos ? hay.size() : hit) + 2 * sub.size()); // what was scanned
    return hit == std::string_view::npos ? hit : from + hit;
}

size_t rfindText(std::string_view s, std::string_view sub, size_t end)
{
    const std::string_view hay = s.substr(0, std::min(end, s.size()));
    if (sub.size() > hay.size())
        return std::string_view::npos;
    const size_t n = hay.size();
    const size_t m = sub.size();
    size_t hit = std::string_view::npos;
    if (m <= kShortNeedle)
        hit = hay.rfind(sub);
    else if (const size_t r = kmpSearch( // the first match of the reversed needle in the reversed text
                 n, [&](size_t i) { return hay[n - 1 - i]; }, m, [&](size_t i) { return sub[m - 1 - i]; });
             r != std::string_view::npos)
        hit = n - r - m;
    chargeBytes((hit == std::string_view::npos ? n : n - hit) + 2 * m); // what was scanned
    return hit;
}

std::string replace(std::string_view s, std::string_view from, std::string_view to, int64_t count)
{
    std::string out;
    if (from.empty()) {
        // Python inserts `to` before every code point and at the end.
        int64_t done = 0;
        for (const std::string &c : splitCodePoints(s)) {
            if (count < 0 || done < count) {
                appendText(out, to);
                ++done;
            }
            appendText(out, c);
        }
        if (count < 0 || done < count)
            appendText(out, to);
        return out;
    }
    size_t pos = 0;
    int64_t done = 0;
    while (count < 0 || done < count) {
        const size_t hit = findText(s, from, pos);
        if (hit == std::string_view::npos)
            break;
        appendText(out, s.substr(pos, hit - pos));
        appendText(out, to);
        pos = hit + from.size();
        ++done;
    }
    appendText(out, s.substr(pos));
    return out;
}

int64_t countOccurrences(std::string_view s, std::string_view sub)
{
    if (sub.empty())
        return int64_t(codePointCount(s)) + 1;
    int64_t n = 0;
    for (size_t pos = findText(s, sub); pos != std::string_view::npos; pos = findText(s, sub, pos + sub.size()))
        ++n;
    return n;
}

std::string htmlEscape(std::string_view s)
{
    std::string out;
    for (char c : s) {
        if (out.size() > kMaxStringBytes)
            checkStringSize(out.size());
        switch (c) {
        case '&': out += "&amp;"; break;
        case '<': out += "&lt;"; break;
        case '>': out += "&gt;"; break;
        case '"': out += "&#34;"; break;
        case '\'': out += "&#39;"; break;
        default: out += c;
        }
    }
    return out;
}

std::string pad(std::string_view s, int64_t width, std::string_view fill, int align)
{
    const int64_t length = int64_t(codePointCount(s));
    if (width <= length)
        return std::string(s);
    const int64_t margin = width - length;
    checkStringSize(checkedWidth(margin) * std::max<size_t>(1, fill.size()) + s.size());
    int64_t left = 0;
    if (align == 0)
        left = margin / 2 + (margin & width & 1);
    else if (align > 0)
        left = margin;
    std::string out;
    for (int64_t i = 0; i < left; ++i)
        out += fill;
    out += s;
    for (int64_t i = left; i < margin; ++i)
        out += fill;
    return out;
}

} // namespace enclave::jinja
