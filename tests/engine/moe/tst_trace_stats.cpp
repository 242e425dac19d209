// Trace statistics on hand-built traces whose figures can be counted by eye.
#include "engine/moe/trace_stats.h"

#include <QTest>

using namespace enclave::moe;

class TestTraceStats : public QObject {
    Q_OBJECT
private slots:
    void locality()
    {
        // One MoE layer, 6 experts, k 2. Picks of tokens 1..3: {0,1} after {0,1}: 2 next;
        // {2,0} after {0,1}: 1 next (0); {1,3} after {2,0}: 0 next, 1 within 8 (1 at token 1).
        RoutingTrace t(1, {0}, 6, 2);
        for (const auto &row : {std::vector<int32_t>{0, 1}, {0, 1}, {2, 0}, {1, 3}})
            t.appendToken(row);
        const TraceStats s = computeTraceStats(t);
        QCOMPARE(s.tokens, int64_t(4));
        QCOMPARE(s.picks, int64_t(8));
        QCOMPARE(s.repeatAtNext, 3.0 / 6.0);
        QCOMPARE(s.repeatWithin8, 4.0 / 6.0);
        QCOMPARE(s.load[0], (std::vector<int64_t>{3, 3, 1, 1, 0, 0}));
        QCOMPARE(s.layerImbalance[0], 3.0 / (8.0 / 6.0));
    }

    void windowIsEightTokens()
    {
        // Expert 0 at token 0 and again at token 8 (8 back: inside) and 17 (9 back: outside).
        RoutingTrace t(1, {0}, 32, 1);
        for (int32_t tok = 0; tok < 18; ++tok)
            t.appendToken(std::vector<int32_t>{tok == 0 || tok == 8 || tok == 17 ? 0 : tok + 10});
        const TraceStats s = computeTraceStats(t);
        QCOMPARE(s.repeatWithin8, 1.0 / 17.0);
        QCOMPARE(s.repeatAtNext, 0.0);
    }

    void massFractionCountsTheFewestExperts()
    {
        QCOMPARE(massFraction({90, 5, 5, 0}), 0.25);
        QCOMPARE(massFraction({50, 40, 5, 5}), 0.5);
        QCOMPARE(massFraction({10, 10, 10, 10}), 1.0);
        QCOMPARE(massFraction({0, 0}), 0.0);
        // Per layer, then the mean over layers.
        RoutingTrace t(2, {0, 1}, 4, 1);
        for (int i = 0; i < 10; ++i)
            t.appendToken(std::vector<int32_t>{0, i % 4});
        const TraceStats s = computeTraceStats(t);
        QCOMPARE(s.layerMassFraction, (std::vector<double>{0.25, 1.0}));
        QCOMPARE(s.massFraction, 0.625);
    }
};

QTEST_APPLESS_MAIN(TestTraceStats)
#include "tst_trace_stats.moc"
