// Normalizer stages. Prepend leaves empty text empty (as tokenizer.json's Prepend does), so an input
// that is only special tokens gains no stray "▁" token.
// note: chained replacements can grow a text exponentially (" " -> "    " ten times over); every stage's
// output is bounded by maxGrownSize(input), checked before a replacement is built.
#include "engine/text/normalizer.h"

#include "engine/text/unicode_text.h"

namespace enclave {

namespace {

[[noreturn]] void failGrowth(size_t inputBytes, size_t wouldBe)
{
    throw TokenizerFormatError("tokenizer: the normalizer would turn " + std::to_string(inputBytes) +
                               " bytes of text into " + std::to_string(wouldBe) + " (at most " +
                               std::to_string(maxGrownSize(inputBytes)) + ")");
}

std::string replaceMatches(const TextRegex &regex, std::string_view text, const std::string &content,
                           size_t inputBytes)
{
    std::vector<std::pair<size_t, size_t>> matches;
    regex.findAll(text, matches);
    if (matches.empty())
        return std::string(text);
    size_t outBytes = text.size();
    for (const auto &[start, end] : matches)
        if (end > start)
            outBytes = outBytes - (end - start) + content.size();
    if (outBytes > maxGrownSize(inputBytes))
        failGrowth(inputBytes, outBytes);
    std::string out;
    out.reserve(outBytes);
    size_t pos = 0;
    for (const auto &[start, end] : matches) {
        if (end == start)
            continue;
        out.append(text.substr(pos, start - pos)).append(content);
        pos = end;
    }
    out.append(text.substr(pos));
    return out;
}

NormalForm formOf(NormalizerStep::Kind kind)
{
    switch (kind) {
    case NormalizerStep::Kind::Nfd: return NormalForm::Nfd;
    case NormalizerStep::Kind::Nfkc: return NormalForm::Nfkc;
    case NormalizerStep::Kind::Nfkd: return NormalForm::Nfkd;
    default: return NormalForm::Nfc;
    }
}

} // namespace

Normalizer::Normalizer(const std::vector<NormalizerStep> &steps)
{
    if (steps.size() > kMaxPipelineSteps)
        throw TokenizerFormatError("tokenizer: " + std::to_string(steps.size()) + " normalizer stages (at most " +
                                   std::to_string(kMaxPipelineSteps) + ")");
    for (const NormalizerStep &step : steps) {
        std::unique_ptr<TextRegex> regex;
        if (step.kind == NormalizerStep::Kind::Replace)
            regex = std::make_unique<TextRegex>(step.pattern, !step.patternIsRegex);
        m_stages.push_back({step, std::move(regex)});
    }
}

Normalizer::~Normalizer() = default;

std::string Normalizer::apply(std::string_view text) const
{
    const size_t limit = maxGrownSize(text.size());
    std::string out(text);
    for (const Stage &stage : m_stages) {
        switch (stage.step.kind) {
        case NormalizerStep::Kind::Prepend:
            if (!out.empty() && out.size() + stage.step.content.size() > limit)
                failGrowth(text.size(), out.size() + stage.step.content.size());
            if (!out.empty())
                out.insert(0, stage.step.content);
            break;
        case NormalizerStep::Kind::Replace:
            out = replaceMatches(*stage.regex, out, stage.step.content, text.size());
            break;
        default:
            // One code point decomposes into at most 18, so this cannot overshoot by much.
            out = normalizeUnicode(out, formOf(stage.step.kind));
            if (out.size() > limit)
                failGrowth(text.size(), out.size());
            break;
        }
    }
    return out;
}

} // namespace enclave
