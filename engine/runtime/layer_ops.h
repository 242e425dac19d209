// The per-layer stages of a forward pass over a chunk of n tokens (internal to runtime/).
// Activations are row-major [n, width] float32; each stage writes its output buffer.
#pragma once

#include "engine/arch/model_config.h"
#include "engine/arch/weights.h"
#include "engine/runtime/kv_cache.h"
#include "engine/runtime/ops.h"

namespace enclave {

class ThreadPool;

struct ChunkContext {
    const ModelConfig &config;
    const RopeTables &rope;
    KvCache &cache;
    ThreadPool &pool;
    int64_t firstPos; // position of the chunk's first token
    int64_t n;        // tokens in the chunk
    MatmulPrecision precision = MatmulPrecision::Exact;
};

// x: normed input [n, nEmbd] → out [n, nEmbd]; appends the chunk's keys/values to the cache.
void standardAttention(const ChunkContext &ctx, const LayerWeights &l, int64_t layer, const float *x, float *out);
void latentAttention(const ChunkContext &ctx, const LayerWeights &l, int64_t layer, const float *x, float *out);
// x: normed input [n, nEmbd] → out [n, nEmbd].
void denseFeedForward(const ChunkContext &ctx, const LayerWeights &l, const float *x, float *out);
void moeFeedForward(const ChunkContext &ctx, const LayerWeights &l, const float *x, float *out);

// Routing of one token: the chosen experts and their weights (after normalisation/scale).
struct Routing {
    std::vector<int> experts;
    std::vector<float> weights;
};
Routing routeToken(const MoeConfig &m, const float *routerLogits, const float *selectionBias);

} // namespace enclave
