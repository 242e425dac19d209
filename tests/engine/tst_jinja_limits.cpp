// Hostile chat templates (they come inside downloaded model files): each class of attack a security
// review found by mutating real templates must end in a TemplateError, never in a crash, a hang or an
// exhausted stack or memory. Plus: edge cases that must give Python's answer, and the real templates
// rendering a long conversation well inside the limits.
#include "engine/text/chat_template.h"
#include "engine/text/jinja_limits.h"

#include <QtTest>

#include <nlohmann/json.hpp>

#include <fstream>
#include <sstream>

using namespace enclave;
using OrderedJson = nlohmann::ordered_json;

namespace {

const std::string kDataDir = std::string(ENCLAVE_TEST_DATA_DIR) + "/chat_templates/";
const std::string kRefpack = ENCLAVE_REFPACK_DIR;
const std::string kMin = "(-9223372036854775807-1)"; // INT64_MIN has no literal of its own
constexpr int kChain = 100000; // links of the long chains
constexpr int kShortChain = 10000; // links of chains whose links are long (the source stays under 1 MiB)
constexpr int kLongConversation = 1000; // messages of about 100 tokens: a 100k-token conversation
constexpr int64_t kMarginFactor = 20; // such a conversation must use less than 1/20 of each limit

std::string repeated(const std::string &piece, int times)
{
    std::string out;
    for (int i = 0; i < times; ++i)
        out += piece;
    return out;
}

std::string readFile(const std::string &path)
{
    std::ifstream in(path, std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

// Parses and renders; returns the error's text, or "rendered: <output>" when there was none.
std::string outcome(const std::string &source, const OrderedJson &context = OrderedJson::object())
{
    try {
        return "rendered: " + ChatTemplate::parse(source).render(context);
    } catch (const TemplateError &e) {
        return e.what();
    }
}

void addRow(const char *name, const std::string &source, const char *error)
{
    QTest::newRow(name) << QString::fromStdString(source) << QString(error);
}

// Every row of the current test must fail with a TemplateError that contains its `error` column (or
// one of its '|'-separated alternatives).
void verifyFails()
{
    QFETCH(QString, source);
    QFETCH(QString, error);
    const std::string got = outcome(source.toStdString());
    QVERIFY2(got.rfind("rendered: ", 0) != 0, ("no error, " + got.substr(0, 200)).c_str());
    const QStringList alternatives = error.split('|');
    QVERIFY2(std::any_of(alternatives.begin(), alternatives.end(),
                         [&](const QString &e) { return got.find(e.toStdString()) != std::string::npos; }),
             got.c_str());
}

} // namespace

class TestJinjaLimits : public QObject {
    Q_OBJECT

private slots:
    void integerOverflow_data()
    {
        QTest::addColumn<QString>("source");
        QTest::addColumn<QString>("error");
        addRow("floordiv", "{{ " + kMin + " // -1 }}", "integer overflow");
        addRow("negate", "{{ -" + kMin + " }}", "integer overflow");
        addRow("negate variable", "{% set x = " + kMin + " %}{{ -x }}", "integer overflow");
        addRow("add", "{{ 9223372036854775807 + 1 }}", "integer overflow");
        addRow("subtract", "{{ " + kMin + " - 1 }}", "integer overflow");
        addRow("multiply", "{{ 4611686018427387904 * 2 }}", "integer overflow");
        addRow("multiply negative", "{{ " + kMin + " * -1 }}", "integer overflow");
        addRow("sum", "{{ [9223372036854775807, 1]|sum }}", "integer overflow");
        addRow("sum start", "{{ [1]|sum(start=9223372036854775807) }}", "integer overflow");
        addRow("abs", "{{ " + kMin + "|abs }}", "integer overflow");
        addRow("division by zero", "{{ 1 // 0 }}", "division or modulo by zero");
        addRow("modulo by zero", "{{ " + kMin + " % 0 }}", "division or modulo by zero");
        addRow("true division by zero", "{{ 1 / 0 }}", "division by zero");
        addRow("range length", "{{ range(" + kMin + ", 9223372036854775807)|length }}", "range too big");
        addRow("range reversed", "{{ range(9223372036854775807, " + kMin + ", -1)|length }}", "range too big");
        addRow("range counting", "{{ range(9223372036854775807)|length }}", "range too big");
        addRow("float to int", "{{ 1e300|int }}", "cannot convert float");
        addRow("string float to int", "{{ '1e300'|int }}", "cannot convert float");
        addRow("percent d", "{{ '%d' % 1e300 }}", "cannot convert float");
        addRow("width argument", "{{ 'x'|center(1e300) }}", "cannot convert float");
        addRow("literal", "{{ 9223372036854775808 }}", "out of the 64-bit range");
    }
    void integerOverflow() { verifyFails(); }

    void exponentiation_data()
    {
        QTest::addColumn<QString>("source");
        QTest::addColumn<QString>("error");
        addRow("huge exponent", "{{ 2 ** 9223372036854775807 }}", "integer overflow in '**'");
        addRow("just too large", "{{ 3 ** 40 }}", "integer overflow in '**'");
        addRow("negative base", "{{ (-3) ** 41 }}", "integer overflow in '**'");
        addRow("min squared", "{{ " + kMin + " ** 2 }}", "integer overflow in '**'");
        addRow("float", "{{ 10.0 ** 400 }}", "out of range");
        addRow("float huge exponent", "{{ 1.0000001 ** 9223372036854775807 }}", "out of range");
        addRow("zero to negative", "{{ 0 ** -1 }}", "negative power");
    }
    void exponentiation() { verifyFails(); }

    // Growth that is exponential in the work written down: the step budget stops it.
    void exponentialWork_data()
    {
        QTest::addColumn<QString>("source");
        QTest::addColumn<QString>("error");
        addRow("macro calls itself twice",
               "{% macro f(n) %}{% if n > 0 %}{{ f(n - 1) }}{{ f(n - 1) }}{% endif %}{% endmacro %}{{ f(60) }}",
               "too much work");
        addRow("macro calls itself twice, with output",
               "{% macro f(n) %}{% if n > 0 %}{{ f(n - 1) ~ f(n - 1) }}{% else %}x{% endif %}{% endmacro %}"
               "{{ f(60)|length }}",
               "too much work");
        addRow("caller twice",
               "{% macro twice() %}{{ caller() }}{{ caller() }}{% endmacro %}"
               "{% macro f(n) %}{% if n > 0 %}{% call twice() %}{{ f(n - 1) }}{% endcall %}{% endif %}"
               "{% endmacro %}{{ f(30) }}",
               "too much work");
        addRow("comparing shared structures",
               "{% set ns = namespace(a=[1], b=[1]) %}{% for i in range(100) %}"
               "{% set ns.a = [ns.a, ns.a] %}{% set ns.b = [ns.b, ns.b] %}{% endfor %}{{ ns.a == ns.b }}",
               "too much work");
        addRow("sorting shared structures",
               "{% set ns = namespace(a=[1], b=[1]) %}{% for i in range(100) %}"
               "{% set ns.a = [ns.a, ns.a] %}{% set ns.b = [ns.b, ns.b] %}{% endfor %}{{ [ns.a, ns.b]|sort }}",
               "too much work");
        addRow("recursion", "{% macro f(n) %}{{ f(n + 1) }}{% endmacro %}{{ f(0) }}", "macro recursion too deep");
    }
    void exponentialWork() { verifyFails(); }

    void stringGrowth_data()
    {
        QTest::addColumn<QString>("source");
        QTest::addColumn<QString>("error");
        const std::string doubling = "{% set ns = namespace(s='ab') %}{% for i in range(64) %}";
        addRow("concat ~", doubling + "{% set ns.s = ns.s ~ ns.s %}{% endfor %}", "string too large");
        addRow("plus", doubling + "{% set ns.s = ns.s + ns.s %}{% endfor %}", "string too large");
        addRow("repeat", "{{ 'ab' * 9223372036854775807 }}", "repetition result too large");
        addRow("repeat growing", doubling + "{% set ns.s = ns.s * 2 %}{% endfor %}", "too large");
        addRow("join", doubling + "{% set ns.s = [ns.s, ns.s]|join(ns.s) %}{% endfor %}", "string too large");
        addRow("str.join", doubling + "{% set ns.s = ns.s.join([ns.s, ns.s]) %}{% endfor %}", "string too large");
        addRow("replace", doubling + "{% set ns.s = ns.s|replace('a', ns.s) %}{% endfor %}", "string too large");
        addRow("replace empty", "{{ ('a' * 100000).replace('', 'x' * 1000) }}", "string too large");
        addRow("center", "{{ 'x'|center(9223372036854775807) }}", "string too large");
        addRow("str.center", "{{ 'x'.center(9223372036854775807) }}", "string too large");
        addRow("ljust", "{{ 'x'.ljust(9223372036854775807, 'y') }}", "string too large");
        addRow("rjust", "{{ 'x'.rjust(100000000) }}", "string too large");
        addRow("zfill", "{{ '1'.zfill(9223372036854775807) }}", "string too large");
        addRow("indent", "{{ 'a\\nb'|indent(9223372036854775807) }}", "string too large");
        addRow("indent many lines", "{{ ('a\\n' * 100000)|indent(1000) }}", "string too large");
        addRow("indent string", "{{ ('a\\n' * 100000)|indent('x' * 1000) }}", "string too large");
        addRow("format filter", "{{ ('%(a)s' * 100000)|format(a='x' * 1000) }}", "string too large");
        addRow("percent", "{{ ('%s' * 1000) % (('x' * 100000,) * 1000) }}", "string too large");
        addRow("str.format", "{{ ('{0}' * 100000).format('x' * 1000) }}", "string too large");
        addRow("tojson indent", "{{ [[[1]]]|tojson(indent=9223372036854775807) }}", "string too large");
        addRow("tojson shared", doubling + "{% set ns.s = [ns.s, ns.s] %}{% endfor %}{{ ns.s|tojson }}",
               "string too large|too much work");
        addRow("repr shared", doubling + "{% set ns.s = [ns.s, ns.s] %}{% endfor %}{{ ns.s }}",
               "string too large|too much work");
        addRow("escape", "{{ ('<' * 30000000)|e }}", "string too large");
        addRow("repr escapes", "{{ ['\\x01' * 30000000] }}", "string too large");
        addRow("json escapes", "{{ ['\\x01' * 30000000]|tojson }}", "string too large");
        addRow("strftime", "{{ strftime_now('%c' * 1000000) }}", "string too large");
    }
    void stringGrowth() { verifyFails(); }

    void listGrowth_data()
    {
        QTest::addColumn<QString>("source");
        QTest::addColumn<QString>("error");
        const std::string doubling = "{% set ns = namespace(l=[1, 2]) %}{% for i in range(64) %}";
        addRow("plus", doubling + "{% set ns.l = ns.l + ns.l %}{% endfor %}", "list too large");
        addRow("repeat", "{{ [1, 2] * 9223372036854775807 }}", "repetition result too large");
        addRow("repeat strings", "{{ (['x' * 1000000] * 1000000000)|length }}", "repetition result too large");
        addRow("batch fill", "{{ [1]|batch(9223372036854775807, 0) }}", "list too large");
        addRow("split", "{{ ('a,' * 2000000).split(',')|length }}", "list too large");
        addRow("split whitespace", "{{ ('a ' * 2000000).split()|length }}", "list too large");
        addRow("splitlines", "{{ ('a\\n' * 2000000).splitlines()|length }}", "list too large");
        addRow("characters", "{{ ('x' * 2000000)|list|length }}", "list too large");
        addRow("loop over characters", "{% for c in 'x' * 2000000 %}{% endfor %}", "list too large");
        addRow("nested", "{% set ns = namespace(l=1) %}{% for i in range(1000) %}{% set ns.l = [ns.l] %}{% endfor %}",
               "nested too deeply");
    }
    void listGrowth() { verifyFails(); }

    // Chains recurse in evaluation (and in freeing the tree) as deep as they are long, though the
    // parser reads most of them in a loop: the tree height is limited as it is built.
    void longChains_data()
    {
        QTest::addColumn<QString>("source");
        QTest::addColumn<QString>("error");
        const char *deep = "nested too deeply";
        addRow("filters", "{{ 'x'" + repeated("|string", kChain) + " }}", deep);
        addRow("attributes", "{{ a" + repeated(".b", kChain) + " }}", deep);
        addRow("subscripts", "{{ a" + repeated("[0]", kChain) + " }}", deep);
        addRow("numeric attributes", "{{ a" + repeated(".0", kChain) + " }}", deep);
        addRow("calls", "{{ range" + repeated("()", kChain) + " }}", deep);
        addRow("plus", "{{ 1" + repeated(" + 1", kChain) + " }}", deep);
        addRow("times", "{{ 1" + repeated(" * 1", kChain) + " }}", deep);
        addRow("power", "{{ 1" + repeated(" ** 1", kChain) + " }}", deep);
        addRow("concat", "{{ 'a'" + repeated(" ~ 'a'", kChain) + " }}", deep);
        addRow("and", "{{ 1" + repeated(" and 1", kChain) + " }}", deep);
        addRow("or", "{{ 0" + repeated(" or 0", kChain) + " }}", deep);
        addRow("not", "{{ " + repeated("not ", kChain) + "1 }}", deep);
        addRow("minus", "{{ " + repeated("-", kChain) + "1 }}", deep);
        addRow("brackets", "{{ " + repeated("(", kChain) + "1" + repeated(")", kChain) + " }}", deep);
        addRow("lists", "{{ " + repeated("[", kChain) + repeated("]", kChain) + " }}", deep);
        addRow("dicts", "{{ " + repeated("{'a': ", kChain) + "1" + repeated("}", kChain) + " }}", deep);
        addRow("conditions", "{{ 1" + repeated(" if 1", kChain) + " }}", deep);
        addRow("else chain", "{{ " + repeated("1 if 0 else ", kShortChain) + "1 }}", deep);
        addRow("tests", "{{ 1" + repeated(" is eq(1)", kChain) + " }}", deep);
        addRow("filter arguments",
               "{{ 1" + repeated("|default(1", kShortChain) + repeated(")", kShortChain) + " }}", deep);
        addRow("call arguments", "{{ " + repeated("dict(a=", kChain) + "1" + repeated(")", kChain) + " }}", deep);
        addRow("blocks", repeated("{% if true %}", kShortChain), deep);
        addRow("loops", repeated("{% for x in [1] %}", kShortChain), deep);
        // Each level below is allowed on its own; together they pass the render depth.
        addRow("macro recursion through deep blocks and expressions",
               "{% macro f(n) %}" + repeated("{% if true %}", 90) + "{{ f(n + 1)" + repeated(" + 1", 150) + " }}" +
                   repeated("{% endif %}", 90) + "{% endmacro %}{{ f(0) }}",
               "nested too deeply while rendering");
    }
    void longChains() { verifyFails(); }

    // Lists and dicts cannot hold themselves, but a namespace can: whatever walks into it must stop.
    void cycles_data()
    {
        QTest::addColumn<QString>("source");
        QTest::addColumn<QString>("error");
        const std::string self = "{% set ns = namespace() %}{% set ns.self = ns %}";
        const std::string loop = "{% set ns = namespace() %}{% set l = [ns] %}{% set ns.l = l %}";
        addRow("print namespace", self + "{{ ns }}", "contains itself");
        addRow("string filter", self + "{{ ns|string }}", "contains itself");
        addRow("concat", self + "{{ ns ~ '' }}", "contains itself");
        addRow("print list", loop + "{{ l }}", "contains itself");
        addRow("join", loop + "{{ l|join }}", "contains itself");
        addRow("repr in format", loop + "{{ '%r' % (l,) }}", "contains itself");
        addRow("tojson", loop + "{{ l|tojson }}", "not JSON serializable");
        addRow("as a key", loop + "{{ {}[l] }}", "contains itself");
        addRow("pair of namespaces",
               "{% set a = namespace() %}{% set b = namespace(a=a) %}{% set a.b = b %}{{ [a, b] }}",
               "contains itself");
        addRow("unorderable", loop + "{{ [ns, ns]|sort }}", "not supported");
    }
    void cycles() { verifyFails(); }

    // Compared or searched, values that contain themselves (or are deep) give Python's answer.
    void cyclesCompare()
    {
        const std::string loop = "{% set ns = namespace() %}{% set l = [ns] %}{% set ns.l = l %}";
        QCOMPARE(outcome(loop + "{{ l == [ns] }}|{{ ns in l }}|{{ l in [l] }}|{{ ns == ns.l[0] }}"),
                 std::string("rendered: True|True|True|True"));
        // A chain of 100000 namespaces, each holding the next: freeing it must not recurse.
        QCOMPARE(outcome("{% set ns = namespace(cur=namespace()) %}{% for i in range(100000) %}"
                         "{% set c = ns.cur %}{% set n = namespace() %}{% set c.next = n %}{% set ns.cur = n %}"
                         "{% endfor %}ok"),
                 std::string("rendered: ok"));
        const std::string printed = outcome("{% set ns = namespace(cur=namespace()) %}{% set first = ns.cur %}"
                                            "{% for i in range(1000) %}{% set c = ns.cur %}{% set n = namespace() %}"
                                            "{% set c.next = [n] %}{% set ns.cur = n %}{% endfor %}{{ first }}");
        QVERIFY2(printed.find("contains itself") != std::string::npos, printed.c_str());
    }

    void endlessLoops_data()
    {
        QTest::addColumn<QString>("source");
        QTest::addColumn<QString>("error");
        addRow("nested ranges", "{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}",
               "loop iterations");
        addRow("nested ranges with output",
               "{% for i in range(100000) %}{% for j in range(100000) %}{{ loop.index }}{% endfor %}{% endfor %}",
               "loop iterations|too much work");
        addRow("huge range", "{% for i in range(9223372036854775807) %}{% endfor %}", "range too big");
        addRow("huge step count", "{% for i in range(0, 9223372036854775807, 2) %}{% endfor %}", "range too big");
        addRow("recursive loop", "{% for m in [1] recursive %}{{ loop([m]) }}{% endfor %}",
               "recursive loops are not supported");
        addRow("while", "{% while true %}{% endwhile %}", "unknown tag 'while'");
        addRow("loop in a macro calling itself",
               "{% macro f() %}{% for i in range(1000) %}{{ f() }}{% endfor %}{% endmacro %}{{ f() }}",
               "macro recursion too deep");
        addRow("work in every iteration", "{% for i in range(100000) %}{{ range(100000)|join|length }}{% endfor %}",
               "too much work");
    }
    void endlessLoops() { verifyFails(); }

    // Work that is quadratic (or worse) in sizes a template can reach must be charged for.
    void totalWork_data()
    {
        QTest::addColumn<QString>("source");
        QTest::addColumn<QString>("error");
        const std::string big = "{% set big = 'x' * 30000000 %}";
        addRow("length in a loop", big + "{% for i in range(100000) %}{{ big|length }}{% endfor %}", "too much work");
        addRow("compare in a loop", big + "{% set b2 = big ~ '' %}{% for i in range(100000) %}{{ big == b2 }}"
                                          "{% endfor %}",
               "too much work");
        addRow("startswith in a loop",
               big + "{% for i in range(100000) %}{{ big.startswith(big) }}{% endfor %}", "too much work");
        addRow("search in a loop", big + "{% for i in range(100000) %}{{ 'y' in big }}{% endfor %}", "too much work");
        addRow("index in a loop", big + "{% for i in range(100000) %}{{ big[i] }}{% endfor %}", "too much work");
        addRow("dict from many pairs", "{{ dict(range(100000)|batch(2))|length }}", "too much work");
        addRow("unique", "{{ range(100000)|unique|length }}", "too much work");
        addRow("in over a list in a loop",
               "{% set l = range(100000)|list %}{% for i in range(100000) %}{{ -1 in l }}{% endfor %}",
               "too much work");
        addRow("join in a loop", "{% set l = range(100000)|list %}{% for i in range(100000) %}{{ l|join|length }}"
                                 "{% endfor %}",
               "too much work");
        addRow("deep scopes",
               repeated("{% for x in [1] %}", 95) + "{% for i in range(100000) %}" +
                   repeated("{% set x = range %}", 100) + "{% endfor %}" + repeated("{% endfor %}", 95),
               "too much work");
        addRow("output", "{% for i in range(100000) %}{{ 'x' * 1000 }}{% endfor %}", "rendered text larger");
    }
    void totalWork() { verifyFails(); }

    // What Python answers where the naive C++ would trap, wrap or loop.
    void edgeCasesGivePythonsAnswer_data()
    {
        QTest::addColumn<QString>("source");
        QTest::addColumn<QString>("expected");
        const auto row = [](const char *name, const std::string &source, const char *expected) {
            QTest::newRow(name) << QString::fromStdString(source) << QString(expected);
        };
        row("min modulo -1", "{{ " + kMin + " % -1 }}", "0");
        row("min floordiv 1", "{{ " + kMin + " // 1 }}", "-9223372036854775808");
        row("floor division", "{{ -7 // 2 }} {{ -7 % 2 }} {{ 7 // -2 }} {{ 7 % -2 }}", "-4 1 -4 -1");
        row("one to a huge power", "{{ 1 ** 9223372036854775807 }} {{ (-1) ** 9223372036854775807 }}", "1 -1");
        row("zero to a huge power", "{{ 0 ** 9223372036854775807 }} {{ 0 ** 0 }}", "0 1");
        row("largest powers", "{{ 2 ** 62 }} {{ (-2) ** 63 }}", "4611686018427387904 -9223372036854775808");
        row("min is divisible by -1", "{{ " + kMin + " is divisibleby(-1) }}", "True");
        row("range with a huge step", "{{ range(" + kMin + ", 9223372036854775807, 4611686018427387904)|list }}",
            "[-9223372036854775808, -4611686018427387904, 0, 4611686018427387904]");
        row("range down", "{{ range(5, -5, -3)|list }}", "[5, 2, -1, -4]");
        row("slice with a huge step", "{{ 'abcdef'[1::9223372036854775807] }}", "b");
        row("slice with the smallest step", "{{ 'abcdef'[::" + kMin + "] }}", "f");
        row("truncate huge length", "{{ 'abc'|truncate(9223372036854775807) }}", "abc");
        row("round to far digits", "{{ 1.5|round(" + kMin + ") }}", "0.0");
        row("long needle", "{{ ('a' * 100000 ~ 'b') in ('a' * 3000000) }}", "False");
        row("long needle found", "{{ ('a' * 1000 ~ 'b') in ('a' * 300000 ~ 'b') }}", "True");
        row("rfind long needle", "{{ ('xab' * 10 ~ 'x' ~ 'ab' * 10).rfind('ab' * 10) }}", "31");
        row("strip with many characters", "{{ ('ab' * 100000 ~ 'c')|trim('ab' * 100000) }}", "c");
        row("tojson string indent", "{{ [1]|tojson(indent='x') }}", "[1]");
        row("tojson float indent", "{{ [1]|tojson(indent=1.5) }}", "[\n 1\n]");
        std::string names; // more names than a scope scans before it indexes them
        for (int i = 0; i < 100; ++i)
            names += "{% set v" + std::to_string(i) + " = " + std::to_string(i) + " %}";
        row("many names", names + "{% set v57 = 1 %}{{ v0 + v57 + v99 }} {{ v100 is defined }}", "100 False");
    }
    void edgeCasesGivePythonsAnswer()
    {
        QFETCH(QString, source);
        QFETCH(QString, expected);
        QCOMPARE(QString::fromStdString(outcome(source.toStdString())), "rendered: " + expected);
    }

    // Type confusions used to escape as std::bad_variant_access or std::out_of_range.
    void wrongTypesAreTemplateErrors_data()
    {
        QTest::addColumn<QString>("source");
        QTest::addColumn<QString>("error");
        addRow("batch size", "{{ [1]|batch('x') }}", "expected an integer");
        addRow("indent width", "{{ 'x'|indent([1]) }}", "must be a number");
        addRow("format field index", "{{ '{99999999999999999999999}'.format(1) }}", "no argument for field");
        addRow("divisibleby string", "{{ 'x' is divisibleby 2.5 }}", "expected a number");
        addRow("huge template", std::string(jinja::kMaxTemplateBytes + 1, 'x'), "template too large");
    }
    void wrongTypesAreTemplateErrors() { verifyFails(); }

    // A context the app builds from a conversation is held to the same limits.
    // (Built and handed on by moving: nlohmann::json copies recursively.)
    void hostileContext()
    {
        OrderedJson deep = 1;
        for (int i = 0; i < 100000; ++i)
            deep = OrderedJson::array({std::move(deep)});
        OrderedJson context = OrderedJson::object();
        context["x"] = std::move(deep);
        std::string got = outcome("{{ x }}", context);
        QVERIFY2(got.find("nested too deeply") != std::string::npos, got.c_str());

        const ChatTemplate tpl = ChatTemplate::parse("{{ messages }}");
        try {
            renderChat(tpl, {{"user", "hi", "", {}}}, true, context);
            got = "rendered";
        } catch (const TemplateError &e) {
            got = e.what();
        }
        QVERIFY2(got.find("nested too deeply") != std::string::npos, got.c_str());
        std::vector<ChatMessage> messages(1);
        messages[0].role = "user";
        messages[0].extra = std::move(context);
        try {
            renderChat(tpl, messages, true);
            got = "rendered";
        } catch (const TemplateError &e) {
            got = e.what();
        }
        QVERIFY2(got.find("nested too deeply") != std::string::npos, got.c_str());

        context = OrderedJson::object();
        context["x"] = std::string(jinja::kMaxStringBytes + 1, 'x');
        got = outcome("{{ x|length }}", context);
        QVERIFY2(got.find("string too large") != std::string::npos, got.c_str());
    }

    // A 100k-token conversation renders with every real template, using a small part of the limits.
    void realTemplatesWithinLimits_data()
    {
        QTest::addColumn<QString>("source");
        for (const char *name : {"chatml", "qwen3", "deepseek_v3", "llama3", "gemma3"})
            QTest::newRow(name) << QString::fromStdString(readFile(kDataDir + name + ".jinja"));
        for (const char *dir :
             {"tokenizers/llama3", "tokenizers/qwen3", "models/mixtral/hf", "models/deepseek_v2/hf"}) {
            const std::string config = readFile(kRefpack + "/" + dir + "/tokenizer_config.json");
            if (config.empty())
                continue;
            const std::optional<std::string> source = selectChatTemplate(OrderedJson::parse(config)["chat_template"]);
            if (source)
                QTest::newRow(dir) << QString::fromStdString(*source);
        }
    }
    void realTemplatesWithinLimits()
    {
        QFETCH(QString, source);
        QVERIFY(!source.isEmpty());
        std::string content;
        for (int i = 0; content.size() < 400; ++i)
            content += "word" + std::to_string(i) + " "; // about 100 tokens
        std::vector<ChatMessage> messages = {{"system", "Be brief.", "", {}}};
        for (int i = 0; i < kLongConversation; ++i)
            messages.push_back({i % 2 ? "assistant" : "user", content, "", {}});
        jinja::RenderStats stats;
        ChatRenderOptions options;
        options.stats = &stats;
        const OrderedJson extra = {{"bos_token", "<s>"}, {"eos_token", "</s>"}};
        const ChatTemplate tpl = ChatTemplate::parse(source.toStdString());
        const std::string rendered = renderChat(tpl, messages, true, extra, options);
        QVERIFY(rendered.size() > size_t(kLongConversation) * content.size());
        QVERIFY2(stats.steps * kMarginFactor < jinja::kMaxSteps, std::to_string(stats.steps).c_str());
        QVERIFY2(stats.loopIterations * kMarginFactor < jinja::kMaxLoopIterations,
                 std::to_string(stats.loopIterations).c_str());
        QVERIFY2(stats.maxRenderDepth * kMarginFactor < jinja::kMaxRenderDepth,
                 std::to_string(stats.maxRenderDepth).c_str());
        QVERIFY(rendered.size() * kMarginFactor < jinja::kMaxOutputBytes);
    }
};

QTEST_APPLESS_MAIN(TestJinjaLimits)
#include "tst_jinja_limits.moc"
