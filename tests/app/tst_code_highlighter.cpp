// Code highlighting: each supported language colours its keywords, strings, comments,
// numbers and types; the output escapes everything; unknown languages stay plain.
#include "app/code_highlighter.h"

#include <QRegularExpression>
#include <QTest>

using namespace enclave::app;

namespace {
// The kind of the token covering exactly `word`'s first occurrence in `code` (Plain if none).
TokenKind kindOf(const QString &code, const QString &language, const QString &word, int occurrence = 0)
{
    qsizetype at = -1;
    for (int i = 0; i <= occurrence; ++i)
        at = code.indexOf(word, at + 1);
    Q_ASSERT(at >= 0);
    for (const CodeToken &t : tokenizeCode(code, language))
        if (t.start == at && t.length == word.size())
            return t.kind;
    return TokenKind::Plain;
}
} // namespace

Q_DECLARE_METATYPE(TokenKind)

class TestCodeHighlighter : public QObject {
    Q_OBJECT
private slots:
    void languages_data()
    {
        QTest::addColumn<QString>("language");
        QTest::addColumn<QString>("code");
        QTest::addColumn<QString>("word");
        QTest::addColumn<TokenKind>("kind");
        const auto row = [](const char *name, const char *lang, const char *code, const char *word, TokenKind kind) {
            QTest::newRow(name) << QString::fromUtf8(lang) << QString::fromUtf8(code) << QString::fromUtf8(word) << kind;
        };
        using K = TokenKind;
        row("c keyword", "c", "static int x = 0x1F; // hex", "static", K::Keyword);
        row("c type", "c", "static int x = 0x1F; // hex", "int", K::Type);
        row("c hex number", "c", "static int x = 0x1F; // hex", "0x1F", K::Number);
        row("c comment", "c", "static int x = 0x1F; // hex", "// hex", K::Comment);
        row("c directive", "h", "#include <stdio.h>\n", "#include", K::Keyword);
        row("cpp block comment", "c++", "/* a\nb */ auto s = \"x\";", "/* a\nb */", K::Comment);
        row("cpp string", "cpp", "auto s = \"a\\\"b\";", "\"a\\\"b\"", K::String);
        row("cpp class name", "cpp", "std::vector<Foo> v;", "Foo", K::Type);
        row("cpp float", "cpp", "float f = 1.5e-3f;", "1.5e-3f", K::Number);
        row("python keyword", "py", "def f(x):\n    return None  # done", "def", K::Keyword);
        row("python builtin", "python", "def f(x):\n    return None  # done", "None", K::Type);
        row("python comment", "python", "def f(x):\n    return None  # done", "# done", K::Comment);
        row("python docstring", "python", "\"\"\"Doc\nstring\"\"\"\nx = 1", "\"\"\"Doc\nstring\"\"\"", K::String);
        row("python decorator", "python", "@cache\ndef f(): pass", "@cache", K::Type);
        row("js template string", "js", "const s = `a\n${b}`;", "`a\n${b}`", K::String);
        row("js keyword", "javascript", "const s = `a`;", "const", K::Keyword);
        row("ts type", "ts", "let n: number = 3;", "number", K::Type);
        row("ts interface", "typescript", "interface A {}", "interface", K::Keyword);
        row("rust lifetime is not a string", "rust", "fn f<'a>(x: &'a str) -> char { 'x' }", "'x'", K::String);
        row("rust keyword", "rs", "fn f<'a>(x: &'a str) {}", "fn", K::Keyword);
        row("rust type", "rust", "let v: Vec<u8> = Vec::new();", "u8", K::Type);
        row("go keyword", "go", "func main() { defer f() }", "defer", K::Keyword);
        row("go raw string", "golang", "s := `raw\nline`", "`raw\nline`", K::String);
        row("java annotation", "java", "@Override public String toString()", "@Override", K::Type);
        row("java keyword", "java", "@Override public String toString()", "public", K::Keyword);
        row("bash variable", "bash", "echo \"$HOME\" ${PATH} # note", "${PATH}", K::Type);
        row("bash comment", "sh", "echo \"$HOME\" ${PATH} # note", "# note", K::Comment);
        row("json key", "json", "{\"name\": \"x\", \"n\": -1.5, \"ok\": true}", "\"name\"", K::Keyword);
        row("json value", "json", "{\"name\": \"x\", \"n\": 1.5, \"ok\": true}", "\"x\"", K::String);
        row("json number", "json", "{\"name\": \"x\", \"n\": 1.5, \"ok\": true}", "1.5", K::Number);
        row("json literal", "json", "{\"name\": \"x\", \"n\": 1.5, \"ok\": true}", "true", K::Type);
        row("sql keyword any case", "sql", "Select name FROM t WHERE id = 1; -- one", "Select", K::Keyword);
        row("sql comment", "sql", "SELECT 1; -- one", "-- one", K::Comment);
        row("sql function", "sqlite", "SELECT count(*) FROM t", "count", K::Type);
        row("html tag", "html", "<a href=\"/x\">link</a> <!-- c -->", "<a", K::Keyword);
        row("html attribute", "html", "<a href=\"/x\">link</a>", "href", K::Type);
        row("html value", "html", "<a href=\"/x\">link</a>", "\"/x\"", K::String);
        row("html comment", "html", "<a href=\"/x\">link</a> <!-- c -->", "<!-- c -->", K::Comment);
        row("xml closing tag", "xml", "<r><v>1</v></r>", "</v", K::Keyword);
        row("xml entity", "xml", "<r>&amp;</r>", "&amp;", K::Number);
        row("css property", "css", "a:hover { color: #fff; margin: 0 4px; }", "color", K::Keyword);
        row("css selector is not a property", "css", "a:hover { color: #fff; }", "a", K::Plain);
        row("css colour", "css", "a { color: #fff; }", "#fff", K::Number);
        row("css unit number", "css", "a { margin: 4px; }", "4px", K::Number);
        row("css at-rule", "scss", "@media (max-width: 600px) {}", "@media", K::Keyword);
        row("yaml key", "yaml", "name: app\nenabled: true # on\n", "name", K::Keyword);
        row("yaml literal", "yml", "name: app\nenabled: true # on\n", "true", K::Type);
        row("yaml comment", "yaml", "name: app\nenabled: true # on\n", "# on", K::Comment);
        row("number inside a word is not a number", "c", "int x1 = 2;", "x1", K::Plain);
    }
    void languages()
    {
        QFETCH(QString, language);
        QFETCH(QString, code);
        QFETCH(QString, word);
        QFETCH(TokenKind, kind);
        QCOMPARE(kindOf(code, language, word), kind);
    }

    void tokensAreOrderedAndInside()
    {
        const QString code = QStringLiteral("int main() { /* unterminated\n return \"x");
        qsizetype end = 0;
        for (const CodeToken &t : tokenizeCode(code, QStringLiteral("c"))) {
            QVERIFY(t.start >= end);
            QVERIFY(t.length > 0);
            end = t.start + t.length;
        }
        QVERIFY(end <= code.size());
    }

    void shellHashInsideAWordIsNoComment()
    {
        for (const CodeToken &t : tokenizeCode(QStringLiteral("echo a#b"), QStringLiteral("shell")))
            QVERIFY(t.kind != TokenKind::Comment);
        QCOMPARE(tokenizeCode(QStringLiteral("x # c"), QStringLiteral("shell")).last().kind, TokenKind::Comment);
    }

    void unknownLanguageIsPlain()
    {
        QVERIFY(tokenizeCode(QStringLiteral("if x then y"), QStringLiteral("brainfart")).isEmpty());
        QCOMPARE(canonicalLanguage(QStringLiteral("brainfart")), QString());
        QCOMPARE(languageLabel(QStringLiteral("brainfart")), QStringLiteral("brainfart"));
        QCOMPARE(languageLabel(QStringLiteral("py")), QStringLiteral("Python"));
        QCOMPARE(canonicalLanguage(QStringLiteral("C++")), QStringLiteral("cpp"));
        QCOMPARE(highlightCode(QStringLiteral("a < b"), QStringLiteral("brainfart"), false),
                 QStringLiteral("<pre style=\"margin-top:0; margin-bottom:0;\">a &lt; b</pre>"));
    }

    void everythingIsEscaped()
    {
        const QString hostile = QStringLiteral("<img src=\"http://x/y.png\"> & </pre><b>\"q\"</b> <!-- <script> -->");
        for (const char *language : {"html", "xml", "js", "python", "nothing"}) {
            const QString html = highlightCode(hostile, QString::fromLatin1(language), true);
            QVERIFY2(!html.contains(QStringLiteral("<img")), language);
            QVERIFY2(!html.contains(QStringLiteral("<b>")), language);
            QVERIFY2(!html.contains(QStringLiteral("<script")), language);
            QCOMPARE(html.count(QStringLiteral("</pre>")), 1);
            // Removing the markup we add gives back the escaped code exactly.
            QString stripped = html;
            stripped.remove(QRegularExpression(QStringLiteral("<span style=\"[^\"]*\">|</span>|<pre[^>]*>|</pre>")));
            QCOMPARE(stripped, hostile.toHtmlEscaped());
        }
    }

    void themesDiffer()
    {
        const QString code = QStringLiteral("return 1;");
        const QString light = highlightCode(code, QStringLiteral("c"), false);
        const QString dark = highlightCode(code, QStringLiteral("c"), true);
        QVERIFY(light.contains(QStringLiteral("<span style=\"color:#")));
        QVERIFY(light != dark);
    }
};

QTEST_GUILESS_MAIN(TestCodeHighlighter)
#include "tst_code_highlighter.moc"
