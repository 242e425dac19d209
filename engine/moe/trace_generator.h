// A synthetic routing trace calibrated to published routing statistics, for models that
// cannot be downloaded (defaults: Qwen3-30B-A3B: 48 layers, 128 experts, 8 per token).
//
// Each MoE layer draws its k distinct experts per token from a mixture:
//   - with probability pNext, an expert the previous token used in this layer;
//   - with probability pRecent, one used 2..8 tokens ago (a random earlier token of the window);
//   - otherwise a fresh draw from a skewed popularity: weight exp(-rank / tau), the ranks a
//     random permutation per layer (so every layer has its own hot experts).
// pNext, pRecent and tau are not given but solved for: a short pilot trace (fixed internal
// seed) is measured and the three are adjusted until the pilot hits the targets below, so the
// calibration holds for any expert count and k.
#pragma once

#include "engine/moe/routing_trace.h"

#include <cstdint>
#include <vector>

namespace enclave::moe {

struct TraceTargets {
    double repeatAtNext = 0.45;  // share of picks the previous token made too (same layer)
    double repeatWithin8 = 0.80; // share of picks made by one of the previous 8 tokens
    double massFraction = 0.50;  // share of the experts that carries 90% of a layer's picks
};

struct TraceGeneratorParams {
    int32_t nLayer = 48;
    std::vector<int32_t> moeLayers; // empty: every layer is a MoE layer
    int32_t nExpert = 128;
    int32_t k = 8;
    int64_t tokens = 10000;
    uint64_t seed = 1;
    TraceTargets targets;
};

// The solved mixture (exposed for reports and tests).
struct TraceMixture {
    double pNext = 0;
    double pRecent = 0;
    double tau = 0; // popularity decay length in ranks
};

// Throws std::invalid_argument on an impossible shape or targets outside (0, 1).
TraceMixture calibrateMixture(const TraceGeneratorParams &params);
RoutingTrace generateTrace(const TraceGeneratorParams &params);
// Generates with a given mixture, skipping calibration.
RoutingTrace generateTrace(const TraceGeneratorParams &params, const TraceMixture &mixture);

} // namespace enclave::moe
