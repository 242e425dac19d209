// printable(): byte-level escaping with a small UTF-8 decoder (no allocation per character).
#include "engine/model/printable.h"

#include <cstdint>
#include <cstdio>

namespace enclave {

namespace {

void appendHexByte(std::string &out, unsigned char b)
{
    char buf[8];
    std::snprintf(buf, sizeof buf, "\\x%02x", b);
    out += buf;
}

void appendCodePoint(std::string &out, uint32_t cp)
{
    char buf[16];
    std::snprintf(buf, sizeof buf, "\\u{%04x}", cp);
    out += buf;
}

// Length of the valid UTF-8 sequence at s[i] and its code point; 0 when invalid.
size_t decodeUtf8(std::string_view s, size_t i, uint32_t *cp)
{
    const auto b0 = static_cast<unsigned char>(s[i]);
    size_t len = 0;
    uint32_t min = 0;
    if (b0 >= 0xc2 && b0 <= 0xdf)
        len = 2, *cp = b0 & 0x1f, min = 0x80;
    else if (b0 >= 0xe0 && b0 <= 0xef)
        len = 3, *cp = b0 & 0x0f, min = 0x800;
    else if (b0 >= 0xf0 && b0 <= 0xf4)
        len = 4, *cp = b0 & 0x07, min = 0x10000;
    else
        return 0;
    if (i + len > s.size())
        return 0;
    for (size_t k = 1; k < len; ++k) {
        const auto b = static_cast<unsigned char>(s[i + k]);
        if ((b & 0xc0) != 0x80)
            return 0;
        *cp = (*cp << 6) | (b & 0x3f);
    }
    if (*cp < min || *cp > 0x10ffff || (*cp >= 0xd800 && *cp <= 0xdfff))
        return 0;
    return len;
}

bool isInvisibleControl(uint32_t cp)
{
    return (cp >= 0x80 && cp <= 0x9f) ||                    // C1 controls (CSI is 0x9b)
           (cp >= 0x202a && cp <= 0x202e) ||                // bidirectional embeddings and overrides
           (cp >= 0x2066 && cp <= 0x2069) || cp == 0x200e || cp == 0x200f; // isolates, marks
}

} // namespace

namespace {

std::string escape(std::string_view s, size_t maxBytes, bool keepLineBreaks)
{
    const size_t n = s.size() < maxBytes ? s.size() : maxBytes;
    std::string out;
    out.reserve(n + 8);
    size_t i = 0;
    while (i < n) {
        const auto b = static_cast<unsigned char>(s[i]);
        if (b >= 0x20 && b < 0x7f) {
            out += char(b);
            ++i;
            continue;
        }
        if (b == '\n') {
            out += keepLineBreaks ? "\n" : "\\n", ++i;
            continue;
        }
        if (b == '\t') {
            out += "\\t", ++i;
            continue;
        }
        if (b < 0x80) { // other C0 controls and DEL
            appendHexByte(out, b), ++i;
            continue;
        }
        uint32_t cp = 0;
        const size_t len = decodeUtf8(s, i, &cp);
        if (len == 0 || i + len > n) {
            appendHexByte(out, b), ++i;
            continue;
        }
        if (isInvisibleControl(cp))
            appendCodePoint(out, cp);
        else
            out.append(s.substr(i, len));
        i += len;
    }
    if (s.size() > maxBytes)
        out += "...";
    return out;
}

} // namespace

std::string printable(std::string_view s, size_t maxBytes) { return escape(s, maxBytes, false); }

std::string printableText(std::string_view s) { return escape(s, s.size(), true); }

std::string quotedName(std::string_view s, size_t maxBytes) { return "'" + printable(s, maxBytes) + "'"; }

} // namespace enclave
