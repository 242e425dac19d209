// UTF-8 validation/substitution, normalization via utf8proc, and the GPT-2 byte-level alphabet.
// note: the byte-level alphabet keeps printable Latin-1 bytes as themselves and moves the other 68
// bytes to U+0100.. in byte order, so every byte becomes one printable character.
#include "engine/text/unicode_text.h"

#include <utf8proc.h>

#include <array>
#include <cstdlib>
#include <memory>
#include <stdexcept>

namespace enclave {

namespace {

enum class SeqStatus { Valid, Invalid, Truncated };

struct SeqInfo {
    SeqStatus status;
    size_t length; // Valid: sequence length; Invalid/Truncated: bytes of the maximal subpart
};

// The allowed range of the first continuation byte after lead byte `b` (Unicode table 3-7).
void firstContinuationRange(uint8_t b, uint8_t &lo, uint8_t &hi)
{
    lo = 0x80;
    hi = 0xBF;
    if (b == 0xE0)
        lo = 0xA0;
    else if (b == 0xED)
        hi = 0x9F;
    else if (b == 0xF0)
        lo = 0x90;
    else if (b == 0xF4)
        hi = 0x8F;
}

size_t expectedLength(uint8_t b)
{
    if (b < 0x80)
        return 1;
    if (b >= 0xC2 && b <= 0xDF)
        return 2;
    if (b >= 0xE0 && b <= 0xEF)
        return 3;
    if (b >= 0xF0 && b <= 0xF4)
        return 4;
    return 0;
}

SeqInfo classify(std::string_view s, size_t i)
{
    const uint8_t b = uint8_t(s[i]);
    const size_t need = expectedLength(b);
    if (need == 0)
        return {SeqStatus::Invalid, 1};
    for (size_t k = 1; k < need; ++k) {
        if (i + k >= s.size())
            return {SeqStatus::Truncated, k};
        uint8_t lo = 0x80, hi = 0xBF;
        if (k == 1)
            firstContinuationRange(b, lo, hi);
        const uint8_t c = uint8_t(s[i + k]);
        if (c < lo || c > hi)
            return {SeqStatus::Invalid, k};
    }
    return {SeqStatus::Valid, need};
}

constexpr char kReplacementChar[] = "\xEF\xBF\xBD";

struct ByteLevelTables {
    std::array<std::string, 256> toChar;
    std::array<int16_t, 512> toByte; // code point -> byte, -1 outside the alphabet
};

ByteLevelTables makeByteLevelTables()
{
    ByteLevelTables t;
    t.toByte.fill(-1);
    uint32_t next = 256;
    for (uint32_t b = 0; b < 256; ++b) {
        const bool printable = (b >= 33 && b <= 126) || (b >= 161 && b <= 172) || (b >= 174);
        const uint32_t cp = printable ? b : next++;
        appendUtf8(t.toChar[b], cp);
        t.toByte[cp] = int16_t(b);
    }
    return t;
}

const ByteLevelTables &byteLevelTables()
{
    static const ByteLevelTables tables = makeByteLevelTables();
    return tables;
}

} // namespace

size_t utf8StablePrefix(std::string_view s)
{
    // Only the last lead byte, within the last three bytes, can start an incomplete sequence.
    for (size_t back = 1; back <= 3 && back <= s.size(); ++back) {
        const size_t i = s.size() - back;
        if ((uint8_t(s[i]) & 0xC0) == 0x80)
            continue;
        return classify(s, i).status == SeqStatus::Truncated ? i : s.size();
    }
    return s.size();
}

bool isValidUtf8(std::string_view s)
{
    for (size_t i = 0; i < s.size();) {
        if (uint8_t(s[i]) < 0x80) {
            ++i;
            continue;
        }
        const SeqInfo info = classify(s, i);
        if (info.status != SeqStatus::Valid)
            return false;
        i += info.length;
    }
    return true;
}

std::string sanitizeUtf8(std::string_view s)
{
    std::string out;
    out.reserve(s.size());
    for (size_t i = 0; i < s.size();) {
        const SeqInfo info = classify(s, i);
        if (info.status == SeqStatus::Valid)
            out.append(s.substr(i, info.length));
        else
            out.append(kReplacementChar);
        i += info.length;
    }
    return out;
}

uint32_t nextCodePoint(std::string_view s, size_t &pos)
{
    const uint8_t b = uint8_t(s[pos]);
    const size_t n = expectedLength(b);
    if (n <= 1 || pos + n > s.size()) {
        ++pos;
        return b;
    }
    uint32_t cp = b & (0xFF >> (n + 1));
    for (size_t k = 1; k < n; ++k)
        cp = (cp << 6) | (uint8_t(s[pos + k]) & 0x3F);
    pos += n;
    return cp;
}

uint32_t previousCodePoint(std::string_view s, size_t end)
{
    size_t start = end - 1;
    while (start > 0 && end - start < 4 && (uint8_t(s[start]) & 0xC0) == 0x80)
        --start;
    return nextCodePoint(s, start);
}

void appendUtf8(std::string &out, uint32_t cp)
{
    if (cp < 0x80) {
        out.push_back(char(cp));
    } else if (cp < 0x800) {
        out.push_back(char(0xC0 | (cp >> 6)));
        out.push_back(char(0x80 | (cp & 0x3F)));
    } else if (cp < 0x10000) {
        out.push_back(char(0xE0 | (cp >> 12)));
        out.push_back(char(0x80 | ((cp >> 6) & 0x3F)));
        out.push_back(char(0x80 | (cp & 0x3F)));
    } else {
        out.push_back(char(0xF0 | (cp >> 18)));
        out.push_back(char(0x80 | ((cp >> 12) & 0x3F)));
        out.push_back(char(0x80 | ((cp >> 6) & 0x3F)));
        out.push_back(char(0x80 | (cp & 0x3F)));
    }
}

std::string normalizeUnicode(std::string_view s, NormalForm form)
{
    bool ascii = true;
    for (char c : s)
        ascii = ascii && uint8_t(c) < 0x80;
    if (ascii)
        return std::string(s);
    int options = UTF8PROC_STABLE;
    switch (form) {
    case NormalForm::Nfc: options |= UTF8PROC_COMPOSE; break;
    case NormalForm::Nfd: options |= UTF8PROC_DECOMPOSE; break;
    case NormalForm::Nfkc: options |= UTF8PROC_COMPOSE | UTF8PROC_COMPAT; break;
    case NormalForm::Nfkd: options |= UTF8PROC_DECOMPOSE | UTF8PROC_COMPAT; break;
    }
    utf8proc_uint8_t *mapped = nullptr;
    const utf8proc_ssize_t n = utf8proc_map(reinterpret_cast<const utf8proc_uint8_t *>(s.data()),
                                            utf8proc_ssize_t(s.size()), &mapped, utf8proc_option_t(options));
    if (n < 0)
        throw std::runtime_error(std::string("normalizeUnicode: ") + utf8proc_errmsg(n));
    std::unique_ptr<utf8proc_uint8_t, decltype(&std::free)> owner(mapped, &std::free);
    return std::string(reinterpret_cast<const char *>(mapped), size_t(n));
}

bool isUnicodeWhitespace(uint32_t cp)
{
    if (cp <= 0x20)
        return cp == 0x20 || (cp >= 0x09 && cp <= 0x0D);
    return cp == 0x85 || cp == 0xA0 || cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028 ||
           cp == 0x2029 || cp == 0x202F || cp == 0x205F || cp == 0x3000;
}

bool isUnicodeAlphanumeric(uint32_t cp)
{
    if (cp < 0x80)
        return (cp >= '0' && cp <= '9') || ((cp | 0x20) >= 'a' && (cp | 0x20) <= 'z');
    switch (utf8proc_category(utf8proc_int32_t(cp))) {
    case UTF8PROC_CATEGORY_LU:
    case UTF8PROC_CATEGORY_LL:
    case UTF8PROC_CATEGORY_LT:
    case UTF8PROC_CATEGORY_LM:
    case UTF8PROC_CATEGORY_LO:
    case UTF8PROC_CATEGORY_ND:
    case UTF8PROC_CATEGORY_NL:
    case UTF8PROC_CATEGORY_NO:
        return true;
    default:
        return false;
    }
}

std::string_view byteLevelChar(uint8_t b) { return byteLevelTables().toChar[b]; }

bool byteLevelDecode(std::string_view mapped, std::string &out)
{
    const ByteLevelTables &t = byteLevelTables();
    out.clear();
    for (size_t pos = 0; pos < mapped.size();) {
        const uint32_t cp = nextCodePoint(mapped, pos);
        if (cp >= t.toByte.size() || t.toByte[cp] < 0)
            return false;
        out.push_back(char(t.toByte[cp]));
    }
    return true;
}

} // namespace enclave
