// TextRegex: one compiled PCRE2 pattern (UTF + UCP, so \p{L}, \s, \w cover all of Unicode), JIT-compiled
// when the platform allows. Immutable after construction: one instance may be used from many threads.
// Patterns may come from hostile files: matching is bounded (see text_regex.cpp) and fails with an error.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

struct pcre2_real_code_8;

namespace enclave {

class TextRegex {
public:
    // Throws TokenizerFormatError quoting the pattern (escaped) and PCRE2's message when it does not
    // compile or is longer than kMaxPatternBytes. A literal pattern matches its text exactly.
    explicit TextRegex(const std::string &pattern, bool literal = false);
    ~TextRegex();
    TextRegex(const TextRegex &) = delete;
    TextRegex &operator=(const TextRegex &) = delete;

    // Appends the [start, end) byte ranges of all non-overlapping matches in `text`, left to right
    // (an empty match moves the search on by one character). `text` must be valid UTF-8.
    // Throws TokenizerFormatError when a match runs out of its backtracking limits.
    void findAll(std::string_view text, std::vector<std::pair<size_t, size_t>> &matches) const;

    const std::string &pattern() const { return m_pattern; }

private:
    int matchAt(std::string_view text, size_t offset, void *matchData, void *context, bool useJit) const;
    std::string describe() const; // "regex /pattern/", escaped for messages

    std::string m_pattern;
    pcre2_real_code_8 *m_code = nullptr;
    bool m_jit = false;
};

} // namespace enclave
