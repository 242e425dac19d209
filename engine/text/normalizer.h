// Normalizer: the text normalization stages of a tokenizer (Unicode normal forms, prefix, replacements),
// applied to each stretch of text between added tokens. Immutable; safe to share between threads.
#pragma once

#include "engine/text/text_regex.h"
#include "engine/text/tokenizer_spec.h"

#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace enclave {

class Normalizer {
public:
    // Throws TokenizerFormatError for a replacement regex that does not compile or more than
    // kMaxPipelineSteps stages.
    explicit Normalizer(const std::vector<NormalizerStep> &steps);
    ~Normalizer();

    bool empty() const { return m_stages.empty(); }
    // `text` must be valid UTF-8; so is the result. Throws TokenizerFormatError when a stage would make
    // the text longer than maxGrownSize(text.size()) or a regex runs out of its limits.
    std::string apply(std::string_view text) const;

private:
    struct Stage {
        NormalizerStep step;
        std::unique_ptr<TextRegex> regex; // Replace
    };
    std::vector<Stage> m_stages;
};

} // namespace enclave
