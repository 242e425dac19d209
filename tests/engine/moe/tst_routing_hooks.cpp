// The routing hooks: recording in token-major and layer-major order, restarts and jumps back,
// interrupted tokens; replay by position modulo the trace and its shape checks; usage counting;
// hook lists in order.
#include "engine/moe/routing_hook.h"

#include <QTest>

using namespace enclave::moe;

namespace {

// Layer 0 dense, layers 1 and 2 MoE, 8 experts, k 2. The ids depend on (position, layer).
std::vector<int32_t> idsFor(int64_t position, int64_t layer, int64_t salt = 0)
{
    const int32_t a = int32_t((position * 3 + layer + salt) % 8);
    return {a, (a + 1 + int32_t(layer)) % 8};
}

void route(RoutingHook &h, int64_t layer, int64_t position, int64_t salt = 0)
{
    std::vector<int32_t> ids = idsFor(position, layer, salt);
    h.routed(layer, position, ids);
}

bool tokenIs(const RoutingTrace &t, int64_t token, int64_t position, int64_t salt = 0)
{
    return std::ranges::equal(t.experts(token, 0), idsFor(position, 1, salt)) &&
           std::ranges::equal(t.experts(token, 1), idsFor(position, 2, salt));
}

} // namespace

class TestRoutingHooks : public QObject {
    Q_OBJECT
private slots:
    void recordsTokenMajorAndLayerMajorAlike()
    {
        TraceRecorder tokenMajor(3, {1, 2}, 8, 2), layerMajor(3, {1, 2}, 8, 2);
        for (int64_t p = 0; p < 5; ++p)
            for (int64_t l : {1, 2})
                route(tokenMajor, l, p);
        for (int64_t l : {1, 2})
            for (int64_t p = 0; p < 5; ++p)
                route(layerMajor, l, p);
        const RoutingTrace a = tokenMajor.trace(), b = layerMajor.trace();
        QCOMPARE(a.tokens(), int64_t(5));
        QCOMPARE(b.tokens(), int64_t(5));
        for (int64_t t = 0; t < 5; ++t) {
            QVERIFY(tokenIs(a, t, t));
            QVERIFY(tokenIs(b, t, t));
        }
    }

    void restartsAndJumpsBackAppend()
    {
        TraceRecorder r(3, {1, 2}, 8, 2);
        for (int64_t p = 0; p < 4; ++p)
            for (int64_t l : {1, 2})
                route(r, l, p);
        // Jump back to position 2 (a truncated cache), evaluated layer by layer as a chunk.
        for (int64_t l : {1, 2})
            for (int64_t p = 2; p < 5; ++p)
                route(r, l, p, 1);
        // A new conversation from 0.
        for (int64_t l : {1, 2})
            route(r, l, 0, 2);
        const RoutingTrace t = r.trace();
        QCOMPARE(t.tokens(), int64_t(4 + 3 + 1));
        QVERIFY(tokenIs(t, 3, 3));
        QVERIFY(tokenIs(t, 4, 2, 1));
        QVERIFY(tokenIs(t, 6, 4, 1));
        QVERIFY(tokenIs(t, 7, 0, 2));
    }

    void interruptedTokensAreLeftOut()
    {
        TraceRecorder r(3, {1, 2}, 8, 2);
        route(r, 1, 0);
        route(r, 2, 0);
        route(r, 1, 1); // cancelled before layer 2
        route(r, 1, 1, 1); // evaluated again: a new run
        route(r, 2, 1, 1);
        const RoutingTrace t = r.trace();
        QCOMPARE(r.recordedTokens(), int64_t(3));
        QCOMPARE(t.tokens(), int64_t(2));
        QVERIFY(tokenIs(t, 1, 1, 1));
    }

    void recorderRejectsWhatTheTraceCannotHold()
    {
        TraceRecorder r(3, {1, 2}, 8, 2);
        std::vector<int32_t> ids{1, 2}, three{1, 2, 3}, range{1, 8};
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, r.routed(0, 0, ids));
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, r.routed(1, 0, three));
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, r.routed(1, 0, range));
    }

    void replayUsesPositionModuloLength()
    {
        RoutingTrace t(3, {1, 2}, 8, 2);
        t.appendToken(std::vector<int32_t>{0, 1, 2, 3});
        t.appendToken(std::vector<int32_t>{4, 5, 6, 7});
        TraceReplayer replay(t, 3, {1, 2}, 16, 2); // a model with more experts is fine
        std::vector<int32_t> ids{9, 9};
        replay.routed(2, 0, ids);
        QCOMPARE(ids, (std::vector<int32_t>{2, 3}));
        replay.routed(1, 5, ids); // 5 mod 2 = 1
        QCOMPARE(ids, (std::vector<int32_t>{4, 5}));
        std::vector<int32_t> three{1, 2, 3};
        QVERIFY_THROWS_EXCEPTION(std::runtime_error, replay.routed(1, 0, three));
        QVERIFY_THROWS_EXCEPTION(std::runtime_error, replay.routed(0, 0, ids));
    }

    void replayChecksTheModel()
    {
        RoutingTrace t(3, {1, 2}, 8, 2);
        QVERIFY_THROWS_EXCEPTION(std::runtime_error, TraceReplayer(t, 3, {1, 2}, 8, 2)); // empty
        t.appendToken(std::vector<int32_t>{0, 1, 2, 3});
        QVERIFY_THROWS_EXCEPTION(std::runtime_error, TraceReplayer(t, 3, {1, 2}, 8, 4));
        QVERIFY_THROWS_EXCEPTION(std::runtime_error, TraceReplayer(t, 3, {1, 2}, 4, 2));
        QVERIFY_THROWS_EXCEPTION(std::runtime_error, TraceReplayer(t, 3, {0, 1, 2}, 8, 2));
        try {
            TraceReplayer(t, 3, {1, 2}, 8, 4);
        } catch (const std::runtime_error &e) {
            QVERIFY2(QString(e.what()).contains("routes 2 experts per token, the model 4"), e.what());
        }
    }

    void usageRecorderCountsAndAges()
    {
        ExpertUsage u(3, 8, 1);
        UsageRecorder rec(u, 1);
        route(rec, 1, 0);
        route(rec, 2, 0);
        QCOMPARE(u.tokens(), int64_t(1));
        const auto first = idsFor(0, 1);
        QCOMPARE(u.score(1, first[0]), 1.0);
        route(rec, 1, 1); // next token: the earlier count halves
        QCOMPARE(u.tokens(), int64_t(2));
        QVERIFY(u.score(1, first[0]) < 1.0);
    }

    void listCallsInOrder()
    {
        RoutingTrace t(3, {1, 2}, 8, 2);
        t.appendToken(std::vector<int32_t>{6, 7, 6, 7});
        TraceReplayer replay(t, 3, {1, 2}, 8, 2);
        TraceRecorder rec(3, {1, 2}, 8, 2);
        RoutingHookList list;
        QVERIFY(list.empty());
        list.add(&replay);
        list.add(&rec);
        route(list, 1, 0);
        route(list, 2, 0);
        QCOMPARE(rec.trace().token(0)[0], 6); // the recorder saw the replayed ids
    }
};

QTEST_APPLESS_MAIN(TestRoutingHooks)
#include "tst_routing_hooks.moc"
