// Expert routing arithmetic, checked on hand-worked numbers: softmax top-k with and without
// renormalisation (Qwen3-MoE, OLMoE, Mixtral), DeepSeek-V3's sigmoid scores with a
// selection-only bias, group-limited top-k and routed scaling.
#include "engine/runtime/layer_ops.h"

#include <QTest>
#include <cmath>

using namespace enclave;

class TestMoeRouting : public QObject {
    Q_OBJECT
private slots:
    void softmaxTopK()
    {
        MoeConfig m;
        m.nExpert = 4;
        m.nExpertUsed = 2;
        const float logits[] = {1.0f, 3.0f, 2.0f, 0.0f};
        Routing r = routeToken(m, logits, nullptr);
        QCOMPARE(r.experts, (std::vector<int>{1, 2}));
        const double z = std::exp(1.0) + std::exp(3.0) + std::exp(2.0) + std::exp(0.0);
        QVERIFY(std::abs(r.weights[0] - std::exp(3.0) / z) < 1e-6);
        QVERIFY(std::abs(r.weights[1] - std::exp(2.0) / z) < 1e-6);

        m.normTopK = true; // == softmax over the two selected logits (Mixtral)
        r = routeToken(m, logits, nullptr);
        QVERIFY(std::abs(r.weights[0] - 1.0 / (1.0 + std::exp(-1.0))) < 1e-6);
        QVERIFY(std::abs(r.weights[0] + r.weights[1] - 1.0f) < 1e-6);
    }

    void deepseekV3GroupsAndBias()
    {
        MoeConfig m;
        m.nExpert = 8;
        m.nExpertUsed = 2;
        m.gating = ExpertGating::Sigmoid;
        m.nGroup = 4;     // groups {0,1} {2,3} {4,5} {6,7}
        m.topkGroup = 2;
        m.groupScoreTopTwo = true;
        m.normTopK = true;
        m.routedScale = 2.5;
        const float logits[] = {2.0f, 2.0f, 3.0f, -3.0f, 0.0f, 0.0f, 2.5f, -2.0f};
        // Without bias the top-two group sums pick groups 0 and 3; the bias lifts expert 5 so
        // that group 2 wins (the bias only chooses; it never enters the weights).
        const float bias[] = {0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 1.0f, 0.0f, 0.0f};
        const Routing r = routeToken(m, logits, bias);
        const auto sig = [](double x) { return 1.0 / (1.0 + std::exp(-x)); };
        // Group scores with bias: g0 = 2σ(2) ≈ 1.762, g1 = σ(3)+σ(-3) = 1.0, g2 = σ(0)+σ(0)+1 = 2.0,
        // g3 = σ(2.5)+σ(-2) ≈ 1.043 → groups 2 and 0. Selection: expert 5 (1.5), then 0 (σ(2) ≈ 0.881;
        // expert 1 ties and loses to the lower index).
        QCOMPARE(r.experts, (std::vector<int>{5, 0}));
        // Weights come from the unbiased scores, renormalised, then scaled.
        const double w5 = sig(0.0), w0 = sig(2.0);
        QVERIFY(std::abs(r.weights[0] - 2.5 * w5 / (w5 + w0)) < 1e-5);
        QVERIFY(std::abs(r.weights[1] - 2.5 * w0 / (w5 + w0)) < 1e-5);
    }

    void deepseekV2MaxGroupScore()
    {
        MoeConfig m;
        m.nExpert = 4;
        m.nExpertUsed = 1;
        m.nGroup = 2;
        m.topkGroup = 1;
        m.groupScoreTopTwo = false; // V2: a group scores by its best expert
        m.routedScale = 16.0;
        const float logits[] = {1.0f, 1.0f, 1.5f, -5.0f};
        const Routing r = routeToken(m, logits, nullptr);
        QCOMPARE(r.experts, (std::vector<int>{2}));
        const double z = 2 * std::exp(1.0) + std::exp(1.5) + std::exp(-5.0);
        QVERIFY(std::abs(r.weights[0] - 16.0 * std::exp(1.5) / z) < 1e-4);
    }
};

QTEST_GUILESS_MAIN(TestMoeRouting)
#include "tst_moe_routing.moc"
