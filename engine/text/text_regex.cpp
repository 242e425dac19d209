// TextRegex over PCRE2 (8-bit). Subjects are validated UTF-8 before they get here, so matching skips
// PCRE2's own check (which would rescan the whole subject on every call and make splitting quadratic).
// Patterns come from downloaded files: \C (which could cut a character and break that promise) is
// refused, and every match runs under match/depth/heap limits so that backtracking ends in an error.
#include "engine/text/text_regex.h"

#include "engine/model/printable.h"
#include "engine/text/tokenizer_spec.h"

#ifndef PCRE2_CODE_UNIT_WIDTH
#define PCRE2_CODE_UNIT_WIDTH 8
#endif
#include <pcre2.h>

#include <algorithm>
#include <memory>

namespace enclave {

namespace {

// Backtracking budget of one pcre2_match call: PCRE2's default, raised for long subjects so that a
// linear scan of a long text never reaches it.
constexpr uint64_t kMatchLimitBase = 10'000'000;
constexpr uint64_t kMatchLimitPerByte = 16;
constexpr uint32_t kDepthLimit = 1'000'000;
constexpr uint32_t kHeapLimitKiB = 256 * 1024;

std::string pcre2Message(int code)
{
    PCRE2_UCHAR buf[256];
    const int n = pcre2_get_error_message(code, buf, sizeof buf);
    return n < 0 ? "error " + std::to_string(code) : std::string(reinterpret_cast<const char *>(buf));
}

struct MatchDataDeleter {
    void operator()(pcre2_match_data *md) const { pcre2_match_data_free(md); }
};
struct MatchContextDeleter {
    void operator()(pcre2_match_context *mc) const { pcre2_match_context_free(mc); }
};
struct CompileContextDeleter {
    void operator()(pcre2_compile_context *cc) const { pcre2_compile_context_free(cc); }
};

std::unique_ptr<pcre2_match_context, MatchContextDeleter> matchContextFor(size_t subjectBytes)
{
    std::unique_ptr<pcre2_match_context, MatchContextDeleter> mc(pcre2_match_context_create(nullptr));
    if (!mc)
        throw std::bad_alloc();
    const uint64_t limit = std::min<uint64_t>(kMatchLimitBase + kMatchLimitPerByte * subjectBytes, UINT32_MAX);
    pcre2_set_match_limit(mc.get(), uint32_t(limit));
    pcre2_set_depth_limit(mc.get(), kDepthLimit);
    pcre2_set_heap_limit(mc.get(), kHeapLimitKiB);
    return mc;
}

} // namespace

std::string TextRegex::describe() const { return "regex /" + printable(m_pattern, 120) + "/"; }

TextRegex::TextRegex(const std::string &pattern, bool literal) : m_pattern(pattern)
{
    if (pattern.size() > kMaxPatternBytes)
        throw TokenizerFormatError("tokenizer: " + describe() + " is " + std::to_string(pattern.size()) +
                                   " bytes long (at most " + std::to_string(kMaxPatternBytes) + ")");
    uint32_t options = PCRE2_UTF | PCRE2_UCP | PCRE2_NEVER_BACKSLASH_C;
    if (literal)
        options = PCRE2_UTF | PCRE2_LITERAL;
    std::unique_ptr<pcre2_compile_context, CompileContextDeleter> cc(pcre2_compile_context_create(nullptr));
    if (!cc)
        throw std::bad_alloc();
    pcre2_set_max_pattern_length(cc.get(), kMaxPatternBytes);
    int error = 0;
    PCRE2_SIZE errorOffset = 0;
    m_code = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(pattern.data()), pattern.size(), options, &error,
                           &errorOffset, cc.get());
    if (!m_code)
        throw TokenizerFormatError("tokenizer: " + describe() + " does not compile at offset " +
                                   std::to_string(errorOffset) + ": " + pcre2Message(error));
    m_jit = pcre2_jit_compile(m_code, PCRE2_JIT_COMPLETE) == 0;
}

TextRegex::~TextRegex() { pcre2_code_free(m_code); }

int TextRegex::matchAt(std::string_view text, size_t offset, void *matchData, void *context, bool useJit) const
{
    const uint32_t options = PCRE2_NO_UTF_CHECK | (useJit ? 0u : uint32_t(PCRE2_NO_JIT));
    return pcre2_match(m_code, reinterpret_cast<PCRE2_SPTR>(text.data()), text.size(), offset, options,
                       static_cast<pcre2_match_data *>(matchData), static_cast<pcre2_match_context *>(context));
}

void TextRegex::findAll(std::string_view text, std::vector<std::pair<size_t, size_t>> &matches) const
{
    // One ovector pair is enough: only the whole match is used (rc == 0 then still means "matched").
    std::unique_ptr<pcre2_match_data, MatchDataDeleter> md(pcre2_match_data_create(1, nullptr));
    if (!md)
        throw std::bad_alloc();
    const auto mc = matchContextFor(text.size());
    size_t offset = 0;
    while (offset <= text.size()) {
        int rc = matchAt(text, offset, md.get(), mc.get(), m_jit);
        if (rc == PCRE2_ERROR_JIT_STACKLIMIT)
            rc = matchAt(text, offset, md.get(), mc.get(), false);
        if (rc == PCRE2_ERROR_NOMATCH)
            break;
        if (rc < 0)
            throw TokenizerFormatError("tokenizer: " + describe() + " failed on a text of " +
                                       std::to_string(text.size()) + " bytes: " + pcre2Message(rc));
        const PCRE2_SIZE *ov = pcre2_get_ovector_pointer(md.get());
        const size_t start = ov[0], end = ov[1];
        // note: \K can move the start of a match; anything but offset <= start <= end would make
        // the pieces overlap or the search go backwards.
        if (start < offset || end < start || end > text.size())
            throw TokenizerFormatError("tokenizer: " + describe() + " gave a match outside the searched text");
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
