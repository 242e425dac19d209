// Replays a routing trace through ExpertCache + ExpertScheduler with simulated copies, to
// compare cache policies on real (or calibrated) routing: a missed expert is served by the CPU
// and becomes usable `delay` tokens after the next one; at most maxAdmissionsPerToken copies
// start per token.
#pragma once

#include "engine/moe/expert_cache.h"
#include "engine/moe/expert_usage.h"
#include "engine/moe/routing_trace.h"

#include <cstdint>
#include <limits>

namespace enclave::moe {

struct SimulationOptions {
    CachePolicy policy = kDefaultCachePolicy;
    int32_t slotCount = 0;
    int32_t delay = 0; // extra tokens a copy takes (0: usable from the next token)
    int32_t maxAdmissionsPerToken = std::numeric_limits<int32_t>::max();
    // Warm start (loaded before token 0). Static policies need one; nullptr: start empty.
    const ExpertUsage *profile = nullptr;
    CacheOptions cache; // moeLayers is taken from the trace
};

struct SimulationResult {
    int64_t picks = 0;
    int64_t gpuHits = 0; // picks served from a ready slot
    int64_t copies = 0;
    CacheCounters cache; // hits here include experts still loading
    double hitRate() const { return picks ? double(gpuHits) / double(picks) : 0; }
};

SimulationResult simulateCache(const RoutingTrace &trace, const SimulationOptions &options);

// Plain (undecayed) routing counts of a trace, as a profile over the trace's model layers:
// what the "best static split" baselines are built from.
ExpertUsage traceUsage(const RoutingTrace &trace);

// Slots for a share of all routed experts of the trace (rounded, at least 0).
int32_t slotsForFraction(const RoutingTrace &trace, double fraction);

} // namespace enclave::moe
