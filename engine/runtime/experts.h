// The mixture-of-experts pieces every backend shares: routing one token exactly (the reference
// the GPU kernels match), re-weighting a routing whose experts were overridden, and running a
// set of (token, expert) computations on the CPU — the cold experts of a GPU backend.
#pragma once

#include "engine/arch/model_config.h"
#include "engine/arch/weights.h"
#include "engine/runtime/ops.h"

#include <cstdint>
#include <span>
#include <vector>

namespace enclave {

class ThreadPool;

// Routing of one token: the chosen experts and their weights (after normalisation/scale).
struct Routing {
    std::vector<int> experts;
    std::vector<float> weights;
};
Routing routeToken(const MoeConfig &m, const float *routerLogits, const float *selectionBias);

// The weights routeToken would give `experts` had it chosen them (same scores, normalisation and
// scale): used when a routing hook replaces the router's choice.
std::vector<float> routingWeightsFor(const MoeConfig &m, const float *routerLogits, std::span<const int32_t> experts);

struct ExpertTask {
    int64_t token = 0;  // row of x / out
    int32_t expert = 0;
    float weight = 0.0f;
};

// out[task.token, :] += task.weight · expert(x[task.token, :]) for every task. Rows of x and out
// are `width` floats. Each expert runs once over all its tokens; the order of the additions per
// row follows the expert ids, as in the CPU MoE layer. The experts' biases and activation follow m.
void runExpertsOnCpu(const LayerWeights &l, const MoeConfig &m, const float *x, int64_t width,
                     std::span<const ExpertTask> tasks, float *out, ThreadPool &pool, MatmulPrecision precision);
// The router's logit bias (gpt-oss), added to n tokens' logits [n, nExpert] before routing.
void addRouterLogitBias(const LayerWeights &l, float *logits, int64_t n);
// gate[i] = act(gate[i], up[i]) for the experts' activation.
void expertActivation(const MoeConfig &m, float *gate, const float *up, int64_t n);

} // namespace enclave
