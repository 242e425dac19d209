// The backend registry and the routing hook on the CPU evaluator: "cpu" always works, unknown
// names fail with the list of names, "auto" falls back to the CPU with the failing backends'
// reasons, a registered backend is used by name; a hook sees every routed token and an override
// takes effect with the weights the router's scores give the new experts.
#include "engine/backend.h"
#include "engine/cpu/thread_pool.h"
#include "engine/moe/expert_usage.h"
#include "engine/moe/routing_hook.h"
#include "engine/runtime/experts.h"
#include "engine/runtime/inference_state.h"

#include <QTemporaryDir>
#include <QTest>
#include <cmath>
#include <set>

using namespace enclave;

namespace {

std::string refpackModel(const char *name)
{
    return std::string(ENCLAVE_REFPACK_DIR "/models/") + name + "/gguf/" + name + "-q8_0.gguf";
}

std::vector<float> logitsOf(Evaluator &e, const std::vector<int32_t> &ids)
{
    std::vector<float> out(ids.size() * size_t(e.model().config().nVocab));
    e.evaluate(ids, out.data());
    return out;
}

// Records what it sees; optionally replaces every routing with fixed experts.
class ProbeHook : public moe::RoutingHook {
public:
    std::vector<int32_t> forced;
    std::vector<std::tuple<int64_t, int64_t, std::vector<int32_t>>> seen;
    void routed(int64_t layer, int64_t position, std::span<int32_t> experts) override
    {
        seen.emplace_back(layer, position, std::vector<int32_t>(experts.begin(), experts.end()));
        if (!forced.empty())
            std::copy(forced.begin(), forced.end(), experts.begin());
    }
};

} // namespace

class TestBackend : public QObject {
    Q_OBJECT
    std::unique_ptr<Model> m_model;

private slots:
    void initTestCase()
    {
        try {
            m_model = Model::load(refpackModel("qwen3_moe"));
        } catch (const std::exception &e) {
            QSKIP(e.what());
        }
    }

    void cpuAlwaysAvailable()
    {
        QCOMPARE(availableBackends().front(), std::string("cpu"));
        BackendOptions o;
        auto e = createEvaluator(*m_model, 16, defaultThreadPool(), o);
        QVERIFY(e->deviceName().rfind("CPU", 0) == 0);
        QCOMPARE(e->capacity(), int64_t(16));
    }

    void unknownBackendNamesTheAvailableOnes()
    {
        BackendOptions o;
        o.backend = "quantum";
        try {
            createEvaluator(*m_model, 16, defaultThreadPool(), o);
            QFAIL("an unknown backend was accepted");
        } catch (const std::runtime_error &e) {
            const std::string what = e.what();
            QVERIFY2(what.find("quantum") != std::string::npos && what.find("cpu") != std::string::npos, e.what());
        }
    }

    void autoFallsBackWithTheReason()
    {
        registerBackend("broken-test", [](const Model &, int64_t, ThreadPool &, const BackendOptions &) -> std::unique_ptr<Evaluator> {
            throw std::runtime_error("no device in this test");
        });
        BackendOptions o;
        o.backend = "auto";
        std::string reason;
        auto e = createEvaluator(*m_model, 8, defaultThreadPool(), o, &reason);
        QVERIFY(e->deviceName().rfind("CPU", 0) == 0);
        QVERIFY2(reason.find("broken-test: no device in this test") != std::string::npos, reason.c_str());
        o.backend = "broken-test"; // by name, the failure is the caller's to see
        QVERIFY_THROWS_EXCEPTION(std::runtime_error, createEvaluator(*m_model, 8, defaultThreadPool(), o));
    }

    void registeredBackendIsUsedByName()
    {
        int calls = 0;
        registerBackend("counting-test", [&calls](const Model &model, int64_t ctx, ThreadPool &pool,
                                                  const BackendOptions &) -> std::unique_ptr<Evaluator> {
            ++calls;
            return std::make_unique<InferenceState>(model, ctx, pool);
        });
        BackendOptions o;
        o.backend = "counting-test";
        auto e = createEvaluator(*m_model, 8, defaultThreadPool(), o);
        QCOMPARE(calls, 1);
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, registerBackend("cpu", nullptr));
    }

    void hookSeesEveryRoutedToken()
    {
        const ModelConfig &c = m_model->config();
        InferenceState state(*m_model, 8, defaultThreadPool());
        const std::vector<float> plain = logitsOf(state, {1, 2, 3});
        ProbeHook hook;
        InferenceState observed(*m_model, 8, defaultThreadPool());
        observed.setRoutingHook(&hook);
        QCOMPARE(logitsOf(observed, {1, 2, 3}), plain); // observing changes nothing
        std::vector<float> next(size_t(c.nVocab));
        observed.evaluate(std::vector<int32_t>{4}, nullptr, next.data());
        // 4 tokens x MoE layers, each with k distinct experts, positions in order per layer.
        int64_t moeLayers = 0;
        for (int64_t i = 0; i < c.nLayer; ++i)
            moeLayers += c.isMoeLayer(i);
        QCOMPARE(int64_t(hook.seen.size()), 4 * moeLayers);
        for (const auto &[layer, position, experts] : hook.seen) {
            QVERIFY(c.isMoeLayer(layer));
            QVERIFY(position >= 0 && position < 4);
            QCOMPARE(int64_t(experts.size()), c.moe.nExpertUsed);
        }
        QCOMPARE(observed.stats().expertComputations, 4 * moeLayers * c.moe.nExpertUsed);
    }

    void overrideTakesEffect()
    {
        const ModelConfig &c = m_model->config();
        ProbeHook hook;
        for (int32_t e = 0; e < int32_t(c.moe.nExpertUsed); ++e)
            hook.forced.push_back(e);
        InferenceState forced(*m_model, 8, defaultThreadPool());
        forced.setRoutingHook(&hook);
        const std::vector<float> a = logitsOf(forced, {5, 6});
        InferenceState plain(*m_model, 8, defaultThreadPool());
        const std::vector<float> b = logitsOf(plain, {5, 6});
        double diff = 0;
        for (size_t i = 0; i < a.size(); ++i)
            diff += std::fabs(a[i] - b[i]);
        QVERIFY2(diff > 1e-3, "forcing other experts did not change the logits");
    }

    // The CPU evaluator keeps the usage profile too, so a later GPU load of the model starts warm.
    void cpuKeepsTheUsageProfile()
    {
        const ModelConfig &c = m_model->config();
        QTemporaryDir dir;
        BackendOptions o;
        o.usageProfilePath = dir.filePath(QStringLiteral("model.usage")).toStdString();
        ProbeHook hook;
        {
            auto e = createEvaluator(*m_model, 8, defaultThreadPool(), o);
            e->setRoutingHook(&hook);
            logitsOf(*e, {1, 2, 3, 4});
            e->saveProfile();
        }
        const moe::ExpertUsage usage =
            moe::ExpertUsage::load(o.usageProfilePath, int32_t(c.nLayer), int32_t(c.moe.nExpert));
        QCOMPARE(usage.tokens(), int64_t(4));
        // Every expert the router chose has a score, and only those.
        std::set<std::pair<int64_t, int32_t>> chosen;
        for (const auto &[layer, position, experts] : hook.seen)
            for (const int32_t e : experts)
                chosen.insert({layer, e});
        for (int32_t layer = 0; layer < int32_t(c.nLayer); ++layer)
            for (int32_t e = 0; e < int32_t(c.moe.nExpert); ++e)
                QCOMPARE(usage.score(layer, e) > 0, chosen.count({layer, e}) == 1);
        // A second run starts from the saved counts.
        {
            auto e = createEvaluator(*m_model, 8, defaultThreadPool(), o);
            logitsOf(*e, {5});
            e->saveProfile();
        }
        QCOMPARE(moe::ExpertUsage::load(o.usageProfilePath, int32_t(c.nLayer), int32_t(c.moe.nExpert)).tokens(),
                 int64_t(5));
    }

    void forcedWeightsFollowTheScores()
    {
        MoeConfig m;
        m.nExpert = 4;
        m.nExpertUsed = 2;
        m.normTopK = true;
        const float logits[4] = {0.0f, 1.0f, 2.0f, 3.0f};
        const Routing r = routeToken(m, logits, nullptr);
        const std::vector<int32_t> same(r.experts.begin(), r.experts.end());
        QCOMPARE(routingWeightsFor(m, logits, same), r.weights);
        const std::vector<int32_t> other{0, 1};
        const std::vector<float> w = routingWeightsFor(m, logits, other);
        // softmax then renormalised over {0, 1}: e^0 / (e^0 + e^1) and e^1 / (e^0 + e^1).
        QVERIFY(std::fabs(w[0] - 1.0f / (1.0f + std::exp(1.0f))) < 1e-6f);
        QVERIFY(std::fabs(w[0] + w[1] - 1.0f) < 1e-6f);
    }
};

QTEST_GUILESS_MAIN(TestBackend)
#include "tst_backend.moc"
