// KvCache: float32 keys and values of every processed position, per layer. For multi-head
// latent attention it holds the compressed latent and the rotated rope key instead:
// k = [capacity, kvLoraRank + qkRopeDim], v unused.
#pragma once

#include "engine/arch/model_config.h"

#include <vector>

namespace enclave {

struct KvCache {
    KvCache(const ModelConfig &c, int64_t capacity);

    int64_t capacity = 0;
    int64_t kWidth = 0;  // floats per position of k
    int64_t vWidth = 0;  // floats per position of v
    std::vector<std::vector<float>> k; // [layer][capacity * kWidth]
    std::vector<std::vector<float>> v; // [layer][capacity * vWidth]

    float *keyAt(int64_t layer, int64_t pos) { return k[size_t(layer)].data() + pos * kWidth; }
    float *valueAt(int64_t layer, int64_t pos) { return v[size_t(layer)].data() + pos * vWidth; }
};

} // namespace enclave
