// Conformance against the reference pack: for every model and every file (the HF
// safetensors folder and each GGUF), our logits of the 32-token prompt, evaluated all at
// once and token by token, are compared with transformers' (hf_logits) or with the exact
// dequantised model's (dequant_logits_T), and held to the bounds set by llama.cpp's own
// error on the same file. Every measured error is printed next to llama.cpp's.
#include "engine/cpu/thread_pool.h"
#include "engine/runtime/inference_state.h"
#include "tests/support/logits.h"

#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTest>
#include <algorithm>
#include <cmath>

using namespace enclave;

namespace {

using test::medianRowRel;
using test::relL2;
using Logits = std::vector<float>; // [32, vocab]

QString refpack(const QString &rel) { return QStringLiteral(ENCLAVE_REFPACK_DIR "/") + rel; }

Logits readF32(const QString &path) { return test::readF32(path.toStdString()); }

int argmax(const float *row, int64_t n) { return int(std::max_element(row, row + n) - row); }

// Positions where the reference's top-1 beats top-2 by more than margin, and how many of
// them `candidate` agrees with on the top-1 token.
int topOneAgreements(const Logits &candidate, const Logits &ref, int64_t vocab, double margin, int *decisive)
{
    int agree = 0;
    *decisive = 0;
    for (size_t r = 0; r < ref.size() / size_t(vocab); ++r) {
        const float *row = ref.data() + r * vocab;
        std::vector<float> sorted(row, row + vocab);
        std::partial_sort(sorted.begin(), sorted.begin() + 2, sorted.end(), std::greater<>());
        if (sorted[0] - sorted[1] <= margin)
            continue;
        ++*decisive;
        agree += argmax(candidate.data() + r * vocab, vocab) == argmax(row, vocab);
    }
    return agree;
}

Logits runModel(const Model &model, const std::vector<int32_t> &ids, int64_t step,
                MatmulPrecision precision = MatmulPrecision::Exact)
{
    InferenceState state(model, int64_t(ids.size()), defaultThreadPool());
    state.setPrecision(precision);
    Logits out(ids.size() * size_t(model.config().nVocab));
    for (size_t at = 0; at < ids.size(); at += size_t(step)) {
        const size_t count = std::min(size_t(step), ids.size() - at);
        state.evaluate(std::span(ids).subspan(at, count), out.data() + at * size_t(model.config().nVocab));
    }
    return out;
}

} // namespace

class TestConformance : public QObject {
    Q_OBJECT
    std::vector<int32_t> m_ids;

private slots:
    void initTestCase()
    {
        QFile f(refpack(QStringLiteral("prompt.json")));
        if (!f.open(QIODevice::ReadOnly))
            QSKIP("reference pack not found beside the clone");
        for (const QJsonValue v : QJsonDocument::fromJson(f.readAll()).object().value(QStringLiteral("ids")).toArray())
            m_ids.push_back(v.toInt());
        QCOMPARE(m_ids.size(), size_t(32));
    }

    void logits_data()
    {
        QTest::addColumn<QString>("model");
        QTest::addColumn<QString>("file"); // "hf" or a GGUF type
        QTest::addColumn<int>("step");
        for (const QString model : {"qwen3_moe", "mixtral", "deepseek_v2", "llama"}) {
            for (const QString file : {"hf", "bf16", "q8_0", "q4_k_m", "q6_k", "q4_0"}) {
                for (int step : {32, 12, 1}) // whole, chunks (attention over a cached prefix), token by token
                    QTest::addRow("%s %s step %d", qPrintable(model), qPrintable(file), step) << model << file << step;
            }
        }
    }

    void logits()
    {
        QFETCH(QString, model);
        QFETCH(QString, file);
        QFETCH(int, step);
        const QString dir = QStringLiteral("models/%1/").arg(model);
        const QString path = file == QLatin1String("hf") ? refpack(dir + QStringLiteral("hf"))
                                                          : refpack(dir + QStringLiteral("gguf/%1-%2.gguf").arg(model, file));
        const auto loaded = Model::load(path.toStdString());
        const int64_t vocab = loaded->config().nVocab;
        const Logits ours = runModel(*loaded, m_ids, step);
        const bool exactFile = file == QLatin1String("hf") || file == QLatin1String("bf16");
        const QString llamaType = file == QLatin1String("hf") ? QStringLiteral("bf16") : file;
        const Logits ref = readF32(refpack(dir + (exactFile ? QStringLiteral("ref/hf_logits.f32")
                                                            : QStringLiteral("ref/dequant_logits_%1.f32").arg(file))));
        const Logits llama = readF32(refpack(dir + QStringLiteral("ref/llama_logits_%1.f32").arg(llamaType)));
        QCOMPARE(ours.size(), ref.size());
        QCOMPARE(llama.size(), ref.size());

        int decisive = 0;
        const double margin = exactFile ? 1e-2 : 5e-2;
        const int oursTop = topOneAgreements(ours, ref, vocab, margin, &decisive);
        const int llamaTop = topOneAgreements(llama, ref, vocab, margin, &decisive);
        if (exactFile) {
            const double err = relL2(ours.data(), ref.data(), int64_t(ref.size()));
            const double llamaErr = relL2(llama.data(), ref.data(), int64_t(ref.size()));
            const double bound = std::max(2.0 * llamaErr, 1e-3);
            qInfo("%s %s step %d: rel %.2e (llama.cpp %.2e, bound %.2e), top-1 %d/%d (llama.cpp %d)", qPrintable(model),
                  qPrintable(file), step, err, llamaErr, bound, oursTop, decisive, llamaTop);
            QVERIFY2(err <= bound, "relative error above the bound");
        } else {
            const double err = medianRowRel(ours, ref, vocab);
            const double llamaErr = medianRowRel(llama, ref, vocab);
            const double bound = std::max(1.5 * llamaErr, 1e-3);
            qInfo("%s %s step %d: median row rel %.2e (llama.cpp %.2e, bound %.2e), top-1 %d/%d (llama.cpp %d)",
                  qPrintable(model), qPrintable(file), step, err, llamaErr, bound, oursTop, decisive, llamaTop);
            QVERIFY2(err <= bound, "median row error above the bound");
        }
        QVERIFY2(oursTop >= llamaTop, "fewer top-1 agreements than llama.cpp");
    }

    // The opt-in fast precision (8-bit decode activations) is measured and printed next to
    // llama.cpp's error, and kept within twice it; the exact default is what the bounds above hold.
    void fastPrecision_data()
    {
        QTest::addColumn<QString>("model");
        QTest::addColumn<QString>("file");
        QTest::addColumn<int>("step");
        for (const QString model : {"qwen3_moe", "mixtral", "deepseek_v2", "llama"})
            for (const QString file : {"q8_0", "q4_k_m", "q6_k", "q4_0"})
                for (int step : {32, 1}) // the prompt path (8-bit GEMM) and the decode path
                    QTest::addRow("%s %s step %d", qPrintable(model), qPrintable(file), step) << model << file << step;
    }

    void fastPrecision()
    {
        QFETCH(QString, model);
        QFETCH(QString, file);
        QFETCH(int, step);
        const QString dir = QStringLiteral("models/%1/").arg(model);
        const auto loaded = Model::load(refpack(dir + QStringLiteral("gguf/%1-%2.gguf").arg(model, file)).toStdString());
        const int64_t vocab = loaded->config().nVocab;
        const Logits ours = runModel(*loaded, m_ids, step, MatmulPrecision::Fast);
        const Logits ref = readF32(refpack(dir + QStringLiteral("ref/dequant_logits_%1.f32").arg(file)));
        const Logits llama = readF32(refpack(dir + QStringLiteral("ref/llama_logits_%1.f32").arg(file)));
        const double err = medianRowRel(ours, ref, vocab), llamaErr = medianRowRel(llama, ref, vocab);
        qInfo("%s %s fast, step %d: median row rel %.2e (llama.cpp %.2e)", qPrintable(model), qPrintable(file), step,
              err, llamaErr);
        QVERIFY(err <= 2.0 * llamaErr);
    }

    // Greedy decoding through the KV cache reproduces transformers' generate() token for token.
    void greedy_data()
    {
        QTest::addColumn<QString>("model");
        QTest::addColumn<QString>("file");
        for (const QString model : {"qwen3_moe", "mixtral", "deepseek_v2", "llama"})
            for (const QString file : {"hf", "bf16"})
                QTest::addRow("%s %s", qPrintable(model), qPrintable(file)) << model << file;
    }

    void greedy()
    {
        QFETCH(QString, model);
        QFETCH(QString, file);
        const QString dir = QStringLiteral("models/%1/").arg(model);
        QFile f(refpack(dir + QStringLiteral("ref/hf_greedy.json")));
        QVERIFY(f.open(QIODevice::ReadOnly));
        const QJsonObject ref = QJsonDocument::fromJson(f.readAll()).object();
        std::vector<int32_t> prompt, expected;
        for (const QJsonValue v : ref.value(QStringLiteral("prompt_ids")).toArray())
            prompt.push_back(v.toInt());
        for (const QJsonValue v : ref.value(QStringLiteral("generated")).toArray())
            expected.push_back(v.toInt());
        const QString path = file == QLatin1String("hf") ? refpack(dir + QStringLiteral("hf"))
                                                          : refpack(dir + QStringLiteral("gguf/%1-%2.gguf").arg(model, file));
        const auto loaded = Model::load(path.toStdString());
        InferenceState state(*loaded, int64_t(prompt.size() + expected.size()), defaultThreadPool());
        std::vector<float> logits(size_t(loaded->config().nVocab));
        state.evaluate(prompt, nullptr, logits.data());
        std::vector<int32_t> ours;
        for (size_t i = 0; i < expected.size(); ++i) {
            ours.push_back(argmax(logits.data(), int64_t(logits.size())));
            state.evaluate(std::span(&ours.back(), 1), nullptr, logits.data());
        }
        size_t common = 0;
        while (common < ours.size() && ours[common] == expected[common])
            ++common;
        qInfo("%s %s: greedy prefix %zu/%zu equal to transformers", qPrintable(model), qPrintable(file), common,
              expected.size());
        QCOMPARE(ours, expected);
    }
};

QTEST_GUILESS_MAIN(TestConformance)
#include "tst_conformance.moc"
