// Cache simulation: the scheduler driven token by token over a trace, with in-order work (a
// token's GPU work is finished before the next token begins).
#include "engine/moe/cache_simulator.h"

#include "engine/moe/expert_scheduler.h"
#include "engine/moe/simulated_copier.h"

#include <cmath>

namespace enclave::moe {

SimulationResult simulateCache(const RoutingTrace &trace, const SimulationOptions &options)
{
    CacheOptions cacheOptions = options.cache;
    cacheOptions.moeLayers = trace.moeLayers();
    ExpertCache cache(trace.nLayer(), trace.nExpert(), options.slotCount, options.policy, cacheOptions);
    SimulatedCopier copier(options.slotCount, options.delay);
    ExpertScheduler scheduler(cache, copier, {options.maxAdmissionsPerToken});
    if (options.profile) {
        copier.setToken(-1 - options.delay); // warm-start copies complete before token 0
        scheduler.warmStart(*options.profile);
    }
    ExpertSplit split;
    for (int64_t t = 0; t < trace.tokens(); ++t) {
        copier.setToken(t);
        scheduler.beginToken(t);
        for (int32_t l = 0; l < trace.nMoeLayer(); ++l)
            scheduler.route(trace.moeLayers()[size_t(l)], trace.experts(t, l), split);
        scheduler.workFinished(t);
    }
    SimulationResult r;
    r.picks = scheduler.counters().picks;
    r.gpuHits = scheduler.counters().gpu;
    r.copies = scheduler.counters().copies;
    r.cache = cache.counters();
    return r;
}

ExpertUsage traceUsage(const RoutingTrace &trace)
{
    ExpertUsage usage(trace.nLayer(), trace.nExpert(), 0);
    for (int64_t t = 0; t < trace.tokens(); ++t) {
        for (int32_t l = 0; l < trace.nMoeLayer(); ++l)
            for (const int32_t e : trace.experts(t, l))
                usage.record(trace.moeLayers()[size_t(l)], e);
        usage.advance();
    }
    return usage;
}

int32_t slotsForFraction(const RoutingTrace &trace, double fraction)
{
    const double all = double(trace.nMoeLayer()) * double(trace.nExpert());
    return int32_t(std::max(0.0, std::lround(fraction * all) * 1.0));
}

} // namespace enclave::moe
