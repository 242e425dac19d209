// Code highlighting: one table row per language, one generic scanner, and a small markup
// scanner for HTML/XML. Aliases and keyword lists are the only per-language knowledge.
#include "app/code_highlighter.h"

#include <QHash>
#include <QSet>
#include <QStringList>
#include <cstring>

namespace enclave::app {
namespace {

enum Flag : unsigned {
    kCaseInsensitive = 1u << 0,   // SQL
    kTripleQuotes = 1u << 1,      // Python """docstrings"""
    kHashNeedsSpace = 1u << 2,    // shell: # starts a comment only at a word's start
    kDollarVariables = 1u << 3,   // shell: $HOME, ${x}, $1
    kKeysBeforeColon = 1u << 4,   // JSON, YAML: the key of `key: value` is coloured as a keyword
    kDashInWords = 1u << 5,       // CSS and YAML words contain -
    kCapitalizedTypes = 1u << 6,  // Java, Rust, TS...: CamelCase names are types
    kAtWordIsKeyword = 1u << 7,   // CSS @media
    kAtWordIsType = 1u << 8,      // @decorator, @Annotation
    kHashColours = 1u << 9,       // CSS #fff
    kRustChars = 1u << 10,        // 'a' is a char, 'a alone a lifetime
    kMarkup = 1u << 11,           // HTML/XML: tags, attributes, entities
    kBacktickSpansLines = 1u << 12,
};

struct Language {
    const char *id;
    const char *label;
    const char *aliases;  // space separated, besides the id
    const char *keywords; // space separated
    const char *types;    // types, builtins and literals
    const char *lineComments;
    const char *blockOpen;
    const char *blockClose;
    const char *quotes;
    unsigned flags;
};

constexpr const char *kCKeywords =
    "auto break case const continue default do else enum extern for goto if inline register restrict return "
    "sizeof static struct switch typedef union volatile while _Alignas _Atomic _Static_assert #include #define "
    "#ifdef #ifndef #endif #if #else #elif #pragma #undef";
constexpr const char *kCTypes =
    "char double float int long short signed unsigned void bool size_t ssize_t int8_t int16_t int32_t int64_t "
    "uint8_t uint16_t uint32_t uint64_t uintptr_t FILE NULL true false stdin stdout stderr printf malloc free";

const Language kLanguages[] = {
    {"c", "C", "h", kCKeywords, kCTypes, "//", "/*", "*/", "\"'", 0},
    {"cpp", "C++", "c++ cc cxx hpp hxx hh cu cuda",
     "alignas alignof auto break case catch class co_await co_return co_yield concept const consteval constexpr "
     "constinit const_cast continue decltype default delete do dynamic_cast else enum explicit export extern for "
     "friend goto if inline mutable namespace new noexcept operator override final private protected public "
     "register reinterpret_cast requires return sizeof static static_assert static_cast struct switch template "
     "this throw try typedef typeid typename union using virtual volatile while #include #define #ifdef #ifndef "
     "#endif #if #else #elif #pragma #undef",
     "bool char char8_t char16_t char32_t double float int long short signed unsigned void wchar_t size_t "
     "int8_t int16_t int32_t int64_t uint8_t uint16_t uint32_t uint64_t nullptr true false std string vector "
     "map unordered_map unique_ptr shared_ptr optional span string_view array cout cerr endl",
     "//", "/*", "*/", "\"'", kCapitalizedTypes},
    {"python", "Python", "py python3 py3 gyp",
     "and as assert async await break class continue def del elif else except finally for from global if import "
     "in is lambda nonlocal not or pass raise return try while with yield match case",
     "True False None self cls int float str bool list dict set tuple bytes object type len range print open "
     "isinstance enumerate zip map filter sorted sum min max abs super Exception ValueError TypeError KeyError",
     "#", "", "", "\"'", kTripleQuotes | kAtWordIsType | kCapitalizedTypes},
    {"javascript", "JavaScript", "js jsx mjs cjs node",
     "async await break case catch class const continue debugger default delete do else export extends finally "
     "for function if import in instanceof let new of return static super switch this throw try typeof var void "
     "while with yield from as get set",
     "true false null undefined NaN Infinity console window document Math JSON Object Array String Number Boolean "
     "Promise Map Set Symbol Error RegExp Date parseInt parseFloat require module exports",
     "//", "/*", "*/", "\"'`", kCapitalizedTypes | kBacktickSpansLines},
    {"typescript", "TypeScript", "ts tsx mts cts",
     "abstract as async await break case catch class const continue declare default delete do else enum export "
     "extends finally for from function if implements import in instanceof interface keyof let namespace new of "
     "private protected public readonly return satisfies static super switch this throw try type typeof var "
     "void while yield",
     "true false null undefined any unknown never number string boolean bigint symbol object console Promise "
     "Array Record Partial Readonly Map Set Error JSON Math",
     "//", "/*", "*/", "\"'`", kCapitalizedTypes | kAtWordIsType | kBacktickSpansLines},
    {"rust", "Rust", "rs",
     "as async await break const continue crate dyn else enum extern fn for if impl in let loop match mod move "
     "mut pub ref return self Self static struct super trait type unsafe use where while macro_rules",
     "bool char f32 f64 i8 i16 i32 i64 i128 isize u8 u16 u32 u64 u128 usize str String Vec Option Result Box "
     "Some None Ok Err true false println print format vec panic assert assert_eq",
     "//", "/*", "*/", "\"'", kCapitalizedTypes | kRustChars},
    {"go", "Go", "golang",
     "break case chan const continue default defer else fallthrough for func go goto if import interface map "
     "package range return select struct switch type var",
     "bool byte complex64 complex128 error float32 float64 int int8 int16 int32 int64 rune string uint uint8 "
     "uint16 uint32 uint64 uintptr true false nil iota append cap close copy delete len make new panic print "
     "println recover fmt",
     "//", "/*", "*/", "\"'`", kBacktickSpansLines},
    {"java", "Java", "kotlin kt",
     "abstract assert break case catch class const continue default do else enum extends final finally for goto "
     "if implements import instanceof interface native new package private protected public return static "
     "strictfp super switch synchronized this throw throws transient try volatile while var record yield",
     "boolean byte char double float int long short void true false null String Object Integer Long Double "
     "List Map Set ArrayList HashMap System Override",
     "//", "/*", "*/", "\"'", kCapitalizedTypes | kAtWordIsType},
    {"bash", "Shell", "sh shell zsh ksh console shellsession terminal",
     "if then else elif fi for while until do done case esac in function return select break continue local "
     "export readonly declare unset set shift source exit trap",
     "echo printf cd ls cat grep sed awk find xargs sudo apt apt-get git make cmake ninja mkdir rm cp mv chmod "
     "chown curl wget tar python3 pip test read eval exec true false",
     "#", "", "", "\"'", kHashNeedsSpace | kDollarVariables},
    {"json", "JSON", "jsonc json5", "", "true false null", "//", "/*", "*/", "\"", kKeysBeforeColon},
    {"sql", "SQL", "sqlite postgres postgresql mysql psql plsql",
     "select from where and or not insert into values update set delete create table drop alter add column index "
     "view trigger primary key foreign references join left right inner outer full cross on as group by order "
     "having limit offset union all distinct case when then else end is null like in between exists begin "
     "commit rollback transaction with recursive default unique check constraint asc desc if replace pragma",
     "integer int bigint smallint text varchar char real double float numeric decimal boolean blob date "
     "timestamp true false count sum avg min max coalesce ifnull length lower upper substr now",
     "--", "/*", "*/", "'\"`", kCaseInsensitive},
    {"html", "HTML", "htm xhtml vue svelte", "", "", "", "<!--", "-->", "\"'", kMarkup},
    {"xml", "XML", "svg xsd xsl plist qrc ui", "", "", "", "<!--", "-->", "\"'", kMarkup},
    {"css", "CSS", "scss less",
     "important media import font-face keyframes supports charset",
     "px em rem vh vw fr deg ms s auto none inherit initial unset block inline flex grid absolute relative fixed "
     "solid dashed bold normal transparent rgb rgba hsl var calc",
     "//", "/*", "*/", "\"'", kDashInWords | kAtWordIsKeyword | kHashColours | kKeysBeforeColon},
    {"yaml", "YAML", "yml", "", "true false null yes no on off True False", "#", "", "", "\"'",
     kKeysBeforeColon | kDashInWords | kHashNeedsSpace},
};

const Language *findLanguage(const QString &fenceLanguage)
{
    static const QHash<QString, const Language *> byName = [] {
        QHash<QString, const Language *> map;
        for (const Language &l : kLanguages) {
            map.insert(QLatin1String(l.id), &l);
            for (const QString &alias : QString::fromLatin1(l.aliases).split(QLatin1Char(' '), Qt::SkipEmptyParts))
                map.insert(alias, &l);
        }
        return map;
    }();
    return byName.value(fenceLanguage.trimmed().toLower(), nullptr);
}

// The keyword and type sets of a language, built once.
struct WordSets {
    QSet<QString> keywords, types;
};

const WordSets &wordSets(const Language &l)
{
    static QHash<const Language *, WordSets> cache;
    auto it = cache.find(&l);
    if (it == cache.end()) {
        const bool lower = l.flags & kCaseInsensitive;
        const auto words = [lower](const char *list) {
            QSet<QString> set;
            for (const QString &w : QString::fromLatin1(list).split(QLatin1Char(' '), Qt::SkipEmptyParts))
                set.insert(lower ? w.toLower() : w);
            return set;
        };
        it = cache.insert(&l, {words(l.keywords), words(l.types)});
    }
    return *it;
}

bool isWordStart(QChar c) { return c.isLetter() || c == QLatin1Char('_'); }
bool isWordChar(QChar c, bool dash) { return c.isLetterOrNumber() || c == QLatin1Char('_') || (dash && c == QLatin1Char('-')); }

class Scanner {
public:
    Scanner(const QString &code, const Language &language)
        : m_code(code), m_lang(language), m_words(wordSets(language)), m_flags(language.flags)
    {
    }

    QList<CodeToken> run()
    {
        while (m_i < m_code.size())
            (m_flags & kMarkup) ? stepMarkup() : step();
        return m_tokens;
    }

private:
    QChar at(qsizetype i) const { return i < m_code.size() ? m_code[i] : QChar(); }
    bool startsWith(const char *s) const { return *s && QStringView(m_code).mid(m_i).startsWith(QLatin1String(s)); }
    void emitToken(qsizetype start, qsizetype end, TokenKind kind)
    {
        if (end > start)
            m_tokens.append({start, end - start, kind});
        m_i = end;
    }
    qsizetype lineEnd(qsizetype from) const
    {
        const qsizetype nl = m_code.indexOf(QLatin1Char('\n'), from);
        return nl < 0 ? m_code.size() : nl;
    }
    qsizetype until(const char *close, qsizetype from) const
    {
        const qsizetype found = m_code.indexOf(QLatin1String(close), from);
        return found < 0 ? m_code.size() : found + qsizetype(strlen(close));
    }
    // Whether the next non-blank character after `from` on this line is ':'.
    bool colonFollows(qsizetype from) const
    {
        while (from < m_code.size() && (m_code[from] == QLatin1Char(' ') || m_code[from] == QLatin1Char('\t')))
            ++from;
        return at(from) == QLatin1Char(':');
    }
    bool atWordBoundary() const { return m_i == 0 || !isWordChar(m_code[m_i - 1], m_flags & kDashInWords); }

    bool lineComment()
    {
        for (const QString &marker : QString::fromLatin1(m_lang.lineComments).split(QLatin1Char(' '), Qt::SkipEmptyParts)) {
            if (!QStringView(m_code).mid(m_i).startsWith(marker))
                continue;
            if ((m_flags & kHashNeedsSpace) && m_i > 0 && !m_code[m_i - 1].isSpace())
                return false;
            emitToken(m_i, lineEnd(m_i), TokenKind::Comment);
            return true;
        }
        return false;
    }

    void string(QChar quote)
    {
        const qsizetype start = m_i;
        qsizetype j = m_i + 1;
        const bool multiLine = quote == QLatin1Char('`') && (m_flags & kBacktickSpansLines);
        while (j < m_code.size() && m_code[j] != quote && (multiLine || m_code[j] != QLatin1Char('\n')))
            j += m_code[j] == QLatin1Char('\\') ? 2 : 1;
        const qsizetype end = std::min(m_code.size(), j + (at(j) == quote ? 1 : 0));
        const bool key = (m_flags & kKeysBeforeColon) && colonFollows(end);
        emitToken(start, end, key ? TokenKind::Keyword : TokenKind::String);
    }

    void number()
    {
        const qsizetype start = m_i;
        qsizetype j = m_i;
        const bool hex = at(j) == QLatin1Char('0') && (at(j + 1) == QLatin1Char('x') || at(j + 1) == QLatin1Char('X'));
        while (j < m_code.size()) {
            const QChar c = m_code[j];
            const bool exponentSign = !hex && (c == QLatin1Char('+') || c == QLatin1Char('-')) &&
                                      (m_code[j - 1] == QLatin1Char('e') || m_code[j - 1] == QLatin1Char('E'));
            if (!(c.isLetterOrNumber() || c == QLatin1Char('_') || c == QLatin1Char('.') || c == QLatin1Char('\'') || exponentSign) ||
                (c == QLatin1Char('.') && !at(j + 1).isDigit()) || (c == QLatin1Char('\'') && !(m_flags & kCapitalizedTypes)))
                break;
            if (c == QLatin1Char('\'') && !at(j + 1).isDigit())
                break; // C++ digit separators only
            ++j;
        }
        emitToken(start, j, TokenKind::Number);
    }

    void word()
    {
        const qsizetype start = m_i;
        qsizetype j = m_i + 1;
        while (j < m_code.size() && isWordChar(m_code[j], m_flags & kDashInWords))
            ++j;
        const QString w = m_code.mid(start, j - start);
        const QString key = (m_flags & kCaseInsensitive) ? w.toLower() : w;
        TokenKind kind = TokenKind::Plain;
        if ((m_flags & kKeysBeforeColon) && colonFollows(j) && !((m_flags & kHashColours) && m_braceDepth == 0))
            kind = TokenKind::Keyword;
        else if (m_words.keywords.contains(key))
            kind = TokenKind::Keyword;
        else if (m_words.types.contains(key))
            kind = TokenKind::Type;
        else if ((m_flags & kCapitalizedTypes) && w.size() > 1 && w[0].isUpper() && w.toUpper() != w)
            kind = TokenKind::Type;
        emitToken(start, j, kind);
    }

    void step()
    {
        const QChar c = m_code[m_i];
        if (startsWith(m_lang.blockOpen))
            return emitToken(m_i, until(m_lang.blockClose, m_i + qsizetype(strlen(m_lang.blockOpen))), TokenKind::Comment);
        if ((m_flags & kTripleQuotes) && (startsWith("\"\"\"") || startsWith("'''")))
            return emitToken(m_i, until(startsWith("\"\"\"") ? "\"\"\"" : "'''", m_i + 3), TokenKind::String);
        if ((m_flags & kHashColours) && c == QLatin1Char('#') && m_braceDepth > 0 && at(m_i + 1).isLetterOrNumber()) {
            qsizetype j = m_i + 1;
            while (j < m_code.size() && m_code[j].isLetterOrNumber())
                ++j;
            return emitToken(m_i, j, TokenKind::Number);
        }
        if (lineComment())
            return;
        if (c == QLatin1Char('{'))
            ++m_braceDepth;
        else if (c == QLatin1Char('}') && m_braceDepth > 0)
            --m_braceDepth;
        if (QString::fromLatin1(m_lang.quotes).contains(c)) {
            const bool rustLifetime = (m_flags & kRustChars) && c == QLatin1Char('\'') && at(m_i + 1) != QLatin1Char('\\') &&
                                      at(m_i + 2) != QLatin1Char('\'');
            if (!rustLifetime)
                return string(c);
        }
        if ((m_flags & kDollarVariables) && c == QLatin1Char('$')) {
            qsizetype j = m_i + 1;
            if (at(j) == QLatin1Char('{'))
                j = until("}", j);
            else if (at(j).isDigit() || QStringLiteral("@*#?$!-").contains(at(j)))
                ++j;
            else
                while (j < m_code.size() && isWordChar(m_code[j], false))
                    ++j;
            return emitToken(m_i, std::max(j, m_i + 1), j > m_i + 1 ? TokenKind::Type : TokenKind::Plain);
        }
        if (c == QLatin1Char('@') && (m_flags & (kAtWordIsKeyword | kAtWordIsType)) && isWordStart(at(m_i + 1))) {
            qsizetype j = m_i + 1;
            while (j < m_code.size() && isWordChar(m_code[j], m_flags & kDashInWords))
                ++j;
            return emitToken(m_i, j, (m_flags & kAtWordIsKeyword) ? TokenKind::Keyword : TokenKind::Type);
        }
        if (atWordBoundary() && (c.isDigit() || (c == QLatin1Char('.') && at(m_i + 1).isDigit())))
            return number();
        if (isWordStart(c) || (c == QLatin1Char('#') && m_words.keywords.contains(QStringLiteral("#include")) && isWordStart(at(m_i + 1)))) {
            if (c == QLatin1Char('#')) { // a preprocessor directive is one word with its #
                qsizetype j = m_i + 1;
                while (j < m_code.size() && isWordChar(m_code[j], false))
                    ++j;
                const bool directive = m_words.keywords.contains(m_code.mid(m_i, j - m_i));
                return emitToken(m_i, j, directive ? TokenKind::Keyword : TokenKind::Plain);
            }
            return word();
        }
        ++m_i;
    }

    void stepMarkup()
    {
        const QChar c = m_code[m_i];
        if (startsWith("<!--"))
            return emitToken(m_i, until("-->", m_i + 4), TokenKind::Comment);
        if (c == QLatin1Char('&')) {
            qsizetype j = m_i + 1;
            while (j < m_code.size() && (m_code[j].isLetterOrNumber() || m_code[j] == QLatin1Char('#')))
                ++j;
            if (at(j) == QLatin1Char(';'))
                return emitToken(m_i, j + 1, TokenKind::Number);
        }
        if (c == QLatin1Char('<') && (isWordStart(at(m_i + 1)) || QStringLiteral("/!?").contains(at(m_i + 1))))
            return tag();
        ++m_i;
    }

    // <name attr="value" ...> : the name is a keyword, attributes are types, values strings.
    void tag()
    {
        qsizetype j = m_i + 1;
        if (QStringLiteral("/!?").contains(at(j)))
            ++j;
        while (j < m_code.size() && (isWordChar(m_code[j], true) || m_code[j] == QLatin1Char(':') || m_code[j] == QLatin1Char('.')))
            ++j;
        emitToken(m_i, j, TokenKind::Keyword);
        while (m_i < m_code.size() && m_code[m_i] != QLatin1Char('>') && m_code[m_i] != QLatin1Char('<')) {
            const QChar c = m_code[m_i];
            if (c == QLatin1Char('"') || c == QLatin1Char('\'')) {
                const qsizetype close = m_code.indexOf(c, m_i + 1);
                emitToken(m_i, close < 0 ? m_code.size() : close + 1, TokenKind::String);
            } else if (isWordStart(c)) {
                qsizetype k = m_i;
                while (k < m_code.size() && (isWordChar(m_code[k], true) || m_code[k] == QLatin1Char(':')))
                    ++k;
                emitToken(m_i, k, TokenKind::Type);
            } else {
                ++m_i;
            }
        }
        if (m_i < m_code.size() && m_code[m_i] == QLatin1Char('>'))
            ++m_i;
    }

    const QString &m_code;
    const Language &m_lang;
    const WordSets &m_words;
    const unsigned m_flags;
    qsizetype m_i = 0;
    int m_braceDepth = 0; // CSS: inside a rule's { } a `word:` is a property, outside a selector
    QList<CodeToken> m_tokens;
};

struct Palette {
    const char *keyword, *string, *comment, *number, *type;
};
constexpr Palette kLight{"#a626a4", "#3d7e2e", "#6b7280", "#b45309", "#0f6f8a"};
constexpr Palette kDark{"#d58bf0", "#a3d68a", "#8b939e", "#e5a36b", "#5fc4d4"};

const char *colour(TokenKind kind, const Palette &p)
{
    switch (kind) {
    case TokenKind::Keyword: return p.keyword;
    case TokenKind::String: return p.string;
    case TokenKind::Comment: return p.comment;
    case TokenKind::Number: return p.number;
    case TokenKind::Type: return p.type;
    case TokenKind::Plain: break;
    }
    return nullptr;
}

} // namespace

QString canonicalLanguage(const QString &fenceLanguage)
{
    const Language *l = findLanguage(fenceLanguage);
    return l ? QLatin1String(l->id) : QString();
}

QString languageLabel(const QString &fenceLanguage)
{
    const Language *l = findLanguage(fenceLanguage);
    return l ? QLatin1String(l->label) : fenceLanguage.trimmed();
}

QList<CodeToken> tokenizeCode(const QString &code, const QString &fenceLanguage)
{
    const Language *l = findLanguage(fenceLanguage);
    if (!l)
        return {};
    QList<CodeToken> tokens = Scanner(code, *l).run();
    tokens.removeIf([](const CodeToken &t) { return t.kind == TokenKind::Plain; });
    return tokens;
}

QString highlightCode(const QString &code, const QString &fenceLanguage, bool dark)
{
    const Palette &palette = dark ? kDark : kLight;
    QString html = QStringLiteral("<pre style=\"margin-top:0; margin-bottom:0;\">");
    qsizetype at = 0;
    for (const CodeToken &t : tokenizeCode(code, fenceLanguage)) {
        html += code.mid(at, t.start - at).toHtmlEscaped();
        html += QStringLiteral("<span style=\"color:%1%2\">%3</span>")
                    .arg(QLatin1String(colour(t.kind, palette)),
                         t.kind == TokenKind::Comment ? QStringLiteral("; font-style:italic") : QString(),
                         code.mid(t.start, t.length).toHtmlEscaped());
        at = t.start + t.length;
    }
    html += code.mid(at).toHtmlEscaped();
    html += QStringLiteral("</pre>");
    return html;
}

} // namespace enclave::app
