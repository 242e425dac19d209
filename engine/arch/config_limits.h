// Limits on hyper-parameters read from a model file. A downloaded file is untrusted: every size
// that later sizes a buffer, indexes a table or enters a product is checked here, against sane
// bounds and against the other sizes, before anything is allocated from it. The bounds are
// generous (the largest 2026 models use a quarter of each) and keep every product of sizes the
// runner and the memory estimate form well inside 64 bits.
#pragma once

#include "engine/arch/model_config.h"

#include <cstdint>
#include <string>

namespace enclave {

inline constexpr int64_t kMaxLayers = 1024;
inline constexpr int64_t kMaxEmbedding = int64_t(1) << 17;
inline constexpr int64_t kMaxHeads = 1024;
inline constexpr int64_t kMaxHeadDim = 4096;
inline constexpr int64_t kMaxVocab = int64_t(1) << 22;
inline constexpr int64_t kMaxFeedForward = int64_t(1) << 20;
inline constexpr int64_t kMaxContext = int64_t(1) << 27;
inline constexpr int64_t kMaxExperts = 4096;
inline constexpr int64_t kMaxSharedExperts = 64;
inline constexpr int64_t kMaxLoraRank = int64_t(1) << 16;

// The sizes read before RoPE is set up (layers, embedding, heads, head dims, vocabulary, context,
// FFN widths, expert counts, rope dims). Throws std::runtime_error naming the value and its range.
void checkBasicSizes(const ModelConfig &c);
// Everything, after the family has filled its fields: the basic sizes again, MoE routing (used
// experts, groups, shared experts, leading dense layers), multi-head latent attention, RoPE and
// the floating-point parameters. Throws std::runtime_error naming the value and its range.
void validateModelConfig(const ModelConfig &c);

// A floating-point value from a file as an integer in [lo, hi]; throws naming `what` when it is
// not finite, not whole or out of range (a plain cast of such a value is undefined behaviour).
int64_t integerFrom(double v, int64_t lo, int64_t hi, const std::string &what);

} // namespace enclave
