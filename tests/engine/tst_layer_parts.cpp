// The small per-layer pieces the 2026 families brought, against their definitions computed in
// double: the softmax with an attention sink, gpt-oss's clamped SwiGLU, and the layer patterns
// (sliding windows, attention chunks, interleaved MoE layers, layers without RoPE).
#include "engine/arch/model_config.h"
#include "engine/runtime/ops.h"

#include <QTest>
#include <cmath>
#include <vector>

using namespace enclave;

class TestLayerParts : public QObject {
    Q_OBJECT

private slots:
    void softmaxWithSinkMatchesDefinition()
    {
        const std::vector<float> logits = {0.5f, -1.25f, 2.0f, 0.0f, 3.5f};
        for (const float sink : {-2.0f, 0.0f, 1.5f, 6.0f}) {
            std::vector<float> p = logits;
            softmaxWithSink(p.data(), int64_t(p.size()), sink);
            double denominator = std::exp(double(sink));
            for (float v : logits)
                denominator += std::exp(double(v));
            double total = 0;
            for (size_t i = 0; i < p.size(); ++i) {
                QVERIFY(std::fabs(p[i] - std::exp(double(logits[i])) / denominator) < 1e-6);
                total += p[i];
            }
            // What the sink takes is missing from the total.
            QVERIFY(std::fabs(total - (1.0 - std::exp(double(sink)) / denominator)) < 1e-6);
        }
    }

    void softmaxWithVeryNegativeSinkIsSoftmax()
    {
        std::vector<float> a = {1.0f, 2.0f, 3.0f}, b = a;
        softmaxWithSink(a.data(), 3, -1e4f);
        softmax(b.data(), 3);
        for (size_t i = 0; i < a.size(); ++i)
            QVERIFY(std::fabs(a[i] - b[i]) < 1e-6f);
    }

    void clampedSwigluMatchesDefinition()
    {
        const float alpha = 1.702f, limit = 7.0f;
        const std::vector<float> gate = {-9.0f, -1.0f, 0.0f, 0.5f, 6.9f, 7.0f, 12.0f};
        const std::vector<float> up = {-12.0f, -7.5f, -0.25f, 0.0f, 3.0f, 7.25f, 100.0f};
        std::vector<float> out(gate.size());
        clampedSwiglu(gate.data(), up.data(), out.data(), int64_t(gate.size()), alpha, limit);
        for (size_t i = 0; i < gate.size(); ++i) {
            const double g = std::min(double(gate[i]), double(limit));
            const double u = std::clamp(double(up[i]), -double(limit), double(limit));
            const double want = g / (1.0 + std::exp(-double(alpha) * g)) * (u + 1.0);
            QVERIFY2(std::fabs(out[i] - want) <= 1e-5 * std::max(1.0, std::fabs(want)), qPrintable(QString::number(i)));
        }
    }

    void windowOfFollowsThePattern()
    {
        ModelConfig c;
        c.nLayer = 4;
        QCOMPARE(c.windowOf(0), int64_t(0)); // no pattern: every layer sees the whole context
        c.slidingWindow = 128;
        c.slidingLayers = {true, false, true, false};
        QCOMPARE(c.windowOf(0), int64_t(128));
        QCOMPARE(c.windowOf(1), int64_t(0));
        QCOMPARE(c.windowOf(2), int64_t(128));
        QCOMPARE(c.windowOf(7), int64_t(0)); // outside the pattern
        QCOMPARE(c.firstVisible(0, 5), int64_t(0));    // the window reaches back past position 0
        QCOMPARE(c.firstVisible(0, 200), int64_t(73)); // 128 positions: 73..200
        QCOMPARE(c.firstVisible(1, 200), int64_t(0));  // a full layer
    }

    void chunkedLayersSeeTheirChunkOnly()
    {
        ModelConfig c;
        c.nLayer = 4;
        c.attentionChunk = 8;
        c.chunkedLayers = {true, true, true, false};
        QCOMPARE(c.firstVisible(0, 7), int64_t(0));
        QCOMPARE(c.firstVisible(0, 8), int64_t(8)); // a new chunk starts
        QCOMPARE(c.firstVisible(2, 21), int64_t(16));
        QCOMPARE(c.firstVisible(3, 21), int64_t(0));
    }

    void layerPatterns()
    {
        ModelConfig c;
        c.nLayer = 8;
        c.moe.nExpert = 4;
        c.moe.interleaveStep = 2; // Llama 4: layers 1, 3, 5, 7 are MoE
        for (int64_t i = 0; i < c.nLayer; ++i)
            QCOMPARE(c.isMoeLayer(i), i % 2 == 1);
        c.moe.leadingDense = 4;
        QVERIFY(!c.isMoeLayer(3));
        QVERIFY(c.isMoeLayer(5));
        c.nopeInterval = 4; // layers 3 and 7 have no RoPE
        for (int64_t i = 0; i < c.nLayer; ++i)
            QCOMPARE(c.usesRope(i), i % 4 != 3);
    }
};

QTEST_GUILESS_MAIN(TestLayerParts)
#include "tst_layer_parts.moc"
