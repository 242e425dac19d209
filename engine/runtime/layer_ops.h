// The per-layer stages of a forward pass over a chunk of n tokens (internal to runtime/).
// Activations are row-major [n, width] float32; each stage writes its output buffer.
#pragma once

#include "engine/arch/model_config.h"
#include "engine/arch/weights.h"
#include "engine/runtime/kv_cache.h"
#include "engine/runtime/experts.h"
#include "engine/runtime/ops.h"
#include "engine/runtime/phase_times.h"
#include "engine/runtime/recurrent_state.h"

namespace enclave {

class ThreadPool;
namespace moe {
class ExpertUsage;
class RoutingHook;
}

struct ChunkContext {
    const ModelConfig &config;
    const RopeTables &rope;
    KvCache &cache;
    ThreadPool &pool;
    int64_t firstPos; // position of the chunk's first token
    int64_t n;        // tokens in the chunk
    MatmulPrecision precision = MatmulPrecision::Exact;
    moe::RoutingHook *hook = nullptr; // sees (and may override) every routing decision
    moe::ExpertUsage *usage = nullptr; // counts the experts routed to (null: not kept)
    PhaseTimes *times = nullptr;       // adds each phase's time (null: not timed)
    RecurrentState *recurrent = nullptr; // the recurrent layers' state (models that have them)
};

// x: normed input [n, nEmbd] → out [n, nEmbd]; appends the chunk's keys/values to the cache.
void standardAttention(const ChunkContext &ctx, const LayerWeights &l, int64_t layer, const float *x, float *out);
void latentAttention(const ChunkContext &ctx, const LayerWeights &l, int64_t layer, const float *x, float *out);
// Gated DeltaNet (linear attention) over the chunk, token after token, updating ctx.recurrent.
void gatedDeltaNet(const ChunkContext &ctx, const LayerWeights &l, int64_t layer, const float *x, float *out);
// x: normed input [n, nEmbd] → out [n, nEmbd].
void denseFeedForward(const ChunkContext &ctx, const LayerWeights &l, const float *x, float *out);
// Returns the (token, expert) computations it ran.
int64_t moeFeedForward(const ChunkContext &ctx, const LayerWeights &l, int64_t layer, const float *x, float *out);

} // namespace enclave
