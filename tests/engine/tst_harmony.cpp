// gpt-oss's harmony answers: the analysis channel comes out as reasoning, the final (and
// commentary) channel as the answer, headers (roles, channel names, constraints) never show, and
// only <|return|> / <|call|> end a turn. The tokenizer is the reference pack's tiny byte-level BPE
// with the harmony markers added as special tokens, as gpt-oss's own vocabulary has them.
#include "engine/text/harmony.h"
#include "engine/text/hf_tokenizer_json.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTest>

using namespace enclave;

namespace {

const QString kTinyTokenizer = QStringLiteral(ENCLAVE_REFPACK_DIR "/models/qwen3_moe/hf/tokenizer.json");
const char *const kMarkers[] = {"<|start|>", "<|channel|>", "<|message|>", "<|end|>", "<|return|>", "<|call|>",
                                "<|constrain|>"};

QByteArray readFile(const QString &path)
{
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

// The tiny tokenizer, with the harmony markers appended as special tokens when asked.
std::unique_ptr<Tokenizer> tinyTokenizer(bool withMarkers)
{
    QJsonObject json = QJsonDocument::fromJson(readFile(kTinyTokenizer)).object();
    if (withMarkers) {
        QJsonArray added = json.value(QStringLiteral("added_tokens")).toArray();
        int id = 0;
        for (const QJsonValue v : added)
            id = std::max(id, v.toObject().value(QStringLiteral("id")).toInt() + 1);
        for (const char *marker : kMarkers)
            added.append(QJsonObject{{"id", id++},        {"content", marker}, {"single_word", false},
                                     {"lstrip", false},   {"rstrip", false},   {"normalized", false},
                                     {"special", true}});
        json.insert(QStringLiteral("added_tokens"), added);
    }
    const QByteArray text = QJsonDocument(json).toJson(QJsonDocument::Compact);
    return std::make_unique<Tokenizer>(tokenizerSpecFromHfJson(std::string_view(text.constData(), size_t(text.size()))));
}

struct Split {
    std::string reasoning, answer;
};

// Feeds the tokens of `generated` one by one, as ChatSession does, after `prompt`.
Split parse(const Tokenizer &tokenizer, const std::string &prompt, const std::string &generated)
{
    const auto parser = HarmonyParser::forTokenizer(tokenizer, prompt);
    Split out;
    const auto take = [&out](const std::vector<OutputFilter::Piece> &pieces) {
        for (const OutputFilter::Piece &p : pieces)
            (p.reasoning ? out.reasoning : out.answer) += p.text;
    };
    for (int32_t id : tokenizer.encode(generated, false, true)) {
        if (tokenizer.isEndOfGeneration(id))
            break;
        take(parser->push(id));
    }
    take(parser->flush());
    return out;
}

} // namespace

class TestHarmony : public QObject {
    Q_OBJECT
    std::unique_ptr<Tokenizer> m_plain, m_harmony;

private slots:
    void initTestCase()
    {
        if (!QFile::exists(kTinyTokenizer))
            QSKIP("reference pack not found beside the clone");
        m_plain = tinyTokenizer(false);
        m_harmony = tinyTokenizer(true);
    }

    void onlyForHarmonyVocabularies()
    {
        QVERIFY(!HarmonyParser::forTokenizer(*m_plain, "<|start|>assistant"));
        QVERIFY(HarmonyParser::forTokenizer(*m_harmony, "<|start|>assistant"));
    }

    void analysisIsReasoningFinalIsAnswer()
    {
        const Split s = parse(*m_harmony, "<|start|>user<|message|>2+2?<|end|><|start|>assistant",
                              "<|channel|>analysis<|message|>Simple sum: 4.<|end|>"
                              "<|start|>assistant<|channel|>final<|message|>It is 4.<|return|>ignored");
        QCOMPARE(s.reasoning, std::string("Simple sum: 4."));
        QCOMPARE(s.answer, std::string("It is 4."));
    }

    void prefilledChannelContinues()
    {
        const Split s = parse(*m_harmony, "<|start|>assistant<|channel|>final<|message|>", "Just the answer.<|return|>");
        QCOMPARE(s.reasoning, std::string());
        QCOMPARE(s.answer, std::string("Just the answer."));
        const Split r = parse(*m_harmony, "<|start|>assistant<|channel|>analysis<|message|>", "thinking<|end|>");
        QCOMPARE(r.reasoning, std::string("thinking"));
        QCOMPARE(r.answer, std::string());
    }

    void commentaryHeadersAreHidden()
    {
        const Split s = parse(*m_harmony, "<|start|>assistant",
                              "<|channel|>commentary to=functions.lookup <|constrain|>json<|message|>{\"q\": 1}<|call|>");
        QCOMPARE(s.answer, std::string("{\"q\": 1}"));
        QCOMPARE(s.reasoning, std::string());
    }

    void turnEndsOnlyAtReturnOrCall()
    {
        QVERIFY(m_harmony->isEndOfGeneration(m_harmony->findToken("<|return|>")));
        QVERIFY(m_harmony->isEndOfGeneration(m_harmony->findToken("<|call|>")));
        QVERIFY(!m_harmony->isEndOfGeneration(m_harmony->findToken("<|end|>")));
    }
};

QTEST_GUILESS_MAIN(TestHarmony)
#include "tst_harmony.moc"
