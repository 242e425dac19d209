// Syntax colouring for the code blocks of answers: a small table-driven scanner per language
// (keywords, strings, comments, numbers, types/builtins) — enough to read code, not to parse
// it. The output is rich text in which every character of the code is HTML-escaped, so an
// answer can never inject markup; a language it does not know comes out plain.
#pragma once

#include <QList>
#include <QString>

namespace enclave::app {

enum class TokenKind { Plain, Keyword, String, Comment, Number, Type };

struct CodeToken {
    qsizetype start = 0;
    qsizetype length = 0;
    TokenKind kind = TokenKind::Plain;
    bool operator==(const CodeToken &) const = default;
};

// The canonical id of a fence's language ("py" → "python", "c++" → "cpp"); empty when unknown.
QString canonicalLanguage(const QString &fenceLanguage);
// A human name for the language label ("Python", "C++"); the fence's own word when unknown.
QString languageLabel(const QString &fenceLanguage);

// The coloured runs of `code` (Plain runs left out), in order and never overlapping.
QList<CodeToken> tokenizeCode(const QString &code, const QString &fenceLanguage);

// `code` as a rich-text <pre> block with colours for the light or the dark theme.
QString highlightCode(const QString &code, const QString &fenceLanguage, bool dark);

} // namespace enclave::app
