// TextRegex over PCRE2 (8-bit). Subjects are validated UTF-8 before they get here, so matching skips
// PCRE2's own check (which would rescan the whole subject on every call and make splitting quadratic).
#include "engine/text/text_regex.h"

#ifndef PCRE2_CODE_UNIT_WIDTH
#define PCRE2_CODE_UNIT_WIDTH 8
#endif
#include <pcre2.h>

#include <memory>
#include <stdexcept>

namespace enclave {

namespace {

std::string pcre2Message(int code)
{
    PCRE2_UCHAR buf[256];
    const int n = pcre2_get_error_message(code, buf, sizeof buf);
    return n < 0 ? "error " + std::to_string(code) : std::string(reinterpret_cast<const char *>(buf));
}

struct MatchDataDeleter {
    void operator()(pcre2_match_data *md) const { pcre2_match_data_free(md); }
};

} // namespace

TextRegex::TextRegex(const std::string &pattern, bool literal) : m_pattern(pattern)
{
    uint32_t options = PCRE2_UTF | PCRE2_UCP;
    if (literal)
        options = PCRE2_UTF | PCRE2_LITERAL;
    int error = 0;
    PCRE2_SIZE errorOffset = 0;
    m_code = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(pattern.data()), pattern.size(), options, &error,
                           &errorOffset, nullptr);
    if (!m_code)
        throw std::runtime_error("tokenizer: regex /" + pattern + "/ does not compile at offset " +
                                 std::to_string(errorOffset) + ": " + pcre2Message(error));
    m_jit = pcre2_jit_compile(m_code, PCRE2_JIT_COMPLETE) == 0;
}

TextRegex::~TextRegex() { pcre2_code_free(m_code); }

int TextRegex::matchAt(std::string_view text, size_t offset, void *matchData, bool useJit) const
{
    const uint32_t options = PCRE2_NO_UTF_CHECK | (useJit ? 0u : uint32_t(PCRE2_NO_JIT));
    return pcre2_match(m_code, reinterpret_cast<PCRE2_SPTR>(text.data()), text.size(), offset, options,
                       static_cast<pcre2_match_data *>(matchData), nullptr);
}

void TextRegex::findAll(std::string_view text, std::vector<std::pair<size_t, size_t>> &matches) const
{
    // One ovector pair is enough: only the whole match is used (rc == 0 then still means "matched").
    std::unique_ptr<pcre2_match_data, MatchDataDeleter> md(pcre2_match_data_create(1, nullptr));
    if (!md)
        throw std::bad_alloc();
    size_t offset = 0;
    while (offset <= text.size()) {
        int rc = matchAt(text, offset, md.get(), m_jit);
        if (rc == PCRE2_ERROR_JIT_STACKLIMIT)
            rc = matchAt(text, offset, md.get(), false);
        if (rc == PCRE2_ERROR_NOMATCH)
            break;
        if (rc < 0)
            throw std::runtime_error("tokenizer: regex /" + m_pattern + "/ failed: " + pcre2Message(rc));
        const PCRE2_SIZE *ov = pcre2_get_ovector_pointer(md.get());
        const size_t start = ov[0], end = ov[1];
        matches.emplace_back(start, end);
        if (end > start) {
            offset = end;
            continue;
        }
        if (end >= text.size())
            break;
        // Empty match: step over one whole character.
        offset = end + 1;
        while (offset < text.size() && (uint8_t(text[offset]) & 0xC0) == 0x80)
            ++offset;
    }
}

} // namespace enclave
