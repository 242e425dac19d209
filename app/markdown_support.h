// Markdown: the QML face of the answer renderer's C++ helpers (module Enclave.Markdown), kept
// apart from the App singleton so that the UI components and their tests can use it alone.
#pragma once

#include <QObject>
#include <QVariantList>
#include <QtQml/qqmlregistration.h>

namespace enclave::app {

class MarkdownSupport : public QObject {
    Q_OBJECT
    QML_NAMED_ELEMENT(Markdown)
    QML_SINGLETON

public:
    explicit MarkdownSupport(QObject *parent = nullptr);

    // [{kind: "prose" | "code", text, language, closed}] — see splitMarkdown().
    Q_INVOKABLE QVariantList segments(const QString &markdown, bool streaming = false) const;
    // Escaped rich text with colours for the theme; plain (but escaped) for unknown languages.
    Q_INVOKABLE QString highlight(const QString &code, const QString &language, bool dark) const;
    Q_INVOKABLE QString languageLabel(const QString &language) const;
    Q_INVOKABLE bool knowsLanguage(const QString &language) const;
};

} // namespace enclave::app
