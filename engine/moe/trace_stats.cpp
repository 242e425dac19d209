// Trace statistics: one pass over the trace with a last-use table per MoE layer.
#include "engine/moe/trace_stats.h"

#include <algorithm>
#include <functional>
#include <numeric>

namespace enclave::moe {

namespace {
constexpr int64_t kWindow = 8;
}

double massFraction(const std::vector<int64_t> &counts, double mass)
{
    if (counts.empty())
        return 0;
    std::vector<int64_t> sorted = counts;
    std::sort(sorted.begin(), sorted.end(), std::greater<>());
    const double total = double(std::accumulate(sorted.begin(), sorted.end(), int64_t(0)));
    if (total <= 0)
        return 0;
    double covered = 0;
    size_t needed = 0;
    while (needed < sorted.size() && covered < mass * total - 1e-9)
        covered += double(sorted[needed++]);
    return double(needed) / double(sorted.size());
}

TraceStats computeTraceStats(const RoutingTrace &trace)
{
    TraceStats s;
    const int32_t nMoe = trace.nMoeLayer();
    const int32_t nExpert = trace.nExpert();
    s.tokens = trace.tokens();
    s.picks = s.tokens * nMoe * trace.k();
    s.load.assign(size_t(nMoe), std::vector<int64_t>(size_t(nExpert), 0));
    std::vector<int64_t> lastUse(size_t(nMoe) * size_t(nExpert), -1); // token that last picked (layer, expert)
    int64_t later = 0, next = 0, within = 0;
    for (int64_t t = 0; t < s.tokens; ++t) {
        for (int32_t l = 0; l < nMoe; ++l) {
            int64_t *last = lastUse.data() + size_t(l) * size_t(nExpert);
            for (const int32_t e : trace.experts(t, l)) {
                ++s.load[size_t(l)][size_t(e)];
                if (t == 0)
                    continue;
                ++later;
                next += last[e] == t - 1;
                within += last[e] >= 0 && t - last[e] <= kWindow;
            }
            // Update after the whole token so that a token's own picks never count as history.
            for (const int32_t e : trace.experts(t, l))
                last[e] = t;
        }
    }
    s.repeatAtNext = later ? double(next) / double(later) : 0;
    s.repeatWithin8 = later ? double(within) / double(later) : 0;
    for (const auto &counts : s.load) {
        s.layerMassFraction.push_back(massFraction(counts));
        const double mean = double(std::accumulate(counts.begin(), counts.end(), int64_t(0))) / double(nExpert);
        const double busiest = double(*std::max_element(counts.begin(), counts.end()));
        s.layerImbalance.push_back(mean > 0 ? busiest / mean : 0);
    }
    if (nMoe > 0)
        s.massFraction = std::accumulate(s.layerMassFraction.begin(), s.layerMassFraction.end(), 0.0) / nMoe;
    return s;
}

} // namespace enclave::moe
