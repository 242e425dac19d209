// Cuts a Markdown answer into prose and fenced code blocks, so that prose can go to the
// Markdown renderer and each code block to its own highlighted, copyable view. The text may
// still be streaming: an unclosed fence runs to the end, and a half-written fence line at the
// very end is treated as what it is becoming, so a block never flickers in and out.
#pragma once

#include <QList>
#include <QString>

namespace enclave::app {

struct MarkdownSegment {
    enum class Kind { Prose, Code };
    Kind kind = Kind::Prose;
    QString text;     // prose: Markdown as written; code: the code without its fences or indent
    QString language; // code only: the first word of the fence's info string, lower case
    bool closed = true; // code only: false while the closing fence has not arrived

    bool operator==(const MarkdownSegment &) const = default;
};

// Fences follow CommonMark (three or more ` or ~; a closing fence uses the same character, at
// least as many, and nothing else; a ` fence's info string holds no `), except that any
// indentation is accepted: models indent fences inside list items by four spaces or more.
// streaming: the text is still growing, so a last unterminated line that may be turning into
// a fence (a lone ` or ~ run) is held back instead of flashing up as text.
QList<MarkdownSegment> splitMarkdown(const QString &markdown, bool streaming = false);

} // namespace enclave::app
