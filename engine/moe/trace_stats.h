// Statistics of a routing trace: temporal locality, popularity skew and per-layer load —
// the numbers the published Qwen3-30B-A3B routing figures are stated in.
#pragma once

#include "engine/moe/routing_trace.h"

#include <cstdint>
#include <vector>

namespace enclave::moe {

struct TraceStats {
    int64_t tokens = 0;
    int64_t picks = 0;          // tokens × MoE layers × k
    double repeatAtNext = 0;    // share of picks of tokens ≥ 1 the previous token made too (same layer)
    double repeatWithin8 = 0;   // share of picks of tokens ≥ 1 made by one of the previous 8 tokens
                                // (fewer at the start of the trace)
    double massFraction = 0;    // mean over MoE layers of layerMassFraction
    std::vector<double> layerMassFraction; // [nMoeLayer] smallest share of the experts whose picks
                                           // add up to 90% of the layer's picks
    std::vector<std::vector<int64_t>> load; // [nMoeLayer][nExpert] picks per expert
    std::vector<double> layerImbalance;     // [nMoeLayer] busiest expert's picks / mean picks
};

TraceStats computeTraceStats(const RoutingTrace &trace);

// Share of the experts (0..1) carrying `mass` of the picks in `counts`.
double massFraction(const std::vector<int64_t> &counts, double mass = 0.9);

} // namespace enclave::moe
