// KvCache: float32 keys and values of every processed position, per layer and KV head, head-major
// ([layer][head][position][width]): the positions one head attends over are contiguous, not one
// page apart (a decoding step read each position's slice from its own page, and paid a TLB miss
// for every one). For multi-head latent attention it holds the compressed latent and the rotated
// rope key instead: one head of kvLoraRank + qkRopeDim, v unused.
#pragma once

#include "engine/arch/model_config.h"

#include <vector>

namespace enclave {

struct KvCache {
    KvCache(const ModelConfig &c, int64_t capacity);

    int64_t capacity = 0;
    int64_t heads = 1;       // KV heads (1 for the latent)
    int64_t kHeadWidth = 0;  // floats per position and head of k (consecutive positions: this apart)
    int64_t vHeadWidth = 0;  // floats per position and head of v
    std::vector<std::vector<float>> k; // [layer][heads * capacity * kHeadWidth]
    std::vector<std::vector<float>> v; // [layer][heads * capacity * vHeadWidth]

    float *keyAt(int64_t layer, int64_t pos, int64_t head = 0)
    {
        return k[size_t(layer)].data() + (head * capacity + pos) * kHeadWidth;
    }
    float *valueAt(int64_t layer, int64_t pos, int64_t head = 0)
    {
        return v[size_t(layer)].data() + (head * capacity + pos) * vHeadWidth;
    }
};

} // namespace enclave
