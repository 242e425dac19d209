// SentencePiece-style BPE on a small hand-made vocabulary whose expected encodings follow from the
// algorithm (merge the adjacent pair whose result scores highest, leftmost first; unknown characters
// fall back to <0xNN> bytes; "▁" marks spaces and a dummy prefix). The same vocabulary is also fed as
// a hand-built spec, as GGUF "llama" metadata and as a Llama-2-style tokenizer.json; all must agree.
#include "engine/text/gguf_tokenizer.h"
#include "engine/text/hf_tokenizer_json.h"
#include "engine/text/stream_decoder.h"
#include "engine/text/tokenizer.h"

#include <QtTest>

#include <nlohmann/json.hpp>

#include <map>

using namespace enclave;
using Json = nlohmann::json;
using Ids = std::vector<int32_t>;

namespace {

const std::string kSpace = "\xE2\x96\x81"; // "▁"
constexpr int32_t kByte0 = 3;              // <0x00>; <0xNN> is kByte0 + NN

struct Piece {
    std::string text;
    float score;
};

// Ids 259.. in order. Scores decide merges: higher first.
const std::vector<Piece> kPieces = {
    {kSpace, -1000}, {"h", -1000}, {"e", -1000}, {"l", -1000}, {"o", -1000}, {"w", -1000}, {"r", -1000},
    {"d", -1000},                                                          // 259..266
    {"lo", -0.5f}, {"ll", -1}, {"he", -2}, {kSpace + "he", -3}, {"llo", -4}, // 267..271
    {kSpace + "hello", -5}, {"or", -6}, {kSpace + "w", -7}, {kSpace + "wor", -8}, {"ld", -9},
    {kSpace + "world", -10}, // 272..277
};

int32_t idOf(const std::string &text)
{
    for (size_t i = 0; i < kPieces.size(); ++i)
        if (kPieces[i].text == text)
            return int32_t(259 + i);
    return -1;
}

std::string byteToken(int b)
{
    char buf[8];
    std::snprintf(buf, sizeof buf, "<0x%02X>", b);
    return buf;
}

TokenizerSpec handSpec()
{
    TokenizerSpec s;
    s.model = TokenizerModel::SentencePieceBpe;
    auto add = [&](const std::string &text, float score, TokenType type) {
        s.tokens.push_back(text);
        s.scores.push_back(score);
        s.tokenTypes.push_back(type);
    };
    add("<unk>", 0, TokenType::Unknown);
    add("<s>", 0, TokenType::Control);
    add("</s>", 0, TokenType::Control);
    for (int b = 0; b < 256; ++b)
        add(byteToken(b), 0, TokenType::Byte);
    for (const Piece &p : kPieces)
        add(p.text, p.score, TokenType::Normal);
    for (int32_t id : {0, 1, 2})
        s.addedTokens.push_back({id, s.tokens[size_t(id)], true, false, false, false, false});
    s.normalizers = {{NormalizerStep::Kind::Prepend, {}, false, kSpace}, {NormalizerStep::Kind::Replace, " ", false, kSpace}};
    s.decoder.byteFallback = true;
    s.decoder.replacements = {{kSpace, " "}};
    s.decoder.stripLeadingSpaces = 1;
    s.byteFallback = true;
    s.unkId = 0;
    s.bosId = 1;
    s.eosId = 2;
    s.addBos = true;
    s.indexTokens();
    deriveEndOfGeneration(s);
    return s;
}

// The same vocabulary as Llama 2's tokenizer.json writes it: merges ordered by the merged piece's score.
std::string hfJson()
{
    const TokenizerSpec s = handSpec();
    Json vocab = Json::object();
    for (size_t i = 0; i < s.tokens.size(); ++i)
        vocab[s.tokens[i]] = i;
    std::vector<std::pair<float, Json>> merges;
    for (const Piece &p : kPieces)
        for (size_t cut = 1; cut < p.text.size(); ++cut)
            if (idOf(p.text.substr(0, cut)) >= 0 && idOf(p.text.substr(cut)) >= 0)
                merges.push_back({p.score, Json::array({p.text.substr(0, cut), p.text.substr(cut)})});
    std::stable_sort(merges.begin(), merges.end(), [](auto &a, auto &b) { return a.first > b.first; });
    Json mergeList = Json::array();
    for (auto &m : merges)
        mergeList.push_back(m.second);
    Json added = Json::array();
    for (int id : {0, 1, 2})
        added.push_back({{"id", id}, {"content", s.tokens[size_t(id)]}, {"single_word", false}, {"lstrip", false},
                         {"rstrip", false}, {"normalized", false}, {"special", true}});
    const Json replaceSpace = {{"type", "Replace"}, {"pattern", {{"String", " "}}}, {"content", kSpace}};
    return Json{
        {"version", "1.0"},
        {"added_tokens", added},
        {"normalizer", {{"type", "Sequence"}, {"normalizers", {{{"type", "Prepend"}, {"prepend", kSpace}}, replaceSpace}}}},
        {"pre_tokenizer", nullptr},
        {"post_processor",
         {{"type", "TemplateProcessing"},
          {"single", {{{"SpecialToken", {{"id", "<s>"}, {"type_id", 0}}}}, {{"Sequence", {{"id", "A"}, {"type_id", 0}}}}}},
          {"special_tokens", {{"<s>", {{"id", "<s>"}, {"ids", {1}}, {"tokens", {"<s>"}}}}}}}},
        {"decoder",
         {{"type", "Sequence"},
          {"decoders",
           {{{"type", "Replace"}, {"pattern", {{"String", kSpace}}}, {"content", " "}},
            {{"type", "ByteFallback"}}, {{"type", "Fuse"}},
            {{"type", "Strip"}, {"content", " "}, {"start", 1}, {"stop", 0}}}}}},
        {"model",
         {{"type", "BPE"}, {"unk_token", "<unk>"}, {"fuse_unk", true}, {"byte_fallback", true}, {"vocab", vocab},
          {"merges", mergeList}}},
    }.dump();
}

struct Case {
    std::string text;
    bool addSpecial;
    bool parseSpecial;
    Ids ids;
    std::string decoded;
};

std::vector<Case> cases()
{
    const int32_t sp = idOf(kSpace);
    return {
        // ▁hello: lo(-0.5), he(-2), ▁he(-3), llo(-4), ▁hello(-5); ▁world: or, ▁w, ▁wor, ld, ▁world.
        {"hello world", false, true, {idOf(kSpace + "hello"), idOf(kSpace + "world")}, "hello world"},
        {"hello", true, true, {1, idOf(kSpace + "hello")}, "<s> hello"},
        // "lo" outscores everything, and nothing extends "▁" or "lo" + "l".
        {"lol", false, true, {sp, idOf("lo"), idOf("l")}, "lol"},
        // é is not in the vocabulary: its two UTF-8 bytes.
        {"h\xC3\xA9", false, true, {sp, idOf("h"), kByte0 + 0xC3, kByte0 + 0xA9}, "h\xC3\xA9"},
        {"<s>hello", false, true, {1, idOf(kSpace + "hello")}, "<s> hello"},
        // Not parsed: "<", "s", ">" are bytes; "hello" without "▁" ends as he + llo.
        {"<s>hello", false, false,
         {sp, kByte0 + '<', kByte0 + 's', kByte0 + '>', idOf("he"), idOf("llo")}, "<s>hello"},
        {"a  b", false, true, {sp, kByte0 + 'a', sp, sp, kByte0 + 'b'}, "a  b"},
        {"hello</s>", false, true, {idOf(kSpace + "hello"), 2}, "hello</s>"},
        {"", false, true, {}, ""},
    };
}

void checkCases(const Tokenizer &tok)
{
    for (const Case &c : cases()) {
        QCOMPARE(tok.encode(c.text, c.addSpecial, c.parseSpecial), c.ids);
        QCOMPARE(tok.decode(c.ids), c.decoded);
    }
}

// GGUF "llama" metadata of the same vocabulary.
class LlamaGguf final : public GgufMetadataSource {
public:
    LlamaGguf()
    {
        const TokenizerSpec s = handSpec();
        m_tokens = s.tokens;
        for (size_t i = 0; i < s.tokens.size(); ++i) {
            m_types.push_back(int64_t(s.tokenTypes[i]));
            m_scores.push_back(s.scores[i]);
        }
    }
    std::optional<std::string> getString(std::string_view key) const override
    {
        return key == "tokenizer.ggml.model" ? std::optional<std::string>("llama") : std::nullopt;
    }
    std::optional<int64_t> getInt(std::string_view key) const override
    {
        static const std::map<std::string_view, int64_t> ids = {{"tokenizer.ggml.bos_token_id", 1},
                                                                {"tokenizer.ggml.eos_token_id", 2},
                                                                {"tokenizer.ggml.unknown_token_id", 0}};
        const auto it = ids.find(key);
        return it == ids.end() ? std::nullopt : std::optional<int64_t>(it->second);
    }
    std::optional<bool> getBool(std::string_view) const override { return std::nullopt; }
    std::optional<std::vector<std::string_view>> getStringArray(std::string_view key) const override
    {
        if (key != "tokenizer.ggml.tokens")
            return std::nullopt;
        return std::vector<std::string_view>(m_tokens.begin(), m_tokens.end());
    }
    std::optional<std::vector<int64_t>> getIntArray(std::string_view key) const override
    {
        return key == "tokenizer.ggml.token_type" ? std::optional(m_types) : std::nullopt;
    }
    std::optional<std::vector<double>> getFloatArray(std::string_view key) const override
    {
        return key == "tokenizer.ggml.scores" ? std::optional(m_scores) : std::nullopt;
    }

private:
    std::vector<std::string> m_tokens;
    std::vector<int64_t> m_types;
    std::vector<double> m_scores;
};

QString hfError(const Json &j)
{
    try {
        tokenizerSpecFromHfJson(j.dump());
    } catch (const TokenizerFormatError &e) {
        return QString::fromUtf8(e.what());
    }
    return {};
}

} // namespace

class TstTokenizerSpm : public QObject {
    Q_OBJECT

private slots:
    void handBuiltSpec() { checkCases(Tokenizer(handSpec())); }
    void ggufLlamaMetadata() { checkCases(Tokenizer(tokenizerSpecFromGguf(LlamaGguf()))); }
    void hfTokenizerJson() { checkCases(Tokenizer(tokenizerSpecFromHfJson(hfJson()))); }

    void specialIds()
    {
        const Tokenizer tok(tokenizerSpecFromHfJson(hfJson()));
        QCOMPARE(tok.bosId(), 1);
        QCOMPARE(tok.eosId(), 2);
        QVERIFY(tok.addsBos());
        QVERIFY(tok.isEndOfGeneration(2));
        QCOMPARE(tok.tokenPiece(kByte0 + 0x41), std::string("A"));
        QCOMPARE(tok.tokenPiece(idOf(kSpace + "hello")), std::string(" hello"));
    }

    // With merge ranks the list decides, not the scores: without a ("l", "o") merge, "lol" stays split.
    void mergeRanksWinOverScores()
    {
        TokenizerSpec s = handSpec();
        s.merges = {{"l", "l"}, {"h", "e"}, {kSpace, "he"}, {"ll", "o"}, {kSpace + "he", "llo"}};
        const Tokenizer tok(std::move(s));
        QCOMPARE(tok.encode("lol", false), (Ids{idOf(kSpace), idOf("l"), idOf("o"), idOf("l")}));
        QCOMPARE(tok.encode("hello", false), (Ids{idOf(kSpace + "hello")}));
    }

    void unknownWithoutByteFallback()
    {
        TokenizerSpec s = handSpec();
        s.byteFallback = false;
        s.fuseUnk = true;
        QCOMPARE(Tokenizer(s).encode("h\xC3\xA9\xC3\xA9", false), (Ids{idOf(kSpace), idOf("h"), 0}));
        s.fuseUnk = false;
        QCOMPARE(Tokenizer(s).encode("h\xC3\xA9\xC3\xA9", false), (Ids{idOf(kSpace), idOf("h"), 0, 0}));
    }

    void streamingStripsDummyPrefixAndWaitsForBytes()
    {
        const Tokenizer tok(handSpec());
        StreamDecoder stream(tok);
        QCOMPARE(stream.push(idOf(kSpace)), std::string());
        QCOMPARE(stream.push(idOf("h")), std::string("h"));
        QCOMPARE(stream.push(kByte0 + 0xC3), std::string());
        QCOMPARE(stream.push(kByte0 + 0xA9), std::string("\xC3\xA9"));
        QCOMPARE(stream.push(idOf(kSpace + "world")), std::string(" world"));
        QCOMPARE(stream.flush(), std::string());
        QCOMPARE(stream.push(idOf(kSpace + "hello")), std::string("hello")); // a new stream strips again
    }

    // Newer Llama/Mistral files: Metaspace pre-tokenizer (prefix only at the start) and Metaspace decoder.
    void metaspacePreTokenizer()
    {
        Json j = Json::parse(hfJson());
        j["normalizer"] = nullptr;
        j["pre_tokenizer"] = {{"type", "Metaspace"}, {"replacement", kSpace}, {"prepend_scheme", "first"}, {"split", false}};
        j["decoder"] = {{"type", "Metaspace"}, {"replacement", kSpace}, {"prepend_scheme", "first"}, {"split", false}};
        const Tokenizer tok(tokenizerSpecFromHfJson(j.dump()));
        QCOMPARE(tok.encode("hello world", false), (Ids{idOf(kSpace + "hello"), idOf(kSpace + "world")}));
        QCOMPARE(tok.encode("</s>hello", false), (Ids{2, idOf("he"), idOf("llo")}));
        QCOMPARE(tok.decode(Ids{idOf(kSpace + "hello"), idOf(kSpace + "world")}), std::string("hello world"));
    }

    void unsupportedConstructsAreNamed_data()
    {
        QTest::addColumn<QString>("part");
        QTest::addColumn<QString>("type");
        QTest::newRow("model") << "model" << "Unigram";
        QTest::newRow("normalizer") << "normalizer" << "Lowercase";
        QTest::newRow("pre_tokenizer") << "pre_tokenizer" << "Whitespace";
        QTest::newRow("decoder") << "decoder" << "WordPiece";
        QTest::newRow("post_processor") << "post_processor" << "BertProcessing";
    }

    void unsupportedConstructsAreNamed()
    {
        QFETCH(QString, part);
        QFETCH(QString, type);
        Json j = Json::parse(hfJson());
        j[part.toStdString()]["type"] = type.toStdString();
        const QString error = hfError(j);
        QVERIFY2(error.contains(part) && error.contains("'" + type + "'"), qPrintable("error was: " + error));
    }

    void malformedJsonFails()
    {
        QVERIFY(hfError(Json::parse("{\"model\": {\"type\": \"BPE\"}}")).contains("tokenizer.json"));
        QVERIFY_THROWS_EXCEPTION(TokenizerFormatError, tokenizerSpecFromHfJson("{not json"));
        QVERIFY_THROWS_EXCEPTION(TokenizerFormatError, loadHfTokenizerSpec("/nonexistent/tokenizer.json"));
    }
};

QTEST_GUILESS_MAIN(TstTokenizerSpm)
#include "tst_tokenizer_spm.moc"
