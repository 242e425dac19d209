// Seeded random weights for synthetic models, encoded in any format with a reference quantizer.
// note: the reference k-quant quantizers cost ~150 ns per value, so quantizing all 30B values of a
// large MoE would take hours. Tensors above kSyntheticExactElems are instead assembled from a pool
// of kSyntheticPoolElems random values quantized once per tensor: every 256-value segment (each a
// whole number of blocks) is a pool segment picked by a hash of (seed, row, segment). The bytes are
// still valid, distinct per tensor and varied across rows; only their statistics are those of the pool.
#pragma once

#include "engine/quant/quant_type.h"

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

namespace enclave {

class ThreadPool;

inline constexpr int64_t kSyntheticExactElems = int64_t(1) << 18;
inline constexpr int64_t kSyntheticPoolElems = int64_t(1) << 16;

struct WeightRecipe {
    QuantType type = QuantType::F32;
    std::vector<int64_t> shape; // outer-first; the last dim is the row
    float mean = 0;
    float stddev = 0;
    uint64_t seed = 0;
};

// Fills `out` (exactly the encoded size of the tensor) deterministically from the recipe, whatever
// the pool's size. Throws std::invalid_argument when the type has no quantizer or the row length
// is not a whole number of blocks.
void fillSyntheticWeights(const WeightRecipe &recipe, std::span<uint8_t> out, ThreadPool &pool);

// A 64-bit hash to derive per-tensor seeds (FNV-1a of the text, mixed with `seed`).
uint64_t syntheticSeed(uint64_t seed, std::string_view text);

} // namespace enclave
