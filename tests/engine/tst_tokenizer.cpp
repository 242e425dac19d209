// Tokenizer against the Hugging Face references of the refpack: every encodings.json string of the tiny,
// qwen3 and llama3 tokenizers must encode to exactly the reference ids, decode back, and stream-decode
// to the same text in valid UTF-8 pieces; chat renderings must encode to their ids.
#include "engine/text/hf_tokenizer_json.h"
#include "engine/text/stream_decoder.h"
#include "engine/text/tokenizer.h"
#include "engine/text/unicode_text.h"

#include <QElapsedTimer>
#include <QtTest>

#include <nlohmann/json.hpp>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <random>
#include <sstream>
#include <thread>

using namespace enclave;
using Json = nlohmann::json;

namespace {

const std::string kRefpack = ENCLAVE_REFPACK_DIR;
constexpr int kMaxReportedFailures = 5;
constexpr qint64 kMaxEncodeMillis = 1000; // 100 KB of text

Json readJson(const std::string &path)
{
    std::ifstream in(path, std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    return Json::parse(text.str());
}

struct TokenizerFiles {
    std::string json;
    std::string config;
    std::string references; // folder with encodings.json (and chat_template_render.json)
};

std::map<std::string, TokenizerFiles> tokenizerFiles()
{
    return {
        {"tiny", {kRefpack + "/models/llama/hf/tokenizer.json", kRefpack + "/models/llama/hf/tokenizer_config.json",
                  kRefpack + "/tokenizers/tiny"}},
        {"qwen3", {kRefpack + "/tokenizers/qwen3/tokenizer.json", kRefpack + "/tokenizers/qwen3/tokenizer_config.json",
                   kRefpack + "/tokenizers/qwen3"}},
        {"llama3", {kRefpack + "/tokenizers/llama3/tokenizer.json",
                    kRefpack + "/tokenizers/llama3/tokenizer_config.json", kRefpack + "/tokenizers/llama3"}},
    };
}

// Loaded once per run: the real vocabularies take a moment to parse.
const Tokenizer &tokenizerNamed(const std::string &name)
{
    static std::map<std::string, std::unique_ptr<Tokenizer>> cache;
    auto &slot = cache[name];
    if (!slot) {
        const TokenizerFiles files = tokenizerFiles().at(name);
        slot = std::make_unique<Tokenizer>(loadHfTokenizerSpec(files.json, files.config));
    }
    return *slot;
}

std::vector<int32_t> idsOf(const Json &j) { return j.get<std::vector<int32_t>>(); }

std::string show(const std::vector<int32_t> &ids)
{
    std::string s = "[";
    for (size_t i = 0; i < ids.size(); ++i)
        s += (i ? "," : "") + std::to_string(ids[i]);
    return s + "]";
}

// Streams `ids` one at a time; empty string when every piece was valid UTF-8 and the pieces add up.
std::string checkStreaming(const Tokenizer &tok, const std::vector<int32_t> &ids, const std::string &expected)
{
    StreamDecoder stream(tok);
    std::string text;
    for (int32_t id : ids) {
        const std::string piece = stream.push(id);
        if (!isValidUtf8(piece))
            return "stream emitted invalid UTF-8 after id " + std::to_string(id);
        text += piece;
    }
    text += stream.flush();
    return text == expected ? std::string() : "stream gave '" + text + "'";
}

// All checks of one encodings.json case; returns the problems found.
std::vector<std::string> checkCase(const Tokenizer &tok, const Json &c)
{
    std::vector<std::string> problems;
    const std::string text = c.at("text");
    const std::vector<int32_t> ids = idsOf(c.at("ids"));
    const std::vector<int32_t> got = tok.encode(text, false);
    if (got != ids)
        problems.push_back("encode: got " + show(got) + " expected " + show(ids));
    if (c.contains("ids_with_special_tokens") && tok.encode(text, true) != idsOf(c["ids_with_special_tokens"]))
        problems.push_back("encode with special tokens differs");
    const std::string decoded = c.at("decoded");
    if (const std::string d = tok.decode(ids); d != decoded)
        problems.push_back("decode gave '" + d + "'");
    if (std::string s = checkStreaming(tok, ids, decoded); !s.empty())
        problems.push_back(std::move(s));
    return problems;
}

std::string hundredKilobytesOfText(const Json &cases)
{
    std::string text;
    for (int round = 0; text.size() < 100 * 1024; ++round)
        for (const Json &c : cases)
            text += c.at("text").get<std::string>() + " " + std::to_string(round * 7919) + "\n";
    return text;
}

} // namespace

class TstTokenizer : public QObject {
    Q_OBJECT

private slots:
    void initTestCase()
    {
        if (!std::filesystem::exists(kRefpack + "/tokenizers/qwen3/encodings.json"))
            QSKIP("reference pack not found");
    }

    void encodings_data()
    {
        QTest::addColumn<QString>("name");
        for (const char *name : {"tiny", "qwen3", "llama3"})
            QTest::newRow(name) << QString(name);
    }

    void encodings()
    {
        QFETCH(QString, name);
        const Tokenizer &tok = tokenizerNamed(name.toStdString());
        const Json cases = readJson(tokenizerFiles().at(name.toStdString()).references + "/encodings.json").at("cases");
        QVERIFY(cases.size() >= 60);
        int failed = 0;
        QString report;
        for (const Json &c : cases) {
            const std::vector<std::string> problems = checkCase(tok, c);
            if (problems.empty())
                continue;
            if (++failed <= kMaxReportedFailures)
                report += QString::fromStdString("\n  '" + c.at("text").get<std::string>() + "': " + problems[0]);
        }
        QVERIFY2(failed == 0, qPrintable(QString("%1 of %2 cases failed:%3").arg(failed).arg(cases.size()).arg(report)));
    }

    void chatTemplateRendering_data()
    {
        QTest::addColumn<QString>("name");
        QTest::newRow("qwen3") << "qwen3";
        QTest::newRow("llama3") << "llama3";
    }

    void chatTemplateRendering()
    {
        QFETCH(QString, name);
        const Tokenizer &tok = tokenizerNamed(name.toStdString());
        const Json render = readJson(tokenizerFiles().at(name.toStdString()).references + "/chat_template_render.json");
        const std::string rendered = render.at("rendered");
        QCOMPARE(show(tok.encode(rendered, false)), show(idsOf(render.at("rendered_ids"))));
        QCOMPARE(tok.decode(idsOf(render.at("rendered_ids"))), rendered);
        QVERIFY(!tok.spec().chatTemplate.empty());
    }

    void tinyPrompt()
    {
        const Json prompt = readJson(kRefpack + "/prompt.json");
        const Tokenizer &tok = tokenizerNamed("tiny");
        QCOMPARE(show(tok.encode(prompt.at("text").get<std::string>(), true)), show(idsOf(prompt.at("ids"))));
    }

    void specialIds()
    {
        const Tokenizer &tiny = tokenizerNamed("tiny");
        QCOMPARE(tiny.eosId(), 511);
        QCOMPARE(tiny.padId(), 509);
        QCOMPARE(tiny.bosId(), -1);
        QVERIFY(!tiny.addsBos());
        QVERIFY(tiny.isEndOfGeneration(511));
        QVERIFY(!tiny.isEndOfGeneration(510));

        const Tokenizer &qwen = tokenizerNamed("qwen3");
        QCOMPARE(qwen.eotId(), qwen.findToken("<|im_end|>"));
        QVERIFY(qwen.isEndOfGeneration(qwen.findToken("<|endoftext|>")));
        QVERIFY(!qwen.isEndOfGeneration(qwen.findToken("<|im_start|>")));
        QCOMPARE(qwen.vocabSize(), 151669);

        const Tokenizer &llama = tokenizerNamed("llama3");
        QCOMPARE(llama.bosId(), 128000);
        QCOMPARE(llama.eosId(), 128001);
        QCOMPARE(llama.eotId(), 128009);
        QVERIFY(llama.isEndOfGeneration(128009));
        QVERIFY(llama.isSpecial(128000));
        QVERIFY(!llama.isSpecial(9906));
    }

    void parseSpecialOff()
    {
        const Tokenizer &tok = tokenizerNamed("qwen3");
        const int32_t imStart = tok.findToken("<|im_start|>");
        QCOMPARE(tok.encode("<|im_start|>user", false, true).front(), imStart);
        const std::vector<int32_t> plain = tok.encode("<|im_start|>user", false, false);
        QVERIFY(std::find(plain.begin(), plain.end(), imStart) == plain.end());
        QCOMPARE(tok.decode(plain), std::string("<|im_start|>user"));
    }

    void skipSpecialOnDecode()
    {
        const Tokenizer &tok = tokenizerNamed("qwen3");
        const std::vector<int32_t> ids = tok.encode("<|im_start|>assistant\nHi<|im_end|>", false);
        QCOMPARE(tok.decode(ids, true), std::string("assistant\nHi"));
        StreamDecoder stream(tok, true);
        std::string text;
        for (int32_t id : ids)
            text += stream.push(id);
        QCOMPARE(text + stream.flush(), std::string("assistant\nHi"));
    }

    // A 4-byte emoji is several byte tokens in the tiny vocabulary: nothing comes out until the last one.
    void streamHoldsIncompleteCharacters()
    {
        const Tokenizer &tok = tokenizerNamed("tiny");
        const std::string emoji = "\xF0\x9F\x98\x80";
        const std::vector<int32_t> ids = tok.encode(emoji, false);
        QVERIFY(ids.size() >= 2);
        StreamDecoder stream(tok);
        for (size_t i = 0; i + 1 < ids.size(); ++i)
            QCOMPARE(stream.push(ids[i]), std::string());
        QCOMPARE(stream.push(ids.back()), emoji);
        QCOMPARE(stream.flush(), std::string());
    }

    // A lone continuation byte cannot become text: U+FFFD, in decode and in streaming.
    void invalidBytesBecomeReplacementCharacters()
    {
        const Tokenizer &tok = tokenizerNamed("tiny");
        const std::vector<int32_t> emoji = tok.encode("\xF0\x9F\x98\x80", false);
        const std::vector<int32_t> truncated(emoji.begin(), emoji.end() - 1);
        QCOMPARE(tok.decode(truncated), std::string("\xEF\xBF\xBD"));
        StreamDecoder stream(tok);
        for (int32_t id : truncated)
            QCOMPARE(stream.push(id), std::string());
        QCOMPARE(stream.flush(), std::string("\xEF\xBF\xBD"));
        QCOMPARE(tok.decode(tok.encode("a\xFF" "b", false)), std::string("a\xEF\xBF\xBD" "b"));
    }

    void tokenPieces()
    {
        const Tokenizer &tok = tokenizerNamed("qwen3");
        QCOMPARE(tok.tokenPiece(tok.findToken("\xC4\xA0world")), std::string(" world"));
        QCOMPARE(tok.tokenPiece(tok.findToken("<|im_end|>")), std::string("<|im_end|>"));
        QCOMPARE(tok.tokenPiece(-1), std::string());
        QCOMPARE(tok.tokenPiece(tok.vocabSize()), std::string());
    }

    // Random bytes (invalid UTF-8, fragments of special tokens) round-trip up to U+FFFD and NFC; random
    // ids stream-decode to exactly what decode gives, in valid UTF-8 pieces.
    void randomInputs()
    {
        const Tokenizer &tok = tokenizerNamed("tiny");
        std::mt19937 rng(1234);
        const std::vector<std::string> atoms = {"a", " ", "\n", "\xE4\xBD\xA0", "\xF0\x9F", "\x98\x80", "\xFF",
                                                "<|im_", "end|>", "<|im_end|>", "e\xCC\x81", "12", "'s", "\t"};
        for (int i = 0; i < 2000; ++i) {
            std::string text;
            for (int n = int(rng() % 12); n > 0; --n)
                text += atoms[rng() % atoms.size()];
            const std::string expected = normalizeUnicode(sanitizeUtf8(text), NormalForm::Nfc);
            QCOMPARE(tok.decode(tok.encode(text, false)), expected);

            std::vector<int32_t> ids(rng() % 10);
            for (int32_t &id : ids)
                id = int32_t(rng() % uint32_t(tok.vocabSize()));
            QCOMPARE(checkStreaming(tok, ids, tok.decode(ids)), std::string());
        }
    }

    // Encoding shares one word cache between threads: results must not depend on who fills it.
    void concurrentEncode()
    {
        const Tokenizer &tok = tokenizerNamed("llama3");
        const Json cases = readJson(tokenizerFiles().at("llama3").references + "/encodings.json").at("cases");
        std::atomic<int> mismatches = 0;
        std::vector<std::thread> threads;
        for (int t = 0; t < 4; ++t)
            threads.emplace_back([&] {
                for (int round = 0; round < 20; ++round)
                    for (const Json &c : cases)
                        if (tok.encode(c.at("text").get<std::string>(), false) != idsOf(c.at("ids")))
                            ++mismatches;
            });
        for (std::thread &t : threads)
            t.join();
        QCOMPARE(mismatches.load(), 0);
    }

    void encodesHundredKilobytesQuickly_data()
    {
        QTest::addColumn<QString>("name");
        QTest::newRow("qwen3") << "qwen3";
        QTest::newRow("llama3") << "llama3";
    }

    void encodesHundredKilobytesQuickly()
    {
        QFETCH(QString, name);
        const TokenizerFiles files = tokenizerFiles().at(name.toStdString());
        const Tokenizer tok(loadHfTokenizerSpec(files.json, files.config)); // fresh: empty word cache
        const std::string text = hundredKilobytesOfText(readJson(files.references + "/encodings.json").at("cases"));
        QElapsedTimer timer;
        timer.start();
        const std::vector<int32_t> ids = tok.encode(text, false);
        const qint64 ms = timer.elapsed();
        QVERIFY2(ms < kMaxEncodeMillis, qPrintable(QString("%1 bytes took %2 ms").arg(text.size()).arg(ms)));
        const bool nfc = !tok.spec().normalizers.empty();
        QCOMPARE(tok.decode(ids), nfc ? normalizeUnicode(text, NormalForm::Nfc) : text);
    }
};

QTEST_GUILESS_MAIN(TstTokenizer)
#include "tst_tokenizer.moc"
