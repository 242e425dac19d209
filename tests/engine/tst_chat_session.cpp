// ChatSession, Sampler and OutputFilter: cache reuse across turns, greedy reproduction of
// the reference, streaming without broken stop strings or tags, cancel, context overflow.
#include "engine/chat_session.h"
#include "engine/cpu/thread_pool.h"
#include "engine/text/output_filter.h"
#include "engine/text/tokenizer_files.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTest>

using namespace enclave;

namespace {

// Samples from a fresh copy (the sampler modifies the logits it is given).
int32_t sampleCopy(Sampler &s, std::vector<float> logits, std::span<const int32_t> history = {})
{
    return s.sample(logits, history);
}

const std::string kModel = ENCLAVE_REFPACK_DIR "/models/qwen3_moe/gguf/qwen3_moe-bf16.gguf";

std::string joinPieces(const std::vector<OutputFilter::Piece> &pieces, bool reasoning)
{
    std::string s;
    for (const auto &p : pieces)
        if (p.reasoning == reasoning)
            s += p.text;
    return s;
}

struct Collected {
    std::string text, reasoning;
    std::vector<std::string> notices;
    EndReason reason = EndReason::Error;
    GenerationStats stats;
    int textEvents = 0;
};

GenerationCallback collect(Collected &c, int stopAfterTextEvents = -1)
{
    return [&c, stopAfterTextEvents](const GenerationEvent &e) {
        switch (e.kind) {
        case GenerationEvent::Kind::Text: c.text += e.text; ++c.textEvents; break;
        case GenerationEvent::Kind::Reasoning: c.reasoning += e.text; break;
        case GenerationEvent::Kind::Notice: c.notices.push_back(e.text); break;
        case GenerationEvent::Kind::End: c.reason = e.reason; c.stats = e.stats; break;
        }
        return stopAfterTextEvents < 0 || c.textEvents < stopAfterTextEvents;
    };
}

} // namespace

class TestChatSession : public QObject {
    Q_OBJECT
    std::unique_ptr<Model> m_model;
    std::unique_ptr<Tokenizer> m_tokenizer;

private slots:
    void initTestCase()
    {
        if (!QFile::exists(QString::fromStdString(kModel)))
            QSKIP("reference pack not found beside the clone");
        m_model = Model::load(kModel);
        m_tokenizer = std::make_unique<Tokenizer>(loadTokenizerSpec(kModel));
    }

    void outputFilterHoldsBackStopStrings()
    {
        OutputFilter f({"STOP"}, false);
        std::string shown = joinPieces(f.push("Hello ST"), false);
        QCOMPARE(shown, std::string("Hello "));
        shown += joinPieces(f.push("O"), false); // "STO" may still become "STOP"
        QCOMPARE(shown, std::string("Hello "));
        shown += joinPieces(f.push("RM is not it; STOP here"), false);
        QCOMPARE(shown, std::string("Hello STORM is not it; "));
        QVERIFY(f.stopped());
    }

    void outputFilterDropsControlCharacters()
    {
        static const char kGenerated[] = "a\0b\x1b[2Jc\td\r\ne\x7f\xc2\x9b""31mf \xc3\xa9";
        OutputFilter f({}, false);
        std::string shown = joinPieces(f.push(std::string(kGenerated, sizeof kGenerated - 1)), false);
        shown += joinPieces(f.flush(), false);
        QCOMPARE(shown, std::string("ab[2Jc\td\r\ne31mf \xc3\xa9"));
    }

    void outputFilterSplitsReasoning()
    {
        OutputFilter f({}, false);
        std::vector<OutputFilter::Piece> all;
        for (const char *chunk : {"<th", "ink>plan ", "it</thi", "nk>", "Answer"}) {
            auto p = f.push(chunk);
            all.insert(all.end(), p.begin(), p.end());
        }
        auto rest = f.flush();
        all.insert(all.end(), rest.begin(), rest.end());
        QCOMPARE(joinPieces(all, true), std::string("plan it"));
        QCOMPARE(joinPieces(all, false), std::string("Answer"));

        OutputFilter startsInside({}, true); // the prompt opened <think>
        auto p = startsInside.push("why</think>because");
        QCOMPARE(joinPieces(p, true), std::string("why"));
        QCOMPARE(joinPieces(p, false), std::string("because"));
    }

    void samplerGreedyAndSeeded()
    {
        std::vector<float> logits = {0.1f, 2.0f, 1.9f, -1.0f};
        SamplingParams greedy;
        greedy.temperature = 0;
        Sampler g(greedy);
        QCOMPARE(sampleCopy(g, logits), 1);
        SamplingParams penalised = greedy;
        penalised.repeatPenalty = 1.5f;
        const std::vector<int32_t> history = {1};
        Sampler pen(penalised);
        QCOMPARE(sampleCopy(pen, logits, history), 2);

        SamplingParams random;
        random.temperature = 1.0f;
        random.topK = 0;
        random.topP = 1.0f;
        random.minP = 0.0f;
        random.seed = 42;
        Sampler a(random), b(random);
        std::vector<int32_t> drawsA, drawsB;
        for (int i = 0; i < 64; ++i) {
            drawsA.push_back(sampleCopy(a, logits));
            drawsB.push_back(sampleCopy(b, logits));
        }
        QCOMPARE(drawsA, drawsB);                                                    // same seed, same run
        QVERIFY(std::count(drawsA.begin(), drawsA.end(), 2) > 0);                     // not greedy
        random.minP = 0.5f;                                                          // drops 0 and 3
        Sampler c(random);
        for (int i = 0; i < 64; ++i) {
            const int32_t t = sampleCopy(c, logits);
            QVERIFY(t == 1 || t == 2);
        }
    }

    void reusesCacheAcrossTurns()
    {
        ChatSession session(*m_model, *m_tokenizer, 512, defaultThreadPool());
        GenerationRequest r;
        r.sampling.temperature = 0;
        r.maxTokens = 8;
        r.messages = {{"user", "Hi! 你好", {}, {}}};
        Collected first;
        session.generate(r, collect(first));
        QCOMPARE(first.stats.reusedTokens, 0);
        QCOMPARE(first.stats.generatedTokens, 8);
        QCOMPARE(first.reason, EndReason::Length);

        r.messages.push_back({"assistant", first.text, {}, {}});
        r.messages.push_back({"user", "and then?", {}, {}});
        Collected second;
        session.generate(r, collect(second));
        qInfo("second turn: %lld prompt tokens, %lld reused", static_cast<long long>(second.stats.promptTokens),
              static_cast<long long>(second.stats.reusedTokens));
        QVERIFY(second.stats.reusedTokens >= first.stats.promptTokens);
        QVERIFY(second.stats.reusedTokens < second.stats.promptTokens);

        // The same conversation evaluated from scratch gives the same answer.
        ChatSession fresh(*m_model, *m_tokenizer, 512, defaultThreadPool());
        Collected again;
        fresh.generate(r, collect(again));
        QCOMPARE(again.text, second.text);
    }

    // A model with recurrent (Gated DeltaNet) layers keeps no per-position history: a turn that
    // continues the cached tokens reuses them, one that changes earlier tokens recomputes from the
    // start. Either way the answer is the one a fresh session gives.
    void recurrentModelReusesOnlyAnExactContinuation()
    {
        const std::string path = ENCLAVE_REFPACK2_DIR "/models/qwen35_moe/gguf/qwen35_moe-q8_0.gguf";
        if (!QFile::exists(QString::fromStdString(path)))
            QSKIP("second reference pack not found beside the clone");
        const auto model = Model::load(path);
        const Tokenizer tokenizer(loadTokenizerSpec(path));
        ChatSession session(*model, tokenizer, 512, defaultThreadPool());
        GenerationRequest r;
        r.sampling.temperature = 0;
        r.maxTokens = 6;
        r.messages = {{"user", "Hello there", {}, {}}};
        Collected first;
        session.generate(r, collect(first));
        QCOMPARE(first.reason, EndReason::Length);

        r.messages.push_back({"assistant", first.text, {}, {}});
        r.messages.push_back({"user", "and then?", {}, {}});
        Collected second;
        session.generate(r, collect(second));
        ChatSession fresh(*model, tokenizer, 512, defaultThreadPool());
        Collected again;
        fresh.generate(r, collect(again));
        QCOMPARE(second.text, again.text);

        // An edited first message: the cached tokens diverge early, so nothing is reused.
        r.messages = {{"user", "Goodbye there", {}, {}}};
        Collected edited;
        session.generate(r, collect(edited));
        QCOMPARE(edited.stats.reusedTokens, 0);
        ChatSession fresh2(*model, tokenizer, 512, defaultThreadPool());
        Collected editedFresh;
        fresh2.generate(r, collect(editedFresh));
        QCOMPARE(edited.text, editedFresh.text);
    }

    void greedyMatchesReferenceContinuation()
    {
        // The refpack prompt is the ChatML rendering of one user message.
        QFile f(QStringLiteral(ENCLAVE_REFPACK_DIR "/models/qwen3_moe/ref/hf_greedy.json"));
        QVERIFY(f.open(QIODevice::ReadOnly));
        std::vector<int32_t> expected;
        for (const QJsonValue v : QJsonDocument::fromJson(f.readAll()).object().value(QStringLiteral("generated")).toArray())
            expected.push_back(v.toInt());
        QFile p(QStringLiteral(ENCLAVE_REFPACK_DIR "/prompt.json"));
        QVERIFY(p.open(QIODevice::ReadOnly));
        const QJsonArray msgs = QJsonDocument::fromJson(p.readAll()).object().value(QStringLiteral("messages")).toArray();
        GenerationRequest r;
        for (const QJsonValue m : msgs)
            r.messages.push_back({m[QStringLiteral("role")].toString().toStdString(),
                                  m[QStringLiteral("content")].toString().toStdString(), {}, {}});
        r.sampling.temperature = 0;
        r.maxTokens = int64_t(expected.size());
        ChatSession session(*m_model, *m_tokenizer, 256, defaultThreadPool());
        Collected out;
        session.generate(r, collect(out));
        QCOMPARE(out.stats.promptTokens, 32);
        QCOMPARE(out.text, m_tokenizer->decode(expected, true));
    }

    void cancelStopsWithinAToken()
    {
        ChatSession session(*m_model, *m_tokenizer, 256, defaultThreadPool());
        GenerationRequest r;
        r.sampling.temperature = 0;
        r.maxTokens = 100;
        r.messages = {{"user", "Tell me a story", {}, {}}};
        Collected c;
        session.generate(r, collect(c, 3));
        QCOMPARE(c.reason, EndReason::Cancelled);
        QVERIFY(c.stats.generatedTokens <= 4);
    }

    void contextOverflowIsReported()
    {
        GenerationRequest r;
        r.sampling.temperature = 0;
        r.maxTokens = 4;
        r.messages = {{"system", "Be brief.", {}, {}}};
        for (int i = 0; i < 12; ++i) {
            r.messages.push_back({"user", "question number " + std::to_string(i) + " about licences", {}, {}});
            r.messages.push_back({"assistant", "answer number " + std::to_string(i), {}, {}});
        }
        r.messages.push_back({"user", "last question", {}, {}});

        r.overflow = OverflowPolicy::Stop;
        ChatSession strict(*m_model, *m_tokenizer, 64, defaultThreadPool());
        Collected refused;
        strict.generate(r, collect(refused));
        QCOMPARE(refused.reason, EndReason::ContextFull);
        QVERIFY(!refused.notices.empty());

        r.overflow = OverflowPolicy::DropOldest;
        ChatSession lenient(*m_model, *m_tokenizer, 64, defaultThreadPool());
        Collected dropped;
        lenient.generate(r, collect(dropped));
        QCOMPARE(dropped.reason, EndReason::Length);
        QVERIFY(dropped.stats.promptTokens <= 64);
        QVERIFY(std::any_of(dropped.notices.begin(), dropped.notices.end(),
                            [](const std::string &n) { return n.find("left out") != std::string::npos; }));
        // The system prompt is kept.
        const std::string prompt = lenient.renderPrompt({r.messages.front()}, {});
        QVERIFY(prompt.find("Be brief.") != std::string::npos);
    }
};

QTEST_GUILESS_MAIN(TestChatSession)
#include "tst_chat_session.moc"
