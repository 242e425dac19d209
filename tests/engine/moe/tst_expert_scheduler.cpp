// ExpertScheduler on a fake device: copies take a set number of tokens and scribble over the
// slot while they run, GPU work finishes a set number of tokens after submission, and a fake
// expert computes f(expert, input). Whatever the placement, the layer output (the sum over the
// routed experts) must equal the all-CPU sum; no slot is read while loading, and no copy
// overwrites a slot that submitted work still reads.
#include "engine/moe/expert_scheduler.h"
#include "engine/moe/trace_generator.h"

#include <QTest>
#include <map>
#undef slots // ExpertCache::slots()

using namespace enclave::moe;

namespace {

constexpr int64_t kGarbage = -1000;

// An expert's output on an input: distinct per (expert, input) so a wrong expert shows.
int64_t expertOutput(ExpertId e, int64_t input) { return (e.layer * 1000 + e.expert + 1) * (input % 9973 + 7); }

class FakeDevice : public ExpertCopier {
public:
    FakeDevice(int32_t slots, int32_t copyTokens) : m_copyTokens(copyTokens), m_memory(size_t(slots)), m_doneAt(size_t(slots), 0) {}

    void setToken(int64_t token) { m_token = token; }
    void setFinished(int64_t token) { m_finished = token; }

    void startCopy(int32_t slot, ExpertId expert) override
    {
        for (const auto &[key, lastRead] : m_reads)
            if (key == slot && lastRead > m_finished)
                ++violations; // submitted work still reads this slot
        m_memory[size_t(slot)] = {kGarbage, expert};
        m_doneAt[size_t(slot)] = m_token + m_copyTokens;
    }
    bool copyFinished(int32_t slot) override
    {
        if (m_token < m_doneAt[size_t(slot)])
            return false;
        m_memory[size_t(slot)].first = 1; // the weights have arrived
        return true;
    }
    // GPU compute from a slot: uses whatever the slot holds now.
    int64_t compute(int32_t slot, int64_t input)
    {
        m_reads[slot] = m_token;
        const auto &[state, expert] = m_memory[size_t(slot)];
        if (state == kGarbage || m_token < m_doneAt[size_t(slot)])
            return kGarbage;
        return expertOutput(expert, input);
    }

    int violations = 0;

private:
    int32_t m_copyTokens;
    int64_t m_token = 0;
    int64_t m_finished = -1;
    std::vector<std::pair<int64_t, ExpertId>> m_memory; // [slots] (state, expert copied)
    std::vector<int64_t> m_doneAt;
    std::map<int32_t, int64_t> m_reads; // slot -> last token that read it
};

} // namespace

class TestExpertScheduler : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void resultsIndependentOfPlacement_data()
    {
        QTest::addColumn<int>("slots");
        QTest::addColumn<int>("copyTokens");
        QTest::addColumn<int>("lag");
        QTest::addColumn<int>("cap");
        QTest::addColumn<int>("policy");
        QTest::newRow("lru fast copies") << 40 << 1 << 0 << 1000 << int(CachePolicy::Lru);
        QTest::newRow("lru slow copies, lagging gpu") << 40 << 3 << 2 << 1000 << int(CachePolicy::Lru);
        QTest::newRow("adaptive capped") << 60 << 2 << 1 << 3 << int(CachePolicy::Adaptive);
        QTest::newRow("tiny cache") << 3 << 1 << 1 << 1000 << int(CachePolicy::TinyLfu);
        QTest::newRow("slru") << 30 << 2 << 3 << 5 << int(CachePolicy::Slru);
        QTest::newRow("lfu") << 30 << 1 << 1 << 1000 << int(CachePolicy::LfuDecay);
        QTest::newRow("no slots") << 0 << 1 << 0 << 1000 << int(CachePolicy::Lru);
    }
    void resultsIndependentOfPlacement()
    {
        QFETCH(int, slots);
        QFETCH(int, copyTokens);
        QFETCH(int, lag);
        QFETCH(int, cap);
        QFETCH(int, policy);
        TraceGeneratorParams p;
        p.nLayer = 4;
        p.nExpert = 16;
        p.k = 4;
        p.tokens = 400;
        const RoutingTrace trace = generateTrace(p);
        ExpertCache cache(4, 16, slots, CachePolicy(policy));
        FakeDevice device(slots, copyTokens);
        ExpertScheduler scheduler(cache, device, {cap});
        ExpertSplit split;
        int64_t gpuServed = 0;
        for (int64_t t = 0; t < trace.tokens(); ++t) {
            device.setToken(t);
            // The GPU runs `lag` tokens behind: work of token t - lag - 1 has just completed.
            device.setFinished(t - lag - 1);
            scheduler.workFinished(t - lag - 1);
            scheduler.beginToken(t);
            for (int32_t l = 0; l < 4; ++l) {
                const auto experts = trace.experts(t, l);
                const int64_t input = t * 31 + l;
                scheduler.route(l, experts, split);
                QCOMPARE(split.gpu.size() + split.cpu.size(), experts.size());
                int64_t sum = 0, expected = 0;
                for (const auto &g : split.gpu) {
                    QVERIFY(scheduler.slotReady(g.slot));
                    QCOMPARE(cache.slotContent(g.slot), (ExpertId{l, g.expert}));
                    sum += device.compute(g.slot, input);
                }
                for (const int32_t e : split.cpu)
                    sum += expertOutput({l, e}, input);
                for (const int32_t e : experts)
                    expected += expertOutput({l, e}, input);
                QCOMPARE(sum, expected);
                gpuServed += int64_t(split.gpu.size());
            }
        }
        QCOMPARE(device.violations, 0);
        const SchedulerCounters &k = scheduler.counters();
        QCOMPARE(k.picks, trace.tokens() * 16);
        QCOMPARE(k.gpu + k.cpu, k.picks);
        QCOMPARE(k.gpu, gpuServed);
        QVERIFY(k.gpu <= cache.counters().hits);
        if (slots >= 30)
            QVERIFY(k.gpu > 0);
    }

    void hitAccountingWithCopyDelay()
    {
        ExpertCache cache(1, 8, 4, CachePolicy::Lru);
        FakeDevice device(4, 2); // usable two tokens after the miss
        ExpertScheduler scheduler(cache, device);
        ExpertSplit split;
        const std::vector<int32_t> experts{3, 5};
        for (int64_t t = 0; t < 4; ++t) {
            device.setToken(t);
            scheduler.beginToken(t);
            scheduler.route(0, experts, split);
            scheduler.workFinished(t);
            // Token 0 misses, token 1 finds them loading (CPU), from token 2 on the GPU serves.
            QCOMPARE(split.gpu.size(), size_t(t >= 2 ? 2 : 0));
            QCOMPARE(split.cpu.size(), size_t(t >= 2 ? 0 : 2));
            if (t == 1)
                QVERIFY(scheduler.slotLoading(cache.slotOf({0, 3})));
        }
        QCOMPARE(scheduler.counters().gpu, int64_t(4));
        QCOMPARE(scheduler.counters().cpu, int64_t(4));
        QCOMPARE(scheduler.counters().copies, int64_t(2));
        QCOMPARE(cache.counters().hits, int64_t(6)); // the cache counts residency, loading included
    }

    void copyWaitsForReaders()
    {
        ExpertCache cache(1, 8, 1, CachePolicy::Lru);
        FakeDevice device(1, 0);
        ExpertScheduler scheduler(cache, device);
        ExpertSplit split;
        scheduler.workFinished(-1);
        device.setToken(0);
        scheduler.beginToken(0);
        scheduler.route(0, std::vector<int32_t>{1}, split);
        scheduler.workFinished(0);
        device.setToken(1);
        scheduler.beginToken(1);
        scheduler.route(0, std::vector<int32_t>{1}, split);
        QCOMPARE(split.gpu.size(), size_t(1)); // token 1 reads the slot
        device.setToken(2);
        scheduler.beginToken(2);
        scheduler.route(0, std::vector<int32_t>{2}, split); // evicts 1 while token 1 may still run
        QCOMPARE(scheduler.counters().deferredCopies, int64_t(1));
        QCOMPARE(scheduler.counters().copies, int64_t(1));
        device.setFinished(1);
        scheduler.workFinished(1);
        QCOMPARE(scheduler.counters().copies, int64_t(2));
        QCOMPARE(device.violations, 0);
    }

    void tokensMustIncrease()
    {
        ExpertCache cache(1, 4, 1);
        FakeDevice device(1, 1);
        ExpertScheduler scheduler(cache, device);
        scheduler.beginToken(3);
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, scheduler.beginToken(3));
    }
};

QTEST_APPLESS_MAIN(TestExpertScheduler)
#include "tst_expert_scheduler.moc"
