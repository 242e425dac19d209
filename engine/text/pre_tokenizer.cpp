// Pre-tokenizer stages. A split first lists every match and the gaps between them, flags each as
// delimiter or not (inverted when asked), then applies the behavior; empty pieces are dropped.
// note: prefix spaces and Metaspace replacements add bytes per piece, and stages can alternate to
// grow the pieces without end; the total after each stage is bounded by maxGrownSize(input).
#include "engine/text/pre_tokenizer.h"

#include <utility>

namespace enclave {

const char *const kGpt2SplitPattern =
    R"re('s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+)re";

namespace {

struct Span {
    size_t start;
    size_t end;
    bool delimiter;
};

// Matches and the gaps between them, in order, covering all of `text`.
std::vector<Span> spansOf(const TextRegex &regex, std::string_view text, bool invert)
{
    std::vector<std::pair<size_t, size_t>> matches;
    regex.findAll(text, matches);
    std::vector<Span> spans;
    spans.reserve(matches.size() * 2 + 1);
    size_t prev = 0;
    for (const auto &[start, end] : matches) {
        if (start > prev)
            spans.push_back({prev, start, invert});
        spans.push_back({start, end, !invert});
        prev = end;
    }
    if (prev < text.size())
        spans.push_back({prev, text.size(), invert});
    return spans;
}

// A delimiter joins the piece before it (or stands alone when it comes first).
std::vector<Span> mergeWithPrevious(const std::vector<Span> &spans)
{
    std::vector<Span> out;
    bool previousDelimiter = false;
    for (const Span &s : spans) {
        if (s.delimiter && !previousDelimiter && !out.empty())
            out.back().end = s.end;
        else
            out.push_back(s);
        previousDelimiter = s.delimiter;
    }
    return out;
}

// A delimiter joins the piece after it (or stands alone when it comes last).
std::vector<Span> mergeWithNext(const std::vector<Span> &spans)
{
    std::vector<Span> out;
    bool nextDelimiter = false;
    for (auto it = spans.rbegin(); it != spans.rend(); ++it) {
        if (it->delimiter && !nextDelimiter && !out.empty())
            out.back().start = it->start;
        else
            out.push_back(*it);
        nextDelimiter = it->delimiter;
    }
    return {out.rbegin(), out.rend()};
}

// Runs of delimiters become one piece.
std::vector<Span> mergeContiguous(const std::vector<Span> &spans)
{
    std::vector<Span> out;
    bool previousDelimiter = false;
    for (const Span &s : spans) {
        if (s.delimiter == previousDelimiter && !out.empty())
            out.back().end = s.end;
        else
            out.push_back(s);
        previousDelimiter = s.delimiter;
    }
    return out;
}

std::vector<Span> applyBehavior(std::vector<Span> spans, SplitBehavior behavior)
{
    switch (behavior) {
    case SplitBehavior::Isolated: return spans;
    case SplitBehavior::Removed: {
        std::vector<Span> kept;
        for (const Span &s : spans)
            if (!s.delimiter)
                kept.push_back(s);
        return kept;
    }
    case SplitBehavior::MergedWithPrevious: return mergeWithPrevious(spans);
    case SplitBehavior::MergedWithNext: return mergeWithNext(spans);
    case SplitBehavior::Contiguous: return mergeContiguous(spans);
    }
    return spans;
}

void splitInto(const TextRegex &regex, std::string_view text, SplitBehavior behavior, bool invert,
               std::vector<std::string> &out)
{
    for (const Span &s : applyBehavior(spansOf(regex, text, invert), behavior))
        if (s.end > s.start)
            out.emplace_back(text.substr(s.start, s.end - s.start));
}

std::string replaceAll(std::string_view text, std::string_view from, std::string_view to)
{
    std::string out;
    out.reserve(text.size());
    size_t pos = 0;
    for (size_t hit; (hit = text.find(from, pos)) != std::string_view::npos; pos = hit + from.size())
        out.append(text.substr(pos, hit - pos)).append(to);
    out.append(text.substr(pos));
    return out;
}

std::unique_ptr<TextRegex> regexFor(const PreTokenizerStep &step)
{
    switch (step.kind) {
    case PreTokenizerStep::Kind::Split:
        return std::make_unique<TextRegex>(step.pattern, step.patternIsLiteral);
    case PreTokenizerStep::Kind::ByteLevel:
        return step.useRegex ? std::make_unique<TextRegex>(kGpt2SplitPattern) : nullptr;
    case PreTokenizerStep::Kind::Metaspace:
        return std::make_unique<TextRegex>(step.replacement, true);
    case PreTokenizerStep::Kind::Digits:
        return std::make_unique<TextRegex>(step.individualDigits ? R"(\p{N})" : R"(\p{N}+)");
    }
    return nullptr;
}

bool isNoOp(const PreTokenizerStep &step)
{
    return step.kind == PreTokenizerStep::Kind::ByteLevel && !step.useRegex && !step.addPrefixSpace;
}

void checkGrowth(const std::vector<std::string> &pieces, size_t inputBytes)
{
    size_t total = 0;
    for (const std::string &piece : pieces)
        total += piece.size();
    if (total > maxGrownSize(inputBytes))
        throw TokenizerFormatError("tokenizer: the pre-tokenizer would turn " + std::to_string(inputBytes) +
                                   " bytes of text into " + std::to_string(total) + " (at most " +
                                   std::to_string(maxGrownSize(inputBytes)) + ")");
}

} // namespace

PreTokenizer::PreTokenizer(const std::vector<PreTokenizerStep> &steps)
{
    if (steps.size() > kMaxPipelineSteps)
        throw TokenizerFormatError("tokenizer: " + std::to_string(steps.size()) +
                                   " pre-tokenizer stages (at most " + std::to_string(kMaxPipelineSteps) + ")");
    for (const PreTokenizerStep &step : steps) {
        if (step.kind == PreTokenizerStep::Kind::Metaspace)
            checkSingleCharacter(step.replacement, "pre-tokenizer Metaspace");
        if (!isNoOp(step))
            m_stages.push_back({step, regexFor(step)});
    }
}

PreTokenizer::~PreTokenizer() = default;

void PreTokenizer::split(std::string_view text, bool atTextStart, std::vector<std::string> &words) const
{
    std::vector<std::string> pieces;
    if (!text.empty())
        pieces.emplace_back(text);
    for (const Stage &stage : m_stages) {
        runStage(stage, pieces, atTextStart);
        checkGrowth(pieces, text.size());
    }
    for (std::string &piece : pieces)
        if (!piece.empty())
            words.push_back(std::move(piece));
}

void PreTokenizer::runStage(const Stage &stage, std::vector<std::string> &pieces, bool atTextStart) const
{
    const PreTokenizerStep &step = stage.step;
    std::vector<std::string> out;
    out.reserve(pieces.size());
    for (size_t i = 0; i < pieces.size(); ++i) {
        std::string piece = std::move(pieces[i]);
        if (step.kind == PreTokenizerStep::Kind::ByteLevel && step.addPrefixSpace &&
            (piece.empty() || piece[0] != ' '))
            piece.insert(0, 1, ' ');
        if (step.kind == PreTokenizerStep::Kind::Metaspace) {
            piece = replaceAll(piece, " ", step.replacement);
            const bool prepend = step.prependScheme == PrependScheme::Always ||
                                 (step.prependScheme == PrependScheme::First && i == 0 && atTextStart);
            if (prepend && piece.compare(0, step.replacement.size(), step.replacement) != 0)
                piece.insert(0, step.replacement);
            if (!step.metaspaceSplit) {
                out.push_back(std::move(piece));
                continue;
            }
        }
        if (!stage.regex) {
            out.push_back(std::move(piece));
            continue;
        }
        const SplitBehavior behavior = step.kind == PreTokenizerStep::Kind::Split       ? step.behavior
                                       : step.kind == PreTokenizerStep::Kind::Metaspace ? SplitBehavior::MergedWithNext
                                                                                        : SplitBehavior::Isolated;
        splitInto(*stage.regex, piece, behavior, step.kind == PreTokenizerStep::Kind::Split && step.invert, out);
    }
    pieces = std::move(out);
}

} // namespace enclave
