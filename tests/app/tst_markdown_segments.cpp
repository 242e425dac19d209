// splitMarkdown: prose and fenced code, also while an answer is still streaming (unclosed
// fences, a fence whose language is still being written, half-written fences held back).
#include "app/markdown_segments.h"

#include <QTest>

using enclave::app::MarkdownSegment;
using enclave::app::splitMarkdown;
using Kind = MarkdownSegment::Kind;

namespace {
MarkdownSegment prose(const char *text) { return {Kind::Prose, QString::fromUtf8(text), {}, true}; }
MarkdownSegment code(const char *text, const char *language, bool closed = true)
{
    return {Kind::Code, QString::fromUtf8(text), QString::fromUtf8(language), closed};
}
} // namespace

Q_DECLARE_METATYPE(QList<MarkdownSegment>)

class TestMarkdownSegments : public QObject {
    Q_OBJECT
private slots:
    void split_data()
    {
        QTest::addColumn<QString>("markdown");
        QTest::addColumn<QList<MarkdownSegment>>("expected");
        QTest::newRow("prose only") << QStringLiteral("# Title\n\nSome `inline` code.")
                                    << QList{prose("# Title\n\nSome `inline` code.")};
        QTest::newRow("one block") << QStringLiteral("Run:\n```bash\nls -la\n```\nDone.")
                                   << QList{prose("Run:"), code("ls -la", "bash"), prose("Done.")};
        QTest::newRow("language is the first word, lower case")
            << QStringLiteral("```Python title=\"x.py\"\nprint(1)\n```") << QList{code("print(1)", "python")};
        QTest::newRow("tildes") << QStringLiteral("~~~\na\n~~~") << QList{code("a", "")};
        QTest::newRow("unclosed runs to the end")
            << QStringLiteral("Here:\n```cpp\nint main() {\n") << QList{prose("Here:"), code("int main() {", "cpp", false)};
        QTest::newRow("nested backticks: a longer fence holds a shorter one")
            << QStringLiteral("````markdown\n```python\nx = 1\n```\n````\nafter")
            << QList{code("```python\nx = 1\n```", "markdown"), prose("after")};
        QTest::newRow("closing fence needs the same character")
            << QStringLiteral("```\na\n~~~\nb\n```") << QList{code("a\n~~~\nb", "")};
        QTest::newRow("closing fence needs as many markers")
            << QStringLiteral("````\na\n```\n````") << QList{code("a\n```", "")};
        QTest::newRow("closing fence takes no info string")
            << QStringLiteral("```\na\n```js\n```") << QList{code("a\n```js", "")};
        QTest::newRow("backticks on one line are inline code, not a fence")
            << QStringLiteral("Use ```x``` here\n```js```") << QList{prose("Use ```x``` here\n```js```")};
        QTest::newRow("indented fence in a list item is dedented")
            << QStringLiteral("1. Install:\n    ```sh\n    make\n      install\n    ```\n2. Run")
            << QList{prose("1. Install:"), code("make\n  install", "sh"), prose("2. Run")};
        QTest::newRow("two blocks, empty block") << QStringLiteral("```c\n```\n```go\nx\n```")
                                                 << QList{code("", "c"), code("x", "go")};
        QTest::newRow("CRLF") << QStringLiteral("a\r\n```py\r\nx\r\n```\r\n") << QList{prose("a"), code("x", "py")};
    }
    void split()
    {
        QFETCH(QString, markdown);
        QFETCH(QList<MarkdownSegment>, expected);
        const QList<MarkdownSegment> got = splitMarkdown(markdown);
        QCOMPARE(got.size(), expected.size());
        for (qsizetype i = 0; i < got.size(); ++i) {
            QCOMPARE(got[i].kind, expected[i].kind);
            QCOMPARE(got[i].text, expected[i].text);
            QCOMPARE(got[i].language, expected[i].language);
            QCOMPARE(got[i].closed, expected[i].closed);
        }
    }

    // Every prefix of a streamed answer splits without losing or duplicating text, and the
    // segments already complete never change as more text arrives.
    void streamingPrefixesAreStable()
    {
        const QString answer = QStringLiteral(
            "Intro with `code`.\n\n```python\ndef f():\n    return \"```\"\n```\nMiddle\n````md\n```js\nx\n```\n````\nEnd.");
        const QList<MarkdownSegment> final = splitMarkdown(answer);
        QCOMPARE(final.size(), 5);
        for (qsizetype n = 1; n <= answer.size(); ++n) {
            const QList<MarkdownSegment> part = splitMarkdown(answer.left(n), true);
            for (qsizetype i = 0; i + 1 < part.size(); ++i) // all but the growing last one
                QVERIFY2(part[i] == final[i], qPrintable(QStringLiteral("prefix %1, segment %2").arg(n).arg(i)));
        }
    }

    void fenceLanguageChangesWhileStreaming()
    {
        // The opening line grows: the block is code from the first three backticks on, and
        // its language follows what has been written so far.
        QCOMPARE(splitMarkdown(QStringLiteral("Text\n```"), true).size(), 1); // may still be a longer run: held back
        QCOMPARE(splitMarkdown(QStringLiteral("Text\n```"), true)[0], prose("Text"));
        auto s = splitMarkdown(QStringLiteral("Text\n```ru"), true);
        QCOMPARE(s.size(), 2);
        QCOMPARE(s[1], code("", "ru", false));
        s = splitMarkdown(QStringLiteral("Text\n```rust\n"), true);
        QCOMPARE(s[1], code("", "rust", false));
        s = splitMarkdown(QStringLiteral("Text\n```rust\nfn main() {}\n``"), true);
        QCOMPARE(s[1], code("fn main() {}", "rust", false)); // the half closing fence is not shown as code
        s = splitMarkdown(QStringLiteral("Text\n```rust\nfn main() {}\n``"), false);
        QCOMPARE(s[1], code("fn main() {}\n``", "rust", false)); // a finished answer keeps every character
        s = splitMarkdown(QStringLiteral("Text\n```rust\nfn main() {}\n```"), false);
        QCOMPARE(s[1], code("fn main() {}", "rust", true));
    }

    void heldBackOnlyWhileStreaming()
    {
        QCOMPARE(splitMarkdown(QStringLiteral("Look: \n`"), true), QList{prose("Look: ")});
        QCOMPARE(splitMarkdown(QStringLiteral("Look: \n`"), false), QList{prose("Look: \n`")});
        QVERIFY(splitMarkdown(QString()).isEmpty());
        QVERIFY(splitMarkdown(QStringLiteral("\n\n  \n")).isEmpty());
    }
};

QTEST_GUILESS_MAIN(TestMarkdownSegments)
#include "tst_markdown_segments.moc"
