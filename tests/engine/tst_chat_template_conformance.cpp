// Chat templates against references rendered by Python's jinja2 set up as transformers'
// apply_chat_template (tests/data/chat_templates/expected.json, written by make_expected.py there):
// the real templates shipped there (Qwen3, DeepSeek V3, Llama 3, Gemma 3, ChatML; make_expected.py knows
// cases for more and renders whichever .jinja files are present) and 156 feature snippets. Outputs must
// match byte for byte; errors must be errors.
#include "engine/text/chat_template.h"

#include <QtTest>

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <vector>

using namespace enclave;
using OrderedJson = nlohmann::ordered_json;

namespace {

const std::string kDataDir = std::string(ENCLAVE_TEST_DATA_DIR) + "/chat_templates/";
constexpr size_t kContextChars = 60; // shown around the first difference
constexpr size_t kMaxReportedFailures = 8;

std::string readFile(const std::string &path)
{
    std::ifstream in(path, std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

OrderedJson readExpected()
{
    const std::string text = readFile(kDataDir + "expected.json");
    return text.empty() ? OrderedJson() : OrderedJson::parse(text);
}

ChatRenderOptions optionsFor(const OrderedJson &expected)
{
    using namespace std::chrono;
    int y = 0, mo = 0, d = 0;
    std::tm t{};
    std::sscanf(expected.at("local_time").get<std::string>().c_str(), "%d-%d-%d %d:%d:%d", &y, &mo, &d, &t.tm_hour,
                &t.tm_min, &t.tm_sec);
    const sys_days day{year_month_day{year(y), month(unsigned(mo)), std::chrono::day(unsigned(d))}};
    t.tm_year = y - 1900;
    t.tm_mon = mo - 1;
    t.tm_mday = d;
    t.tm_wday = int(weekday(day).c_encoding());
    t.tm_yday = int((day - sys_days{year(y) / January / 1}).count());
    ChatRenderOptions options;
    options.localTime = t;
    return options;
}

// "" when equal, else where and how the two differ.
std::string difference(const std::string &got, const std::string &want)
{
    if (got == want)
        return {};
    size_t i = 0;
    while (i < got.size() && i < want.size() && got[i] == want[i])
        ++i;
    const size_t from = i > kContextChars ? i - kContextChars : 0;
    return "first difference at byte " + std::to_string(i) +
        "\n   got: " + OrderedJson(got.substr(from, 2 * kContextChars)).dump() +
        "\n  want: " + OrderedJson(want.substr(from, 2 * kContextChars)).dump();
}

// Renders one case; returns "" when it behaved as the reference did, else a description. A context
// given as a string names one of the shared contexts of the file.
std::string checkCase(const ChatTemplate &tpl, const OrderedJson &c, const ChatRenderOptions &options, bool exactErrors,
                      const OrderedJson &shared)
{
    const auto contextOf = [&](const OrderedJson &entry) -> const OrderedJson & {
        const OrderedJson &context = entry.at("context");
        return context.is_string() ? shared.at(context.get<std::string>()) : context;
    };
    try {
        const std::string got = tpl.render(contextOf(c), options);
        if (c.contains("error"))
            return "rendered, but the reference failed with: " + c["error"].get<std::string>();
        return difference(got, c.at("expected").get<std::string>());
    } catch (const TemplateError &e) {
        if (!c.contains("error"))
            return std::string("failed: ") + e.what();
        if (exactErrors && (!e.raisedByTemplate() || e.message() != c["error"].get<std::string>()))
            return "wrong error: " + std::string(e.what()) + "\n  want: " + c["error"].get<std::string>();
        return {};
    }
}

} // namespace

class TestChatTemplateConformance : public QObject {
    Q_OBJECT

private slots:
    void initTestCase()
    {
        m_expected = readExpected();
        QVERIFY2(m_expected.is_object(), "tests/data/chat_templates/expected.json is missing");
        m_options = optionsFor(m_expected);
    }

    void templates_data()
    {
        QTest::addColumn<QString>("name");
        for (const OrderedJson &t : m_expected.at("templates")) {
            const std::string name = t.at("name").get<std::string>();
            QTest::newRow(name.c_str()) << QString::fromStdString(name);
        }
    }

    // Every case of a real template; errors there all come from raise_exception and must say the same.
    void templates()
    {
        QFETCH(QString, name);
        for (const OrderedJson &t : m_expected.at("templates")) {
            if (t.at("name").get<std::string>() != name.toStdString())
                continue;
            const ChatTemplate tpl = ChatTemplate::parse(readFile(kDataDir + t.at("file").get<std::string>()));
            QVERIFY(t.at("cases").size() >= 1);
            for (const OrderedJson &c : t.at("cases")) {
                const std::string problem = checkCase(tpl, c, m_options, true, m_expected.at("contexts"));
                QVERIFY2(problem.empty(), (c.at("name").get<std::string>() + ": " + problem).c_str());
            }
        }
    }

    void snippets()
    {
        int checked = 0;
        std::vector<std::string> failures;
        for (const OrderedJson &s : m_expected.at("snippets")) {
            const std::string source = s.at("template").get<std::string>();
            std::string problem;
            try {
                const ChatTemplate tpl = ChatTemplate::parse(source);
                const bool raised = s.contains("error") && source.find("raise_exception") != std::string::npos;
                problem = checkCase(tpl, s, m_options, raised, m_expected.at("contexts"));
            } catch (const TemplateError &e) {
                if (!s.contains("error"))
                    problem = std::string("parse failed: ") + e.what();
            }
            if (!problem.empty())
                failures.push_back(OrderedJson(source).dump() + "\n  " + problem);
            ++checked;
        }
        std::string report = std::to_string(failures.size()) + " of " + std::to_string(checked) + " snippets differ";
        for (size_t i = 0; i < failures.size() && i < kMaxReportedFailures; ++i)
            report += "\n" + failures[i];
        QVERIFY2(failures.empty(), report.c_str());
        QVERIFY(checked > 100);
    }

private:
    OrderedJson m_expected;
    ChatRenderOptions m_options;
};

QTEST_APPLESS_MAIN(TestChatTemplateConformance)
#include "tst_chat_template_conformance.moc"
