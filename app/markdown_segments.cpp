// splitMarkdown: one pass over the lines with at most one open fence.
#include "app/markdown_segments.h"

#include <QStringList>
#include <optional>

namespace enclave::app {
namespace {

struct Fence {
    QChar marker;   // ` or ~
    int length = 0; // how many markers opened it; the closing run needs at least as many
    int indent = 0; // spaces before the opening fence, removed from the code lines
    QString language;
};

int leadingSpaces(QStringView line)
{
    int i = 0;
    while (i < line.size() && (line[i] == QLatin1Char(' ') || line[i] == QLatin1Char('\t')))
        ++i;
    return i;
}

std::optional<Fence> openingFence(QStringView line)
{
    const int indent = leadingSpaces(line);
    if (indent >= line.size() || (line[indent] != QLatin1Char('`') && line[indent] != QLatin1Char('~')))
        return std::nullopt;
    const QChar marker = line[indent];
    int end = indent;
    while (end < line.size() && line[end] == marker)
        ++end;
    if (end - indent < 3)
        return std::nullopt;
    const QStringView info = line.mid(end).trimmed();
    if (marker == QLatin1Char('`') && info.contains(QLatin1Char('`')))
        return std::nullopt; // ```inline``` code on one line, not a fence
    const QString language = info.toString().section(QLatin1Char(' '), 0, 0).toLower();
    return Fence{marker, end - indent, indent, language};
}

// The line holds only a run of `marker`, possibly indented (and trailing spaces).
bool isMarkerRun(QStringView line, QChar marker, int minLength)
{
    const QStringView run = line.trimmed();
    if (run.size() < minLength || run.isEmpty())
        return false;
    for (QChar c : run)
        if (c != marker)
            return false;
    return true;
}

bool closesFence(QStringView line, const Fence &fence) { return isMarkerRun(line, fence.marker, fence.length); }

// Could this unfinished last line still become a fence? (` or ~ only, fewer than needed.)
bool mayBecomeFence(QStringView line, const std::optional<Fence> &open)
{
    if (open)
        return isMarkerRun(line, open->marker, 1);
    return isMarkerRun(line, QLatin1Char('`'), 1) || isMarkerRun(line, QLatin1Char('~'), 1);
}

QString dedent(const QString &line, int indent)
{
    return line.mid(std::min(indent, leadingSpaces(line)));
}

} // namespace

QList<MarkdownSegment> splitMarkdown(const QString &markdown, bool streaming)
{
    QString text = markdown;
    text.remove(QLatin1Char('\r'));
    QStringList lines = text.split(QLatin1Char('\n'));
    const bool lastLineUnfinished = !text.endsWith(QLatin1Char('\n'));
    if (!lastLineUnfinished)
        lines.removeLast(); // the empty string after the final newline

    QList<MarkdownSegment> segments;
    QStringList prose, code;
    std::optional<Fence> open;
    const auto flushProse = [&] {
        const QString joined = prose.join(QLatin1Char('\n'));
        if (!joined.trimmed().isEmpty())
            segments.append({MarkdownSegment::Kind::Prose, joined, {}, true});
        prose.clear();
    };
    for (qsizetype i = 0; i < lines.size(); ++i) {
        const QString &line = lines[i];
        if (streaming && lastLineUnfinished && i == lines.size() - 1 && mayBecomeFence(line, open))
            break; // held back until the line is complete
        if (!open) {
            if ((open = openingFence(line))) {
                flushProse();
                code.clear();
            } else {
                prose << line;
            }
        } else if (closesFence(line, *open)) {
            segments.append({MarkdownSegment::Kind::Code, code.join(QLatin1Char('\n')), open->language, true});
            open.reset();
        } else {
            code << dedent(line, open->indent);
        }
    }
    if (open)
        segments.append({MarkdownSegment::Kind::Code, code.join(QLatin1Char('\n')), open->language, false});
    flushProse();
    return segments;
}

} // namespace enclave::app
