// Chat template API: the refpack's reference renderings (Qwen3, Llama 3, the tiny models' ChatML),
// ChatMessage conversion, the ChatML fallback, template selection from tokenizer_config.json, error
// positions and messages, concurrent rendering.
#include "engine/text/chat_template.h"
#include "engine/text/jinja_interpreter.h"
#include "engine/text/jinja_parser.h"

#include <QElapsedTimer>
#include <QtTest>

#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

using namespace enclave;
using OrderedJson = nlohmann::ordered_json;

namespace {

const std::string kRefpack = ENCLAVE_REFPACK_DIR;
const std::string kDataDir = std::string(ENCLAVE_TEST_DATA_DIR) + "/chat_templates/";
constexpr int kThreads = 4;
constexpr int kLongConversation = 400; // messages
constexpr qint64 kMaxLongRenderMillis = 1000;

std::string readFile(const std::string &path)
{
    std::ifstream in(path, std::ios::binary);
    if (!in)
        throw std::runtime_error("test data missing: " + path);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

OrderedJson readJson(const std::string &path)
{
    return OrderedJson::parse(readFile(path));
}

std::vector<ChatMessage> toMessages(const OrderedJson &list)
{
    std::vector<ChatMessage> messages;
    for (const OrderedJson &m : list)
        messages.push_back({m.at("role").get<std::string>(), m.at("content").get<std::string>(), "", {}});
    return messages;
}

// A special token of tokenizer_config.json: a string, an AddedToken object or null.
OrderedJson specialToken(const OrderedJson &config, const char *key)
{
    if (!config.contains(key) || config[key].is_null())
        return nullptr;
    return config[key].is_object() ? config[key]["content"] : config[key];
}

ChatTemplate templateFile(const std::string &name)
{
    return ChatTemplate::parse(readFile(kDataDir + name + ".jinja"));
}

// The TemplateError that rendering (or parsing) `source` throws.
TemplateError errorOf(const std::string &source, const OrderedJson &context = OrderedJson::object())
{
    try {
        ChatTemplate::parse(source).render(context);
    } catch (const TemplateError &e) {
        return e;
    }
    return TemplateError("no error", -1, -1);
}

bool contains(const std::string &text, const std::string &part)
{
    return text.find(part) != std::string::npos;
}

} // namespace

class TestChatTemplate : public QObject {
    Q_OBJECT

private slots:
    void refpackRendering_data()
    {
        QTest::addColumn<QString>("tokenizer");
        QTest::newRow("qwen3") << "qwen3";
        QTest::newRow("llama3") << "llama3";
    }

    // The template of the real tokenizer_config.json must reproduce transformers' rendering.
    void refpackRendering()
    {
        QFETCH(QString, tokenizer);
        const std::string dir = kRefpack + "/tokenizers/" + tokenizer.toStdString() + "/";
        if (!std::filesystem::exists(dir + "chat_template_render.json"))
            QSKIP("refpack not available");
        const OrderedJson config = readJson(dir + "tokenizer_config.json");
        const OrderedJson reference = readJson(dir + "chat_template_render.json");
        const std::optional<std::string> source = selectChatTemplate(config.at("chat_template"));
        QVERIFY(source.has_value());
        const OrderedJson extra = {{"bos_token", specialToken(config, "bos_token")},
                                   {"eos_token", specialToken(config, "eos_token")},
                                   {"date_string", "26 Jul 2024"}};
        const std::string rendered = renderChat(ChatTemplate::parse(*source), toMessages(reference.at("messages")),
                                                reference.at("add_generation_prompt").get<bool>(), extra);
        QCOMPARE(QString::fromStdString(rendered), QString::fromStdString(reference.at("rendered").get<std::string>()));
    }

    void tinyModelChatml()
    {
        const std::string prompt = kRefpack + "/prompt.json";
        const std::string config = kRefpack + "/models/llama/hf/tokenizer_config.json";
        if (!std::filesystem::exists(prompt) || !std::filesystem::exists(config))
            QSKIP("refpack not available");
        const OrderedJson reference = readJson(prompt);
        const ChatTemplate tpl = ChatTemplate::parse(*selectChatTemplate(readJson(config).at("chat_template")));
        const std::string rendered = renderChat(tpl, toMessages(reference.at("messages")), true);
        QCOMPARE(QString::fromStdString(rendered), QString::fromStdString(reference.at("text").get<std::string>()));
        QCOMPARE(rendered, renderGenericChat(toMessages(reference.at("messages")), true));
    }

    // Hand-checked: reasoning of the latest turn is kept, tool calls come from `extra`, and
    // enable_thinking=false closes an empty think block after the generation prompt.
    void qwen3ChatMessages()
    {
        const ChatTemplate tpl = templateFile("qwen3");
        OrderedJson call = {{"type", "function"}, {"function", {{"name", "clock"}, {"arguments", {{"tz", "UTC"}}}}}};
        const std::vector<ChatMessage> messages = {
            {"user", "Time?", "", {}},
            {"assistant", "", "Use the clock.", {{"tool_calls", OrderedJson::array({call})}}},
            {"tool", "10:00", "", {}},
            {"assistant", "It is 10:00.", "Read it.", {}},
        };
        const std::string want =
            "<|im_start|>user\nTime?<|im_end|>\n"
            "<|im_start|>assistant\n<think>\nUse the clock.\n</think>\n\n"
            "<tool_call>\n{\"name\": \"clock\", \"arguments\": {\"tz\": \"UTC\"}}\n</tool_call><|im_end|>\n"
            "<|im_start|>user\n<tool_response>\n10:00\n</tool_response><|im_end|>\n"
            "<|im_start|>assistant\n<think>\nRead it.\n</think>\n\nIt is 10:00.<|im_end|>\n"
            "<|im_start|>assistant\n<think>\n\n</think>\n\n";
        QCOMPARE(renderChat(tpl, messages, true, {{"enable_thinking", false}}), want);
    }

    void messagesToJson()
    {
        const OrderedJson json =
            chatMessagesToJson({{"assistant", "Hi", "hmm", {{"name", "bot"}, {"content", nullptr}}}});
        QCOMPARE(
            json.dump(),
            std::string(
                R"([{"role":"assistant","content":null,"reasoning_content":"hmm","thinking":"hmm","name":"bot"}])"));
    }

    void genericChat()
    {
        const std::vector<ChatMessage> messages = {{"system", "S", "", {}}, {"user", "U", "thought", {}}};
        QCOMPARE(renderGenericChat(messages, false),
                 std::string("<|im_start|>system\nS<|im_end|>\n<|im_start|>user\nU<|im_end|>\n"));
        QCOMPARE(renderGenericChat({}, true), std::string("<|im_start|>assistant\n"));
    }

    void selectTemplate()
    {
        const OrderedJson list = OrderedJson::parse(R"([{"name": "default", "template": "D"},
            {"name": "tool_use", "template": "T"}, {"name": "rag", "template": "R"}])");
        QCOMPARE(selectChatTemplate(list).value_or("-"), std::string("D"));
        QCOMPARE(selectChatTemplate(list, {}, true).value_or("-"), std::string("T"));
        QCOMPARE(selectChatTemplate(list, "rag").value_or("-"), std::string("R"));
        QVERIFY(!selectChatTemplate(list, "missing").has_value());
        QCOMPARE(selectChatTemplate(OrderedJson("S")).value_or("-"), std::string("S"));
        QVERIFY(!selectChatTemplate(OrderedJson()).has_value());
        QVERIFY(!selectChatTemplate(OrderedJson::parse(R"([{"name": "tool_use", "template": "T"}])")).has_value());
    }

    void syntaxErrorsNameLineAndConstruct()
    {
        TemplateError e = errorOf("Hello\n  {% for m in messages %}\n{{ m }}\n");
        QCOMPARE(e.line(), 2);
        QCOMPARE(e.column(), 3);
        QVERIFY2(contains(e.what(), "'for'") && contains(e.what(), "'endfor'"), e.what());

        e = errorOf("{% if x %}\n a {% endfor %}");
        QCOMPARE(e.line(), 2);
        QVERIFY2(contains(e.what(), "'endfor'") && contains(e.what(), "'if'"), e.what());

        e = errorOf("line one\n{{ 1 + }}");
        QCOMPARE(e.line(), 2);
        QCOMPARE(e.column(), 8);
        QVERIFY2(contains(e.what(), "'}}'"), e.what());

        e = errorOf("{{ messages | nosuch }}");
        QCOMPARE(e.column(), 15);
        QVERIFY2(contains(e.what(), "no filter named 'nosuch'"), e.what());

        e = errorOf("a\nb\n   {{ 'open }}");
        QCOMPARE(e.line(), 3);
        QCOMPARE(e.column(), 7);
        QVERIFY2(contains(e.what(), "unterminated string"), e.what());

        e = errorOf("{% frobnicate %}");
        QVERIFY2(contains(e.what(), "unknown tag 'frobnicate'"), e.what());
        e = errorOf("{% break %}");
        QVERIFY2(contains(e.what(), "outside of a loop"), e.what());
        e = errorOf("{# never closed");
        QVERIFY2(contains(e.what(), "comment"), e.what());
    }

    void runtimeErrors()
    {
        TemplateError e = errorOf("ok\n\n  {{ raise_exception('Roles must alternate') }}");
        QVERIFY(e.raisedByTemplate());
        QCOMPARE(e.message(), std::string("Roles must alternate"));
        QCOMPARE(e.line(), 3);

        e = errorOf("{% macro check(m) %}\n{{ raise_exception('bad role ' ~ m) }}\n{% endmacro %}{{ check('x') }}");
        QVERIFY(e.raisedByTemplate());
        QCOMPARE(e.message(), std::string("bad role x"));
        QCOMPARE(e.line(), 2);

        e = errorOf("{{ 'a' + n }}", {{"n", 1}});
        QVERIFY(!e.raisedByTemplate());
        QVERIFY2(contains(e.what(), "operator '+'") && contains(e.what(), "'str' and 'int'"), e.what());

        e = errorOf("{{ x|tojson }}");
        QVERIFY2(contains(e.what(), "filter 'tojson'"), e.what());
        e = errorOf("{% for m in messages %}{% endfor %}", {{"messages", nullptr}});
        QVERIFY2(contains(e.what(), "not iterable"), e.what());
        e = errorOf("{{ nope() }}");
        QVERIFY2(contains(e.what(), "'nope' is undefined"), e.what());
        e = errorOf("{% macro f(n) %}{{ f(n + 1) }}{% endmacro %}{{ f(0) }}");
        QVERIFY2(contains(e.what(), "recursion"), e.what());
    }

    // Where Jinja would stop with an UndefinedError on an attribute of an undefined value, the
    // renderer keeps going with undefined (prints nothing, is not defined).
    void undefinedIsLenient()
    {
        const ChatTemplate tpl = ChatTemplate::parse("[{{ a.b.c }}|{{ a.b.c is defined }}|{{ missing.x|length }}]");
        QCOMPARE(tpl.render({{"a", OrderedJson::object()}}), std::string("[|False|0]"));
        QCOMPARE(ChatTemplate::parse("{{ 'x' }}").render(nlohmann::json{{"z", 1}, {"a", 2}}), std::string("x"));
    }

    // A hostile template fails cleanly instead of exhausting the stack, memory or time.
    void limits()
    {
        TemplateError e = errorOf("{{ " + std::string(1000, '(') + "1" + std::string(1000, ')') + " }}");
        QVERIFY2(contains(e.what(), "nested too deeply"), e.what());
        std::string blocks;
        for (int i = 0; i < 500; ++i)
            blocks += "{% if true %}";
        e = errorOf(blocks);
        QVERIFY2(contains(e.what(), "nested too deeply"), e.what());
        e = errorOf("{{ 'x' * 1000000000000 }}");
        QVERIFY2(contains(e.what(), "too large"), e.what());

        const auto tpl = jinja::parseTemplate(
            "{% for i in range(100) %}{% for j in range(100) %}{{ 'ab' }}{% endfor %}{% endfor %}");
        jinja::RenderSettings settings;
        QCOMPARE(jinja::renderTemplate(*tpl, {}, settings).size(), size_t(20000));
        settings.maxLoopIterations = 5000;
        QVERIFY_THROWS_EXCEPTION(TemplateError, jinja::renderTemplate(*tpl, {}, settings));
        settings = {};
        settings.maxOutputBytes = 1000;
        QVERIFY_THROWS_EXCEPTION(TemplateError, jinja::renderTemplate(*tpl, {}, settings));
    }

    void clock()
    {
        const std::string today = ChatTemplate::parse("{{ strftime_now('%Y-%m-%d') }}").render(OrderedJson::object());
        QCOMPARE(today.size(), size_t(10));
        QCOMPARE(today[4], '-');
        std::tm fixed{};
        fixed.tm_year = 125;
        fixed.tm_mon = 0;
        fixed.tm_mday = 2;
        fixed.tm_wday = 4;
        const std::string day =
            ChatTemplate::parse("{{ strftime_now('%d %B %Y, %A') }}").render(OrderedJson::object(), {fixed});
        QCOMPARE(day, std::string("02 January 2025, Thursday"));
    }

    void concurrentRenders()
    {
        const ChatTemplate tpl = templateFile("deepseek_v3");
        const std::vector<ChatMessage> messages = {{"system", "Be brief.", "", {}}, {"user", "Hi", "", {}}};
        const std::string want = renderChat(tpl, messages, true);
        std::vector<std::string> got(kThreads);
        std::vector<std::thread> threads;
        for (int i = 0; i < kThreads; ++i)
            threads.emplace_back([&, i] {
                for (int k = 0; k < 20; ++k)
                    got[size_t(i)] = renderChat(tpl, messages, true);
            });
        for (std::thread &t : threads)
            t.join();
        for (const std::string &g : got)
            QCOMPARE(g, want);
    }

    void longConversationIsFast()
    {
        const ChatTemplate tpl = templateFile("qwen3");
        std::vector<ChatMessage> messages;
        for (int i = 0; i < kLongConversation; ++i)
            messages.push_back({i % 2 ? "assistant" : "user", "message number " + std::to_string(i), "", {}});
        QElapsedTimer timer;
        timer.start();
        const std::string rendered = renderChat(tpl, messages, true);
        const qint64 elapsed = timer.elapsed();
        QVERIFY(contains(rendered, "message number " + std::to_string(kLongConversation - 1)));
        QVERIFY2(elapsed < kMaxLongRenderMillis, (std::to_string(elapsed) + " ms").c_str());
    }
};

QTEST_APPLESS_MAIN(TestChatTemplate)
#include "tst_chat_template.moc"
