// The cache simulator: a hand-counted replay with copy delay and admission cap, the static
// baselines built from the trace's own counts, and the default policy holding its measured
// place against LRU on a calibrated trace.
#include "engine/moe/cache_simulator.h"
#include "engine/moe/trace_generator.h"

#include <QTest>

using namespace enclave::moe;

class TestCacheSimulator : public QObject {
    Q_OBJECT
private slots:
    void handCountedReplay()
    {
        // One MoE layer, expert 1 on every token, expert 2 from token 3. 2 slots, LRU.
        RoutingTrace t(1, {0}, 4, 1);
        for (int32_t e : {1, 1, 1, 2, 1, 2})
            t.appendToken(std::vector<int32_t>{e});
        SimulationOptions o;
        o.policy = CachePolicy::Lru;
        o.slotCount = 2;
        o.delay = 0; // usable from the next token: misses at tokens 0 and 3 only
        SimulationResult r = simulateCache(t, o);
        QCOMPARE(r.picks, int64_t(6));
        QCOMPARE(r.gpuHits, int64_t(4)); // tokens 1, 2, 4, 5 (2 is admitted at 3, usable at 4)
        o.delay = 1; // usable two tokens later: 1 usable from token 2, 2 from token 5
        r = simulateCache(t, o);
        QCOMPARE(r.gpuHits, int64_t(3)); // tokens 2, 4, 5
        QCOMPARE(r.copies, int64_t(2));
        o.maxAdmissionsPerToken = 0;
        QCOMPARE(simulateCache(t, o).gpuHits, int64_t(0));
    }

    void staticBaselinesUseTheTraceCounts()
    {
        RoutingTrace t(2, {0, 1}, 4, 1);
        for (int i = 0; i < 10; ++i)
            t.appendToken(std::vector<int32_t>{i < 7 ? 3 : 0, i % 2});
        const ExpertUsage u = traceUsage(t);
        QCOMPARE(u.score(0, 3), 7.0);
        QCOMPARE(u.tokens(), int64_t(10));
        SimulationOptions o;
        o.policy = CachePolicy::Static;
        o.slotCount = 1;
        o.profile = &u;
        QCOMPARE(simulateCache(t, o).gpuHits, int64_t(7)); // the most used expert, resident from token 0
        o.policy = CachePolicy::StaticLayers;
        o.slotCount = 4;
        QCOMPARE(simulateCache(t, o).gpuHits, int64_t(10)); // one whole layer: half the picks
        QCOMPARE(slotsForFraction(t, 0.5), 4);
    }

    void defaultPolicyBeatsLruAtFortyPercent()
    {
        TraceGeneratorParams p;
        p.tokens = 2000;
        const RoutingTrace t = generateTrace(p);
        for (const int32_t delay : {0, 1}) {
            SimulationOptions o;
            o.slotCount = slotsForFraction(t, 0.4);
            o.delay = delay;
            o.cache.copyDelay = delay;
            o.policy = CachePolicy::Lru;
            const double lru = simulateCache(t, o).hitRate();
            o.policy = kDefaultCachePolicy;
            const double best = simulateCache(t, o).hitRate();
            qInfo("delay %d: lru %.3f, %s %.3f", delay, lru, cachePolicyName(kDefaultCachePolicy), best);
            QVERIFY(best > lru);
        }
    }
};

QTEST_APPLESS_MAIN(TestCacheSimulator)
#include "tst_cache_simulator.moc"
