// PreTokenizer: cuts normalized text into the words that BPE then works on, stage by stage, with the
// split semantics of Hugging Face tokenizers (Isolated/Removed/Merged.../Contiguous, invert).
// Immutable after construction and safe to share between threads.
#pragma once

#include "engine/text/text_regex.h"
#include "engine/text/tokenizer_spec.h"

#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace enclave {

// The regex that GPT-2's byte-level pre-tokenizer splits with (ByteLevel use_regex).
extern const char *const kGpt2SplitPattern;

class PreTokenizer {
public:
    // Compiles every pattern now; throws TokenizerFormatError naming a pattern that does not compile,
    // a Metaspace replacement that is not one character, or more than kMaxPipelineSteps stages.
    explicit PreTokenizer(const std::vector<PreTokenizerStep> &steps);
    ~PreTokenizer();

    // Appends the non-empty words of `text` (valid UTF-8) to `words`. `atTextStart` tells whether
    // `text` begins the whole input (Metaspace prepend scheme "first"). Throws TokenizerFormatError when
    // the pieces would exceed maxGrownSize(text.size()) bytes or a regex runs out of its limits.
    void split(std::string_view text, bool atTextStart, std::vector<std::string> &words) const;

private:
    struct Stage {
        PreTokenizerStep step;
        std::unique_ptr<TextRegex> regex; // Split, Digits, ByteLevel with useRegex
    };

    void runStage(const Stage &stage, std::vector<std::string> &pieces, bool atTextStart) const;

    std::vector<Stage> m_stages;
};

} // namespace enclave
