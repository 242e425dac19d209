// The calibrated routing mixture (see the header): a per-layer generator and a pilot-based
// solver for its three parameters.
#include "engine/moe/trace_generator.h"

#include "engine/moe/trace_stats.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <stdexcept>

namespace enclave::moe {

namespace {

constexpr int kWindow = 8;
constexpr uint64_t kPilotSeed = 0x5eed'ca1b'0000'0001ull;
constexpr int kPilotLayers = 8;
constexpr int64_t kPilotTokens = 2000;
constexpr int kCalibrationRounds = 24;

uint64_t splitmix64(uint64_t &state)
{
    uint64_t z = (state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

// Platform-independent random numbers (std distributions differ between libraries).
class Rng {
public:
    explicit Rng(uint64_t seed) : m_state(seed) {}
    double uniform() { return double(splitmix64(m_state) >> 11) * 0x1.0p-53; }
    int32_t below(int32_t n) { return std::min(int32_t(uniform() * n), n - 1); }

private:
    uint64_t m_state;
};

// One MoE layer's routing process.
class LayerRouter {
public:
    LayerRouter(int32_t nExpert, int32_t k, const TraceMixture &mix, uint64_t seed)
        : m_k(k), m_mix(mix), m_rng(seed), m_history(size_t(kWindow) * size_t(k), -1),
          m_chosen(size_t(nExpert), false), m_inPrevious(size_t(nExpert), false)
    {
        std::vector<int32_t> rankOf(static_cast<size_t>(nExpert));
        std::iota(rankOf.begin(), rankOf.end(), 0);
        for (int32_t i = nExpert - 1; i > 0; --i)
            std::swap(rankOf[size_t(i)], rankOf[size_t(m_rng.below(i + 1))]);
        double total = 0;
        for (int32_t e = 0; e < nExpert; ++e)
            m_cumulative.push_back(total += std::exp(-double(rankOf[size_t(e)]) / mix.tau));
    }

    // Writes this token's k distinct ids into out.
    void next(int64_t token, int32_t *out)
    {
        const int32_t *previous = slot(token - 1);
        for (int32_t i = 0; token > 0 && i < m_k; ++i)
            m_inPrevious[size_t(previous[i])] = true;
        for (int32_t i = 0; i < m_k; ++i) {
            const double u = m_rng.uniform();
            int32_t e = -1;
            if (token > 0 && u < m_mix.pNext)
                e = fromToken(previous, false);
            else if (token > 1 && u < m_mix.pNext + m_mix.pRecent)
                e = fromToken(slot(token - 2 - m_rng.below(int32_t(std::min<int64_t>(kWindow - 1, token - 1)))), true);
            if (e < 0)
                e = fresh();
            m_chosen[size_t(e)] = true;
            out[i] = e;
        }
        for (int32_t i = 0; i < m_k; ++i)
            m_chosen[size_t(out[i])] = false;
        for (int32_t i = 0; token > 0 && i < m_k; ++i)
            m_inPrevious[size_t(previous[i])] = false;
        std::copy(out, out + m_k, slot(token));
    }

private:
    int32_t *slot(int64_t token) { return m_history.data() + size_t(token % kWindow) * size_t(m_k); }

    // A random id of that token not yet chosen (and, for the window, not one of the previous
    // token's, which pNext covers); -1 when there is none.
    int32_t fromToken(const int32_t *ids, bool skipPrevious)
    {
        int32_t candidates[256];
        int32_t n = 0;
        for (int32_t i = 0; i < m_k && n < 256; ++i)
            if (!m_chosen[size_t(ids[i])] && !(skipPrevious && m_inPrevious[size_t(ids[i])]))
                candidates[n++] = ids[i];
        return n ? candidates[m_rng.below(n)] : -1;
    }

    int32_t fresh()
    {
        for (;;) {
            const double u = m_rng.uniform() * m_cumulative.back();
            const auto e = int32_t(std::upper_bound(m_cumulative.begin(), m_cumulative.end(), u) - m_cumulative.begin());
            if (e < int32_t(m_cumulative.size()) && !m_chosen[size_t(e)])
                return e;
        }
    }

    int32_t m_k;
    TraceMixture m_mix;
    Rng m_rng;
    std::vector<double> m_cumulative; // [nExpert] running sum of popularity weights
    std::vector<int32_t> m_history;   // [kWindow, k] ring of the last tokens' picks
    std::vector<bool> m_chosen;       // [nExpert] picked by the token being generated
    std::vector<bool> m_inPrevious;   // [nExpert] picked by the previous token
};

void checkParams(const TraceGeneratorParams &p)
{
    const TraceTargets &t = p.targets;
    for (const double v : {t.repeatAtNext, t.repeatWithin8, t.massFraction})
        if (!(v > 0 && v < 1))
            throw std::invalid_argument("trace generator: targets must lie strictly between 0 and 1");
    if (t.repeatWithin8 < t.repeatAtNext)
        throw std::invalid_argument("trace generator: the within-8 target is below the next-token target");
    if (p.tokens < 0)
        throw std::invalid_argument("trace generator: negative token count");
    if (p.k > 256)
        throw std::invalid_argument("trace generator: at most 256 experts per token");
}

std::vector<int32_t> moeLayersOf(const TraceGeneratorParams &p)
{
    if (!p.moeLayers.empty())
        return p.moeLayers;
    std::vector<int32_t> all(size_t(std::max(p.nLayer, 0)));
    std::iota(all.begin(), all.end(), 0);
    return all;
}

} // namespace

RoutingTrace generateTrace(const TraceGeneratorParams &p, const TraceMixture &mix)
{
    checkParams(p);
    RoutingTrace trace(p.nLayer, moeLayersOf(p), p.nExpert, p.k);
    std::vector<LayerRouter> layers;
    uint64_t seedState = p.seed;
    for (int32_t l = 0; l < trace.nMoeLayer(); ++l)
        layers.emplace_back(p.nExpert, p.k, mix, splitmix64(seedState));
    std::vector<int32_t> row(size_t(trace.nMoeLayer()) * size_t(p.k));
    for (int64_t t = 0; t < p.tokens; ++t) {
        for (size_t l = 0; l < layers.size(); ++l)
            layers[l].next(t, row.data() + l * size_t(p.k));
        trace.appendToken(row);
    }
    return trace;
}

TraceMixture calibrateMixture(const TraceGeneratorParams &params)
{
    checkParams(params);
    TraceGeneratorParams pilot = params;
    pilot.nLayer = kPilotLayers;
    pilot.moeLayers.clear();
    pilot.tokens = kPilotTokens;
    pilot.seed = kPilotSeed;
    const TraceTargets &target = params.targets;
    TraceMixture mix{target.repeatAtNext * 0.8, (target.repeatWithin8 - target.repeatAtNext) * 0.8,
                     double(params.nExpert) * target.massFraction / 2.3};
    // The three parameters each mostly drive one statistic, so a damped fixed-point iteration
    // converges: pNext → next-token repeats, pRecent → window repeats, tau → mass spread.
    for (int round = 0; round < kCalibrationRounds; ++round) {
        const TraceStats s = computeTraceStats(generateTrace(pilot, mix));
        mix.pNext = std::clamp(mix.pNext + (target.repeatAtNext - s.repeatAtNext), 0.0, 0.98);
        mix.pRecent = std::clamp(mix.pRecent + (target.repeatWithin8 - s.repeatWithin8), 0.0, 0.98 - mix.pNext);
        if (s.massFraction > 0)
            mix.tau = std::clamp(mix.tau * std::pow(target.massFraction / s.massFraction, 1.5), 0.05,
                                 double(params.nExpert) * 100);
    }
    return mix;
}

RoutingTrace generateTrace(const TraceGeneratorParams &params)
{
    return generateTrace(params, calibrateMixture(params));
}

} // namespace enclave::moe
