// MarkdownSupport: converts the helpers' results into QML values.
#include "app/markdown_support.h"

#include "app/code_highlighter.h"
#include "app/markdown_segments.h"

#include <QVariantMap>

namespace enclave::app {

MarkdownSupport::MarkdownSupport(QObject *parent) : QObject(parent) {}

QVariantList MarkdownSupport::segments(const QString &markdown, bool streaming) const
{
    QVariantList list;
    for (const MarkdownSegment &s : splitMarkdown(markdown, streaming)) {
        const bool code = s.kind == MarkdownSegment::Kind::Code;
        list.append(QVariantMap{{QStringLiteral("kind"), code ? QStringLiteral("code") : QStringLiteral("prose")},
                                {QStringLiteral("text"), s.text},
                                {QStringLiteral("language"), s.language},
                                {QStringLiteral("closed"), s.closed}});
    }
    return list;
}

QString MarkdownSupport::highlight(const QString &code, const QString &language, bool dark) const
{
    return highlightCode(code, language, dark);
}

QString MarkdownSupport::languageLabel(const QString &language) const { return app::languageLabel(language); }

bool MarkdownSupport::knowsLanguage(const QString &language) const { return !canonicalLanguage(language).isEmpty(); }

} // namespace enclave::app
