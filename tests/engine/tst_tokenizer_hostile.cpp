// Hostile tokenizer files: a generator turns a small valid byte-level BPE tokenizer.json (and GGUF
// tokenizer metadata) into one malformed input per row; each must fail with a TokenizerFormatError
// that says why, quickly, instead of crashing, hanging or allocating by a number read from the file.
#include "engine/text/gguf_tokenizer.h"
#include "engine/text/hf_tokenizer_json.h"
#include "engine/text/stream_decoder.h"
#include "engine/text/tokenizer.h"
#include "engine/text/unicode_text.h"

#include <QElapsedTimer>
#include <QtTest>

#include <nlohmann/json.hpp>

#include <cmath>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>

using namespace enclave;
using Json = nlohmann::json;
using Mutation = std::function<void(Json &)>;

Q_DECLARE_METATYPE(Mutation)

namespace {

constexpr qint64 kMaxMillis = 3000; // every hostile input must be refused within this
const std::string kSpace = "\xC4\xA0"; // "Ġ", the byte-level space

// A valid tokenizer: the 256 byte-level symbols (ids 0..255), merges up to "hello" and "Ġhello",
// and one special token. Pre-tokenizer and decoder ByteLevel, no normalizer.
Json smallTokenizer()
{
    Json vocab = Json::object();
    for (int b = 0; b < 256; ++b)
        vocab[std::string(byteLevelChar(uint8_t(b)))] = b;
    const std::vector<std::pair<std::string, std::string>> merges = {
        {"h", "e"}, {"l", "l"}, {"he", "ll"}, {"hell", "o"}, {kSpace, "hello"}};
    Json mergeList = Json::array();
    for (const auto &[left, right] : merges) {
        vocab[left + right] = int(vocab.size());
        mergeList.push_back({left, right});
    }
    const int special = int(vocab.size());
    return Json{
        {"version", "1.0"},
        {"added_tokens", {{{"id", special}, {"content", "<|end|>"}, {"special", true}, {"normalized", false}}}},
        {"normalizer", nullptr},
        {"pre_tokenizer", {{"type", "ByteLevel"}, {"add_prefix_space", false}, {"use_regex", true}}},
        {"post_processor", nullptr},
        {"decoder", {{"type", "ByteLevel"}}},
        {"model", {{"type", "BPE"}, {"vocab", vocab}, {"merges", mergeList}}},
    };
}

// `levels` nested copies of `open` ... `close` around `inner`, as text: nlohmann would recurse (and
// overflow this test's stack) dumping a value that deep.
std::string nested(const std::string &open, const std::string &inner, const std::string &close, int levels)
{
    std::string out;
    out.reserve((open.size() + close.size()) * size_t(levels) + inner.size());
    for (int i = 0; i < levels; ++i)
        out += open;
    out += inner;
    for (int i = 0; i < levels; ++i)
        out += close;
    return out;
}

// The small tokenizer with the part `key` replaced by raw JSON text.
std::string withPartText(const std::string &key, const std::string &text)
{
    Json j = smallTokenizer();
    j[key] = "@PART@";
    std::string out = j.dump();
    out.replace(out.find("\"@PART@\""), 8, text);
    return out;
}

// The small tokenizer with `part` a Sequence of a Sequence ... (`levels` deep) of `inner`.
std::string nestedSequence(const std::string &part, const std::string &listKey, const std::string &inner, int levels)
{
    return withPartText(part, nested(R"({"type":"Sequence",")" + listKey + R"(":[)", inner, "]}", levels));
}

// A Replace step of the literal `from`, or of the regex `regex` when one is given.
Json replaceStep(const std::string &from, const std::string &to, const std::string &regex = {})
{
    const Json pattern = regex.empty() ? Json{{"String", from}} : Json{{"Regex", regex}};
    return {{"type", "Replace"}, {"pattern", pattern}, {"content", to}};
}

Json sequence(const char *listKey, Json steps)
{
    return {{"type", "Sequence"}, {listKey, std::move(steps)}};
}

// The message of the TokenizerFormatError that building (and then using) the tokenizer gives.
std::string errorOf(const std::string &json, const std::string &text = "hello world  x")
{
    try {
        const Tokenizer tok(tokenizerSpecFromHfJson(json));
        const std::vector<int32_t> ids = tok.encode(text, true);
        tok.decode(ids);
    } catch (const TokenizerFormatError &e) {
        return e.what();
    }
    return "(no error)";
}

void expectError(const std::string &json, const QString &expected, const std::string &text = "hello world  x")
{
    QElapsedTimer timer;
    timer.start();
    const QString error = QString::fromStdString(errorOf(json, text));
    QVERIFY2(error.contains(expected), qPrintable("error was: " + error));
    QVERIFY2(timer.elapsed() < kMaxMillis, qPrintable(QString("took %1 ms").arg(timer.elapsed())));
    for (QChar c : error)
        QVERIFY2(c.unicode() >= 0x20, qPrintable("control character in: " + error));
}

void addMutationRow(const char *name, const QString &expected, Mutation m)
{
    QTest::newRow(name) << expected << m;
}

// GGUF metadata in memory: the small tokenizer as the converter records it.
class FakeGguf final : public GgufMetadataSource {
public:
    FakeGguf()
    {
        const Json j = smallTokenizer();
        tokens.resize(j["model"]["vocab"].size() + 1);
        for (const auto &[text, id] : j["model"]["vocab"].items())
            tokens[size_t(id.get<int>())] = text;
        tokens.back() = "<|end|>";
        types.assign(tokens.size(), 1);
        types.back() = 3;
        for (const Json &m : j["model"]["merges"])
            merges.push_back(m[0].get<std::string>() + " " + m[1].get<std::string>());
    }
    std::vector<std::string> tokens, merges;
    std::vector<int64_t> types;
    std::vector<double> scores;
    std::map<std::string, int64_t, std::less<>> ints;
    std::string pre = "qwen2";

    std::optional<std::string> getString(std::string_view key) const override
    {
        if (key == "tokenizer.ggml.model")
            return "gpt2";
        return key == "tokenizer.ggml.pre" ? std::optional(pre) : std::nullopt;
    }
    std::optional<int64_t> getInt(std::string_view key) const override
    {
        const auto it = ints.find(key);
        return it == ints.end() ? std::nullopt : std::optional(it->second);
    }
    std::optional<bool> getBool(std::string_view) const override { return std::nullopt; }
    std::optional<std::vector<std::string_view>> getStringArray(std::string_view key) const override
    {
        const std::vector<std::string> *v = key == "tokenizer.ggml.tokens" ? &tokens
                                          : key == "tokenizer.ggml.merges" ? &merges : nullptr;
        return v ? std::optional(std::vector<std::string_view>(v->begin(), v->end())) : std::nullopt;
    }
    std::optional<std::vector<int64_t>> getIntArray(std::string_view key) const override
    {
        return key == "tokenizer.ggml.token_type" ? std::optional(types) : std::nullopt;
    }
    std::optional<std::vector<double>> getFloatArray(std::string_view key) const override
    {
        return key == "tokenizer.ggml.scores" && !scores.empty() ? std::optional(scores) : std::nullopt;
    }
};

} // namespace

class TstTokenizerHostile : public QObject {
    Q_OBJECT

private slots:
    void smallTokenizerWorks()
    {
        const Tokenizer tok(tokenizerSpecFromHfJson(smallTokenizer().dump()));
        const std::vector<int32_t> ids = tok.encode("hello hello<|end|>", false);
        QCOMPARE(ids, (std::vector<int32_t>{259, 260, 261}));
        QCOMPARE(tok.decode(ids), std::string("hello hello<|end|>"));
    }

    // Stack overflow: JSON nested 10^4-10^5 deep anywhere, and Sequence parts nested too deep.
    void deepNesting_data()
    {
        QTest::addColumn<QString>("json");
        QTest::addColumn<QString>("expected");
        const auto row = [](const char *name, const std::string &json, const char *expected) {
            QTest::newRow(name) << QString::fromStdString(json) << expected;
        };
        const char *tooDeep = "nested deeper than 64 levels";
        row("normalizer 1e5", nestedSequence("normalizer", "normalizers", R"({"type":"NFC"})", 100000), tooDeep);
        row("pre_tokenizer 1e4", nestedSequence("pre_tokenizer", "pretokenizers", R"({"type":"Digits"})", 10000),
            tooDeep);
        row("decoder 1e5", nestedSequence("decoder", "decoders", R"({"type":"Fuse"})", 100000), tooDeep);
        row("unused key 1e5", withPartText("extra", nested("[", "1", "]", 100000)), tooDeep);
        row("vocab value 1e5", withPartText("model", nested(R"({"vocab":)", "{}", "}", 100000)), tooDeep);
        row("normalizer Sequence 20", nestedSequence("normalizer", "normalizers", R"({"type":"NFC"})", 20),
            "normalizer Sequence nested deeper than 8 levels");
        row("post_processor Sequence 20",
            nestedSequence("post_processor", "processors", R"({"type":"ByteLevel"})", 20),
            "post_processor Sequence nested deeper than 8 levels");
    }

    void deepNesting()
    {
        QFETCH(QString, json);
        QFETCH(QString, expected);
        expectError(json.toStdString(), expected);
    }

    // Exponential growth: chained replacements and alternating pre-tokenizer stages; too many stages.
    void textGrowth_data()
    {
        QTest::addColumn<QString>("expected");
        QTest::addColumn<Mutation>("mutate");
        addMutationRow("Replace x4, 20 times", "the normalizer would turn", [](Json &j) {
            Json steps = Json::array();
            for (int i = 0; i < 20; ++i)
                steps.push_back(replaceStep(" ", "    "));
            j["normalizer"] = sequence("normalizers", steps);
        });
        addMutationRow("Replace o by 1 KiB of o, 3 times", "the normalizer would turn", [](Json &j) {
            const Json step = replaceStep("o", std::string(1024, 'o'));
            j["normalizer"] = sequence("normalizers", {step, step, step});
        });
        addMutationRow("prefix space / split / Metaspace cycle", "the pre-tokenizer would turn", [](Json &j) {
            Json steps = Json::array();
            for (int i = 0; i < 21; ++i) {
                steps.push_back({{"type", "ByteLevel"}, {"add_prefix_space", true}, {"use_regex", false}});
                steps.push_back({{"type", "Split"}, {"pattern", {{"Regex", "."}}}, {"behavior", "Isolated"}});
                steps.push_back({{"type", "Metaspace"}, {"prepend_scheme", "never"}, {"split", false}});
            }
            j["pre_tokenizer"] = sequence("pretokenizers", steps);
        });
        addMutationRow("100000 normalizer steps", "more than 64 normalizer stages", [](Json &j) {
            j["normalizer"] = sequence("normalizers", Json::array());
            for (int i = 0; i < 100000; ++i)
                j["normalizer"]["normalizers"].push_back({{"type", "NFC"}});
        });
        addMutationRow("Replace content of 1 MiB", "normalizer Replace content is 1048576 bytes long",
                       [](Json &j) { j["normalizer"] = replaceStep(" ", std::string(1 << 20, 'x')); });
        addMutationRow("decoder Replace content of 1 MiB", "decoder Replace content is 1048576 bytes long",
                       [](Json &j) { j["decoder"] = replaceStep("a", std::string(1 << 20, 'x')); });
        addMutationRow("decoder Replace a by 1000 bytes", "decoder replacement of 'a' by 1000 bytes makes a token",
                       [](Json &j) {
                           j["pre_tokenizer"] = nullptr;
                           j["decoder"] = replaceStep("a", std::string(1000, 'x'));
                       });
    }

    void textGrowth() { runMutation(); }

    // Ids, vocabulary references and merges that do not fit the vocabulary.
    void idsAndMerges_data()
    {
        QTest::addColumn<QString>("expected");
        QTest::addColumn<Mutation>("mutate");
        const auto vocabId = [](Json value) { return [value](Json &j) { j["model"]["vocab"]["h"] = value; }; };
        addMutationRow("vocab id 2^31-1", "model.vocab id of 'h' 2147483647 is outside [0, 65797]", vocabId(INT32_MAX));
        addMutationRow("vocab id 2^64-1", "is outside", vocabId(UINT64_MAX));
        addMutationRow("vocab id 16777215", "is outside", vocabId(16777215));
        addMutationRow("vocab id -1", "is outside", vocabId(-1));
        addMutationRow("vocab id 1e300", "model.vocab id of 'h' is not an integer", vocabId(1e300));
        addMutationRow("vocab id string", "is not an integer", vocabId("7"));
        addMutationRow("vocab id twice", "model.vocab gives id 5 to both", vocabId(5));
        addMutationRow("vocab not an object", "model.vocab is not an object",
                       [](Json &j) { j["model"]["vocab"] = Json::array({1, 2}); });
        addMutationRow("added id 10^7", "added_tokens id of '<|end|>' 10000000 is outside",
                       [](Json &j) { j["added_tokens"][0]["id"] = 10000000; });
        addMutationRow("added id -5", "is outside", [](Json &j) { j["added_tokens"][0]["id"] = -5; });
        addMutationRow("post_processor id 2^40", "post_processor id of 'X' 1099511627776 is outside", [](Json &j) {
            j["post_processor"] = {{"type", "TemplateProcessing"},
                                   {"single", {{{"SpecialToken", {{"id", "X"}}}}, {{"Sequence", {{"id", "A"}}}}}},
                                   {"special_tokens", {{"X", {{"id", "X"}, {"ids", {int64_t(1) << 40}}}}}}};
        });
        addMutationRow("post_processor id past vocabulary", "BOS id 70000 is outside the vocabulary", [](Json &j) {
            j["post_processor"] = {{"type", "TemplateProcessing"},
                                   {"single", {{{"SpecialToken", {{"id", "X"}}}}, {{"Sequence", {{"id", "A"}}}}}},
                                   {"special_tokens", {{"X", {{"id", "X"}, {"ids", {70000}}}}}}};
        });
        addMutationRow("merge part missing", "model.merges entry 1 ('zz' + 'l'): 'zz' is not in model.vocab",
                       [](Json &j) { j["model"]["merges"][1] = {"zz", "l"}; });
        addMutationRow("merged token missing", "'lh' is not in model.vocab",
                       [](Json &j) { j["model"]["merges"][1] = {"l", "h"}; });
        addMutationRow("merge not two tokens", "entry 'abc' is not two tokens",
                       [](Json &j) { j["model"]["merges"][0] = "abc"; });
        addMutationRow("merges not a list", "model.merges is not a list",
                       [](Json &j) { j["model"]["merges"] = {{"a", 1}}; });
        addMutationRow("decoder Strip start 10^12", "decoder Strip start 1000000000000 is outside", [](Json &j) {
            j["decoder"] = {{"type", "Strip"}, {"content", " "}, {"start", int64_t(1e12)}, {"stop", 0}};
        });
    }

    void idsAndMerges() { runMutation(); }

    // An id inside the allowed gap extends the vocabulary with holes, proportionally to the file.
    void saneIdGapIsAccepted()
    {
        Json j = smallTokenizer();
        j["added_tokens"][0]["id"] = 1000;
        const Tokenizer tok(tokenizerSpecFromHfJson(j.dump()));
        QCOMPARE(tok.vocabSize(), 1001);
        QCOMPARE(tok.encode("<|end|>", false), std::vector<int32_t>{1000});
    }

    // Regexes that do not compile, cut characters, or backtrack without end; Split patterns.
    void badRegex_data()
    {
        QTest::addColumn<QString>("expected");
        QTest::addColumn<Mutation>("mutate");
        const auto split = [](const std::string &pattern) {
            return [pattern](Json &j) {
                j["pre_tokenizer"] = {{"type", "Split"}, {"pattern", {{"Regex", pattern}}}, {"behavior", "Isolated"}};
                j["decoder"] = nullptr;
            };
        };
        addMutationRow("unbalanced", "regex /(a/ does not compile", split("(a"));
        addMutationRow("backslash C", "does not compile", split("\\C"));
        addMutationRow("K in lookahead", "does not compile", split("(?=a\\K)"));
        addMutationRow("parentheses 10^4 deep", "does not compile",
                       split(std::string(10000, '(') + std::string(10000, ')')));
        addMutationRow("pattern of 1 MiB", "is 1048576 bytes long", split(std::string(1 << 20, 'a')));
        addMutationRow("catastrophic backtracking", "failed on a text of", split("(a|aa)+$"));
        addMutationRow("nested quantifiers", "failed on a text of", split("(a+)+$"));
        addMutationRow("escape in pattern", "regex /\\x1b[31m(/", split("\x1b[31m("));
        addMutationRow("normalizer regex", "does not compile",
                       [](Json &j) { j["normalizer"] = replaceStep("", "x", "["); });
        addMutationRow("Split behavior", "behavior 'Sideways' is not supported", [](Json &j) {
            j["pre_tokenizer"] = {{"type", "Split"}, {"pattern", {{"String", " "}}}, {"behavior", "Sideways"}};
        });
        addMutationRow("Split without pattern", "unexpected structure", [](Json &j) {
            j["pre_tokenizer"] = {{"type", "Split"}, {"behavior", "Isolated"}};
        });
    }

    void badRegex() { runMutation(std::string(40, 'a') + "!"); }

    // Metaspace replacements and token texts.
    void badStrings_data()
    {
        QTest::addColumn<QString>("expected");
        QTest::addColumn<Mutation>("mutate");
        const auto metaspace = [](const std::string &replacement) {
            return [replacement](Json &j) {
                j["pre_tokenizer"] = {{"type", "Metaspace"}, {"replacement", replacement}};
                j["decoder"] = nullptr;
            };
        };
        addMutationRow("Metaspace empty", "pre_tokenizer Metaspace replacement '' is not exactly one character",
                       metaspace(""));
        addMutationRow("Metaspace two characters", "replacement 'ab' is not exactly one", metaspace("ab"));
        addMutationRow("Metaspace two ▁", "is not exactly one character", metaspace("\xE2\x96\x81\xE2\x96\x81"));
        addMutationRow("decoder Metaspace empty", "decoder Metaspace replacement '' is not exactly one", [](Json &j) {
            j["decoder"] = {{"type", "Metaspace"}, {"replacement", ""}};
        });
        addMutationRow("token of 4 KiB", "is 4096 bytes long (at most 1024)",
                       [](Json &j) { j["model"]["vocab"][std::string(4096, 'a')] = 262; });
        addMutationRow("empty added token", "added token 261 has no id or no text",
                       [](Json &j) { j["added_tokens"][0]["content"] = ""; });
        addMutationRow("escape sequence in a name", "normalizer '\\x1b]0;owned\\x07' is not supported",
                       [](Json &j) { j["normalizer"] = {{"type", "\x1b]0;owned\x07"}}; });
        addMutationRow("type not a string", "normalizer has no \"type\"",
                       [](Json &j) { j["normalizer"] = {{"type", 5}}; });
        addMutationRow("wrong value types", "unexpected structure",
                       [](Json &j) { j["added_tokens"][0]["special"] = "yes"; });
    }

    void badStrings() { runMutation(); }

    // A merge-less vocabulary of long tokens: deriving the merges would take too long.
    void deriveMergesBudget()
    {
        Json j = smallTokenizer();
        j["model"].erase("merges");
        for (int i = 0; i < 300; ++i)
            j["model"]["vocab"][std::string(size_t(i), 'a') + std::string(size_t(1024 - i), 'b')] = 262 + i;
        expectError(j.dump(), "too large to derive merges");
    }

    void invalidJson()
    {
        expectError(std::string("{\"model\": \"\x1b[2J\xff"), "not valid JSON");
        expectError(smallTokenizer().dump().substr(0, 500), "not valid JSON");
    }

    // GGUF tokenizer.ggml.* keys.
    void ggufMetadata()
    {
        const auto ggufError = [](const std::function<void(FakeGguf &)> &mutate) {
            FakeGguf g;
            mutate(g);
            try {
                const Tokenizer tok(tokenizerSpecFromGguf(g));
                tok.decode(tok.encode("hello <|end|>", true));
            } catch (const TokenizerFormatError &e) {
                return QString::fromStdString(e.what());
            }
            return QString("(no error)");
        };
        QCOMPARE(ggufError([](FakeGguf &) {}), QString("(no error)"));
        QVERIFY(ggufError([](FakeGguf &g) { g.types.resize(3); }).contains("token_type has 3 entries for 262"));
        QVERIFY(ggufError([](FakeGguf &g) { g.scores.assign(5, 0.0); }).contains("scores has 5 entries for 262"));
        QVERIFY(ggufError([](FakeGguf &g) { g.scores.assign(262, std::nan("")); }).contains("score of token 0 is NaN"));
        QVERIFY(ggufError([](FakeGguf &g) { g.tokens[100] = "\xC3"; }).contains("100 '\\xc3' is not valid UTF-8"));
        QVERIFY(ggufError([](FakeGguf &g) { g.tokens[261] = "\xE4\xBD"; }).contains("is not valid UTF-8"));
        QVERIFY(ggufError([](FakeGguf &g) { g.tokens[7] = std::string(5000, 'x'); }).contains("5000 bytes long"));
        QVERIFY(ggufError([](FakeGguf &g) { g.pre = "\x1b[31mred"; }).contains("'\\x1b[31mred'"));
        QVERIFY(ggufError([](FakeGguf &g) { g.merges.push_back("\x1b"); }).contains("entry '\\x1b' is not two"));
        // Merges naming no tokens are skipped as llama.cpp does; out-of-range special ids fall back.
        QCOMPARE(ggufError([](FakeGguf &g) { g.merges.push_back("zz yy"); }), QString("(no error)"));
        FakeGguf meta;
        meta.ints = {{"tokenizer.ggml.bos_token_id", INT64_MAX}, {"tokenizer.ggml.eos_token_id", -7},
                     {"tokenizer.ggml.padding_token_id", 262}, {"tokenizer.ggml.eot_token_id", 261}};
        const Tokenizer tok(tokenizerSpecFromGguf(meta));
        QCOMPARE(tok.bosId(), -1);
        QCOMPARE(tok.padId(), -1);
        QCOMPARE(tok.eotId(), 261);
    }

    // Decoding ids outside the vocabulary reads nothing past the tables.
    void decodeOutOfRange()
    {
        const Tokenizer tok(tokenizerSpecFromHfJson(smallTokenizer().dump()));
        const std::vector<int32_t> ids = {-1, INT32_MIN, tok.vocabSize(), INT32_MAX, 259};
        QCOMPARE(tok.decode(ids), std::string("hello"));
        QCOMPARE(tok.tokenPiece(INT32_MAX), std::string());
        QCOMPARE(tok.tokenPiece(-1), std::string());
        QCOMPARE(tok.tokenType(tok.vocabSize()), TokenType::Unused);
        QVERIFY(!tok.isSpecial(INT32_MIN));
        StreamDecoder stream(tok);
        std::string out;
        for (int32_t id : ids)
            out += stream.push(id);
        QCOMPARE(out + stream.flush(), std::string("hello"));
    }

private:
    void runMutation(const std::string &text = "hello world  x")
    {
        QFETCH(QString, expected);
        QFETCH(Mutation, mutate);
        Json j = smallTokenizer();
        mutate(j);
        expectError(j.dump(), expected, text);
    }
};

QTEST_GUILESS_MAIN(TstTokenizerHostile)
#include "tst_tokenizer_hostile.moc"
