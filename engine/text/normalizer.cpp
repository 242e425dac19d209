// Normalizer stages. Prepend leaves empty text empty (as tokenizer.json's Prepend does), so an input
// that is only special tokens gains no stray "▁" token.
#include "engine/text/normalizer.h"

#include "engine/text/unicode_text.h"

namespace enclave {

namespace {

std::string replaceMatches(const TextRegex &regex, std::string_view text, const std::string &content)
{
    std::vector<std::pair<size_t, size_t>> matches;
    regex.findAll(text, matches);
    if (matches.empty())
        return std::string(text);
    std::string out;
    out.reserve(text.size());
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
    std::string out(text);
    for (const Stage &stage : m_stages) {
        switch (stage.step.kind) {
        case NormalizerStep::Kind::Prepend:
            if (!out.empty())
                out.insert(0, stage.step.content);
            break;
        case NormalizerStep::Kind::Replace:
            out = replaceMatches(*stage.regex, out, stage.step.content);
            break;
        default:
            out = normalizeUnicode(out, formOf(stage.step.kind));
            break;
        }
    }
    return out;
}

} // namespace enclave
