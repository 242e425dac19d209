// GGUF tokenizer metadata -> TokenizerSpec, through a fake metadata source filled the way the
// converter fills real GGUFs (tiny models: model gpt2, pre qwen2): the refpack tiny encodings must
// come out exactly; every known pre-tokenizer name must compile; bad metadata must fail clearly.
#include "engine/text/gguf_pre_tokenizers.h"
#include "engine/text/gguf_tokenizer.h"
#include "engine/text/tokenizer.h"

#include <QtTest>

#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

using namespace enclave;
using Json = nlohmann::json;

namespace {

const std::string kRefpack = ENCLAVE_REFPACK_DIR;

Json readJson(const std::string &path)
{
    std::ifstream in(path, std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    return Json::parse(text.str());
}

// A metadata table in memory.
class FakeGguf final : public GgufMetadataSource {
public:
    std::map<std::string, std::string, std::less<>> strings;
    std::map<std::string, int64_t, std::less<>> ints;
    std::map<std::string, bool, std::less<>> bools;
    std::map<std::string, std::vector<std::string>, std::less<>> stringArrays;
    std::map<std::string, std::vector<int64_t>, std::less<>> intArrays;
    std::map<std::string, std::vector<double>, std::less<>> floatArrays;

    std::optional<std::string> getString(std::string_view key) const override { return find(strings, key); }
    std::optional<int64_t> getInt(std::string_view key) const override { return find(ints, key); }
    std::optional<bool> getBool(std::string_view key) const override { return find(bools, key); }
    std::optional<std::vector<std::string_view>> getStringArray(std::string_view key) const override
    {
        const auto it = stringArrays.find(key);
        if (it == stringArrays.end())
            return std::nullopt;
        return std::vector<std::string_view>(it->second.begin(), it->second.end());
    }
    std::optional<std::vector<int64_t>> getIntArray(std::string_view key) const override { return find(intArrays, key); }
    std::optional<std::vector<double>> getFloatArray(std::string_view key) const override
    {
        return find(floatArrays, key);
    }

private:
    template <class Map>
    static std::optional<typename Map::mapped_type> find(const Map &map, std::string_view key)
    {
        const auto it = map.find(key);
        return it == map.end() ? std::nullopt : std::optional<typename Map::mapped_type>(it->second);
    }
};

// The tiny tokenizer as the GGUF converter records it.
FakeGguf tinyGguf()
{
    const std::string dir = kRefpack + "/models/llama/hf/";
    const Json json = readJson(dir + "tokenizer.json");
    std::vector<std::string> tokens;
    std::vector<int64_t> types;
    for (const auto &[text, id] : json["model"]["vocab"].items()) {
        tokens.resize(std::max(tokens.size(), size_t(id.get<int>()) + 1));
        tokens[size_t(id.get<int>())] = text;
    }
    types.assign(tokens.size(), 1);
    for (const Json &t : json["added_tokens"]) {
        tokens.resize(std::max(tokens.size(), size_t(t["id"].get<int>()) + 1));
        types.resize(tokens.size(), 1);
        tokens[size_t(t["id"].get<int>())] = t["content"];
        types[size_t(t["id"].get<int>())] = t["special"].get<bool>() ? 3 : 4;
    }
    std::vector<std::string> merges;
    for (const Json &m : json["model"]["merges"])
        merges.push_back(m[0].get<std::string>() + " " + m[1].get<std::string>());
    FakeGguf g;
    g.strings = {{"tokenizer.ggml.model", "gpt2"}, {"tokenizer.ggml.pre", "qwen2"},
                 {"tokenizer.chat_template", readJson(dir + "tokenizer_config.json")["chat_template"]}};
    g.ints = {{"tokenizer.ggml.eos_token_id", 511}, {"tokenizer.ggml.padding_token_id", 509}};
    g.bools = {{"tokenizer.ggml.add_bos_token", false}};
    g.stringArrays = {{"tokenizer.ggml.tokens", tokens}, {"tokenizer.ggml.merges", merges}};
    g.intArrays = {{"tokenizer.ggml.token_type", types}};
    return g;
}

QString errorOf(const FakeGguf &g)
{
    try {
        Tokenizer tok(tokenizerSpecFromGguf(g));
    } catch (const std::exception &e) {
        return QString::fromUtf8(e.what());
    }
    return {};
}

} // namespace

class TstTokenizerGguf : public QObject {
    Q_OBJECT

private slots:
    void initTestCase()
    {
        if (!std::filesystem::exists(kRefpack + "/tokenizers/tiny/encodings.json"))
            QSKIP("reference pack not found");
    }

    void tinyEncodings()
    {
        const Tokenizer tok(tokenizerSpecFromGguf(tinyGguf()));
        const Json cases = readJson(kRefpack + "/tokenizers/tiny/encodings.json").at("cases");
        int failed = 0;
        QString first;
        for (const Json &c : cases) {
            const std::vector<int32_t> ids = c.at("ids").get<std::vector<int32_t>>();
            const bool ok = tok.encode(c.at("text").get<std::string>(), false) == ids &&
                            tok.decode(ids) == c.at("decoded").get<std::string>();
            if (!ok && failed++ == 0)
                first = QString::fromStdString(c.at("text").get<std::string>());
        }
        QVERIFY2(failed == 0, qPrintable(QString("%1 of %2 failed, first '%3'").arg(failed).arg(cases.size()).arg(first)));
    }

    void tinySpecialIds()
    {
        const Tokenizer tok(tokenizerSpecFromGguf(tinyGguf()));
        QCOMPARE(tok.vocabSize(), 512);
        QCOMPARE(tok.eosId(), 511);
        QCOMPARE(tok.eotId(), 511);
        QCOMPARE(tok.padId(), 509);
        QCOMPARE(tok.bosId(), -1);
        QVERIFY(!tok.addsBos());
        QVERIFY(tok.isEndOfGeneration(511));
        QVERIFY(tok.isEndOfGeneration(509)); // <|endoftext|> is a control token
        QVERIFY(tok.isSpecial(510));
        QCOMPARE(tok.spec().model, TokenizerModel::ByteLevelBpe);
        QCOMPARE(tok.spec().preTokenizerName, std::string("qwen2"));
        QVERIFY(tok.spec().chatTemplate.find("<|im_start|>") != std::string::npos);
        QCOMPARE(tok.encode("<|im_start|>user\nHi<|im_end|>", true).front(), 510);
    }

    // Every name maps to patterns PCRE2 compiles, and byte-level text round-trips through each.
    void presetsCompile_data()
    {
        QTest::addColumn<QString>("pre");
        for (const char *name : {"default", "gpt2", "olmo", "qwen2", "qwen35", "llama-bpe", "llama3", "glm4",
                                 "deepseek-llm", "deepseek-coder", "deepseek-v3", "gpt-4o", "kimi-k2", "tekken",
                                 "starcoder", "bailingmoe", "seed-coder", "poro-chat", "viking", "megrez"})
            QTest::newRow(name) << QString(name);
    }

    void presetsCompile()
    {
        QFETCH(QString, pre);
        FakeGguf g = tinyGguf();
        g.strings["tokenizer.ggml.pre"] = pre.toStdString();
        const Tokenizer tok(tokenizerSpecFromGguf(g));
        const std::string text = "Hello, World! It's 12345 \xE4\xBD\xA0\xE5\xA5\xBD  \n\n\tdone?";
        QCOMPARE(tok.decode(tok.encode(text, false)), text);
    }

    void presetDetails()
    {
        QVERIFY(ggufPrePreset("qwen2").nfc);
        QVERIFY(!ggufPrePreset("llama-bpe").nfc);
        QVERIFY(ggufPrePreset("llama-bpe").ignoreMerges);
        QVERIFY(ggufPrePreset("llama-bpe").addBos);
        QCOMPARE(ggufPrePreset("deepseek-v3").steps.size(), size_t(3));
        QCOMPARE(ggufPrePreset("deepseek-llm").steps.size(), size_t(6));
    }

    void llama3DefaultsToBos()
    {
        FakeGguf g = tinyGguf();
        g.strings["tokenizer.ggml.pre"] = "llama-bpe";
        g.bools.clear();
        g.ints["tokenizer.ggml.bos_token_id"] = 510;
        const Tokenizer tok(tokenizerSpecFromGguf(g));
        QVERIFY(tok.addsBos());
        QCOMPARE(tok.encode("Hi", true).front(), 510);
        QCOMPARE(tok.encode("Hi", false).front(), 39);
    }

    void badMetadataFails_data()
    {
        QTest::addColumn<QString>("what");
        QTest::addColumn<QString>("expected");
        QTest::newRow("unknown pre") << "pre" << "unknown pre-tokenizer 'no-such-pre'";
        QTest::newRow("unknown model") << "model" << "tokenizer model 'bert' is not supported";
        QTest::newRow("no model") << "nomodel" << "tokenizer.ggml.model is missing";
        QTest::newRow("no tokens") << "tokens" << "tokenizer.ggml.tokens is missing";
        QTest::newRow("type count") << "types" << "tokenizer.ggml.token_type has 3 entries for 512 tokens";
        QTest::newRow("no merges") << "merges" << "tokenizer.ggml.merges is missing";
        QTest::newRow("bad merge") << "badmerge" << "entry 'abc' is not two tokens";
    }

    void badMetadataFails()
    {
        QFETCH(QString, what);
        QFETCH(QString, expected);
        FakeGguf g = tinyGguf();
        if (what == "pre")
            g.strings["tokenizer.ggml.pre"] = "no-such-pre";
        else if (what == "model")
            g.strings["tokenizer.ggml.model"] = "bert";
        else if (what == "nomodel")
            g.strings.erase("tokenizer.ggml.model");
        else if (what == "tokens")
            g.stringArrays.erase("tokenizer.ggml.tokens");
        else if (what == "types")
            g.intArrays["tokenizer.ggml.token_type"] = {1, 1, 1};
        else if (what == "merges")
            g.stringArrays.erase("tokenizer.ggml.merges");
        else if (what == "badmerge")
            g.stringArrays["tokenizer.ggml.merges"].push_back("abc");
        const QString error = errorOf(g);
        QVERIFY2(error.contains(expected), qPrintable("error was: " + error));
    }

    // The adapter forwards to any table with GgufMetadata's getter names.
    void adapterForwards()
    {
        const FakeGguf g = tinyGguf();
        const GgufMetadataAdapter<FakeGguf> adapter(g);
        QCOMPARE(adapter.getString("tokenizer.ggml.pre").value_or(""), std::string("qwen2"));
        QCOMPARE(adapter.getInt("tokenizer.ggml.eos_token_id").value_or(0), int64_t(511));
        QCOMPARE(adapter.getStringArray("tokenizer.ggml.tokens")->size(), size_t(512));
        QVERIFY(!adapter.getFloatArray("tokenizer.ggml.scores"));
        QCOMPARE(Tokenizer(tokenizerSpecFromGguf(adapter)).encode("Hello world", false),
                 (std::vector<int32_t>{39, 68, 362, 78, 271, 259, 482}));
    }
};

QTEST_GUILESS_MAIN(TstTokenizerGguf)
#include "tst_tokenizer_gguf.moc"
