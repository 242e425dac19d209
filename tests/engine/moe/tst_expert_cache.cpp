// ExpertCache: slot bookkeeping, the admission rules of the contract (cap, never evicting an
// expert of the same call, static policies never admitting), warm starts, each policy's
// eviction order on hand sequences, and the table invariants of every policy on a long trace.
#include "engine/moe/expert_cache.h"
#include "engine/moe/trace_generator.h"

#include <QTest>
#include <set>
#undef slots // ExpertCache::slots()

using namespace enclave::moe;

namespace {

// Every slot's content maps back to the slot, and every expert is in at most one slot.
bool consistent(const ExpertCache &c, int32_t nLayer, int32_t nExpert)
{
    std::set<ExpertId> seen;
    for (int32_t s = 0; s < c.slots(); ++s) {
        const ExpertId id = c.slotContent(s);
        if (id.valid() && (c.slotOf(id) != s || !seen.insert(id).second))
            return false;
    }
    for (int32_t l = 0; l < nLayer; ++l)
        for (int32_t e = 0; e < nExpert; ++e)
            if (const int32_t s = c.slotOf({l, e}); s >= 0 && c.slotContent(s) != ExpertId{l, e})
                return false;
    return int32_t(seen.size()) == c.residentCount();
}

std::vector<SlotChange> touch(ExpertCache &c, int32_t layer, std::vector<int32_t> experts, int32_t cap = 100)
{
    return c.access(layer, experts, cap);
}

} // namespace

class TestExpertCache : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void fillsFreeSlotsThenCountsHits()
    {
        ExpertCache c(2, 8, 3, CachePolicy::Lru);
        QCOMPARE(c.slots(), 3);
        auto ch = touch(c, 1, {4, 2});
        QCOMPARE(ch.size(), size_t(2));
        QCOMPARE(ch[0].slot, 0);
        QCOMPARE(ch[0].incoming, (ExpertId{1, 4}));
        QVERIFY(!ch[0].outgoing.valid());
        QCOMPARE(c.slotOf({1, 2}), 1);
        QCOMPARE(c.slotOf({0, 2}), -1);
        QVERIFY(!c.slotContent(2).valid());
        ch = touch(c, 1, {2, 4});
        QVERIFY(ch.empty());
        const CacheCounters k = c.counters();
        QCOMPARE(k.accesses, int64_t(4));
        QCOMPARE(k.hits, int64_t(2));
        QCOMPARE(k.admissions, int64_t(2));
        QCOMPARE(k.evictions, int64_t(0));
    }

    void lruEvictsTheLeastRecent()
    {
        ExpertCache c(1, 8, 3, CachePolicy::Lru);
        touch(c, 0, {0});
        touch(c, 0, {1});
        touch(c, 0, {2});
        touch(c, 0, {0}); // order now 0, 2, 1
        const auto ch = touch(c, 0, {3});
        QCOMPARE(ch.size(), size_t(1));
        QCOMPARE(ch[0].outgoing, (ExpertId{0, 1}));
        QCOMPARE(ch[0].slot, 1);
        QCOMPARE(c.counters().evictions, int64_t(1));
    }

    void neverEvictsAnExpertOfTheSameCall()
    {
        for (const CachePolicy p : {CachePolicy::Lru, CachePolicy::LfuDecay, CachePolicy::Slru, CachePolicy::TinyLfu,
                                    CachePolicy::Adaptive}) {
            ExpertCache c(1, 8, 2, p);
            touch(c, 0, {0, 1});
            // 0 is a hit and 2 and 3 miss: only the slot of 1 may be taken, and only once.
            const auto ch = touch(c, 0, {0, 2, 3});
            QVERIFY2(ch.size() <= 1, cachePolicyName(p));
            for (const SlotChange &s : ch)
                QCOMPARE(s.outgoing, (ExpertId{0, 1}));
            QVERIFY(c.slotOf({0, 0}) >= 0);
            // A call with more misses than slots admits no more than fit, none evicting another.
            const auto all = touch(c, 0, {4, 5, 6, 7});
            QVERIFY(all.size() <= 2);
            std::set<int32_t> slotsUsed;
            for (const SlotChange &s : all)
                QVERIFY(slotsUsed.insert(s.slot).second);
        }
    }

    void admissionCap()
    {
        ExpertCache c(1, 8, 8, CachePolicy::Lru);
        QCOMPARE(touch(c, 0, {0, 1, 2, 3}, 2).size(), size_t(2));
        QCOMPARE(touch(c, 0, {0, 1, 2, 3}, 0).size(), size_t(0));
        QCOMPARE(c.counters().hits, int64_t(2));
        QCOMPARE(c.counters().accesses, int64_t(8));
    }

    void rejectsOutOfRangeIds()
    {
        ExpertCache c(2, 4, 2);
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, touch(c, 2, {0}));
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, touch(c, 0, {4}));
        QCOMPARE(c.slotOf({5, 0}), -1);
    }

    void staticPoliciesNeverAdmit()
    {
        ExpertUsage u(3, 4, 0);
        u.record(0, 3, 10);
        u.record(2, 1, 5);
        u.record(1, 2, 1);
        ExpertCache s(3, 4, 2, CachePolicy::Static);
        const auto warm = s.warmStart(u);
        QCOMPARE(warm.size(), size_t(2));
        QVERIFY(s.slotOf({0, 3}) >= 0 && s.slotOf({2, 1}) >= 0);
        QVERIFY(touch(s, 1, {2, 0}).empty());
        QCOMPARE(s.counters().admissions, int64_t(0));
        QCOMPARE(touch(s, 0, {3}).size(), size_t(0));
        QCOMPARE(s.counters().hits, int64_t(1));
    }

    void staticLayersTakesWholeLayers()
    {
        ExpertUsage u(4, 4, 0);
        for (int32_t l = 1; l < 4; ++l)
            for (int32_t e = 0; e < 4; ++e)
                u.record(l, e); // equal use
        CacheOptions o;
        o.moeLayers = {1, 2, 3}; // layer 0 is dense
        ExpertCache c(4, 4, 9, CachePolicy::StaticLayers, o);
        QCOMPARE(c.warmStart(u).size(), size_t(8)); // two whole layers; the ninth slot stays free
        for (int32_t e = 0; e < 4; ++e) {
            QVERIFY(c.slotOf({3, e}) >= 0); // the last layers, like --n-cpu-moe
            QVERIFY(c.slotOf({2, e}) >= 0);
            QCOMPARE(c.slotOf({1, e}), -1);
        }
        QVERIFY(touch(c, 1, {0}).empty());
    }

    void warmStartSeedsRecencyAndIgnoresOtherShapes()
    {
        ExpertUsage u(1, 6, 0);
        for (int32_t e = 0; e < 6; ++e)
            u.record(0, e, 10 - e); // 0 best
        ExpertCache c(1, 6, 3, CachePolicy::Lru);
        QCOMPARE(c.warmStart(ExpertUsage(2, 6)).size(), size_t(0));
        QCOMPARE(c.warmStart(u).size(), size_t(3));
        // The best was inserted last, so the least used of the three (2) goes first.
        const auto ch = touch(c, 0, {5});
        QCOMPARE(ch[0].outgoing, (ExpertId{0, 2}));
    }

    void lfuDecayEvictsTheLeastRouted()
    {
        CacheOptions o;
        o.frequencyHalfLife = 0;
        ExpertCache c(1, 8, 3, CachePolicy::LfuDecay, o);
        for (int i = 0; i < 3; ++i)
            touch(c, 0, {0});
        touch(c, 0, {1});
        touch(c, 0, {1});
        touch(c, 0, {2});
        const auto ch = touch(c, 0, {3});
        QCOMPARE(ch[0].outgoing, (ExpertId{0, 2}));
        // Counts include misses: 5 was routed to three times while not resident.
        for (int i = 0; i < 3; ++i)
            touch(c, 0, {5}, 0);
        QCOMPARE(touch(c, 0, {6})[0].outgoing, (ExpertId{0, 3}));
    }

    void slruProtectsTwiceUsed()
    {
        CacheOptions o;
        o.protectedFraction = 0.5;
        ExpertCache c(1, 8, 4, CachePolicy::Slru, o);
        touch(c, 0, {0, 1, 2, 3});
        touch(c, 0, {0}); // 0 protected
        touch(c, 0, {1}); // 1 protected
        // Probation holds 2 and 3 (3 newest): the new expert evicts 2, then 3, never 0 or 1.
        QCOMPARE(touch(c, 0, {4})[0].outgoing, (ExpertId{0, 2}));
        QCOMPARE(touch(c, 0, {5})[0].outgoing, (ExpertId{0, 3}));
        QVERIFY(c.slotOf({0, 0}) >= 0 && c.slotOf({0, 1}) >= 0);
    }

    void tinyLfuKeepsFrequentExpertsAgainstOneOffs()
    {
        CacheOptions o;
        o.windowFraction = 0.25; // 1 window slot of 4
        o.frequencyHalfLife = 0;
        ExpertCache c(1, 32, 4, CachePolicy::TinyLfu, o);
        for (int i = 0; i < 5; ++i)
            touch(c, 0, {0, 1, 2});
        // A stream of one-off experts passes through the window without evicting 0, 1, 2.
        for (int32_t e = 10; e < 30; ++e)
            touch(c, 0, {e});
        QVERIFY(c.slotOf({0, 0}) >= 0 && c.slotOf({0, 1}) >= 0 && c.slotOf({0, 2}) >= 0);
        // LRU in the same situation loses them.
        ExpertCache lru(1, 32, 4, CachePolicy::Lru);
        for (int i = 0; i < 5; ++i)
            touch(lru, 0, {0, 1, 2});
        for (int32_t e = 10; e < 30; ++e)
            touch(lru, 0, {e});
        QCOMPARE(lru.slotOf({0, 0}), -1);
    }

    void everyPolicyKeepsItsTablesConsistent()
    {
        TraceGeneratorParams p;
        p.nLayer = 4;
        p.nExpert = 32;
        p.k = 4;
        p.tokens = 600;
        const RoutingTrace t = generateTrace(p);
        ExpertUsage profile(4, 32, 0);
        profile.record(1, 7, 3);
        for (const CachePolicy policy : allCachePolicies()) {
            for (const int32_t slots : {0, 1, 5, 40, 128}) {
                ExpertCache c(4, 32, slots, policy);
                const size_t warm = c.warmStart(profile).size();
                QCOMPARE(int32_t(warm), c.residentCount());
                int64_t admissions = 0;
                for (int64_t tok = 0; tok < t.tokens(); ++tok) {
                    c.advanceToken();
                    for (int32_t l = 0; l < 4; ++l) {
                        const auto ch = c.access(l, t.experts(tok, l), int32_t(tok % 3));
                        QVERIFY(int64_t(ch.size()) <= tok % 3);
                        for (const SlotChange &s : ch) {
                            QCOMPARE(c.slotContent(s.slot), s.incoming);
                            QCOMPARE(s.incoming.layer, l);
                            if (s.outgoing.valid())
                                QCOMPARE(c.slotOf(s.outgoing), -1);
                        }
                        admissions += int64_t(ch.size());
                    }
                }
                QVERIFY2(consistent(c, 4, 32), cachePolicyName(policy));
                QCOMPARE(c.counters().accesses, t.tokens() * 16);
                QVERIFY(c.counters().hits <= c.counters().accesses);
                QCOMPARE(c.counters().admissions, admissions); // warm-start loads are not admissions
                if (isStatic(policy))
                    QCOMPARE(admissions, int64_t(0));
                if (slots >= 128)
                    QVERIFY(isStatic(policy) || c.counters().evictions == 0);
            }
        }
    }

    void policyNames()
    {
        for (const CachePolicy p : allCachePolicies())
            QVERIFY(cachePolicyFromName(cachePolicyName(p)) == p);
        QVERIFY(!cachePolicyFromName("mru"));
    }
};

QTEST_APPLESS_MAIN(TestExpertCache)
#include "tst_expert_cache.moc"
