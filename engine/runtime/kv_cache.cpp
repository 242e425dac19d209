// KvCache allocation, refused with a clear message when the context cannot fit in memory (a
// model file can claim a context of millions of tokens).
#include "engine/runtime/kv_cache.h"

#include "engine/arch/config_limits.h"
#include "engine/memory_estimate.h"
#include "engine/tools/model_converter.h"

#include <new>
#include <stdexcept>
#include <string>

namespace enclave {

KvCache::KvCache(const ModelConfig &c, int64_t cap) : capacity(cap)
{
    if (c.isMla()) {
        kHeadWidth = c.mla.kvLoraRank + c.mla.qkRopeDim;
        vHeadWidth = 0;
    } else {
        heads = c.nHeadKv;
        kHeadWidth = c.headDim;
        vHeadWidth = c.headDimV;
    }
    if (capacity < 1 || capacity > kMaxContext)
        throw std::runtime_error("context length " + std::to_string(capacity) + " is out of range (1.." +
                                 std::to_string(kMaxContext) + ")");
    const uint64_t bytes = kvCacheBytes(c, capacity);
    const uint64_t available = availableRamBytes();
    if (available > 0 && bytes > available)
        throw std::runtime_error("a context of " + std::to_string(capacity) + " tokens needs " + formatBytes(bytes) +
                                 " for the KV cache, but only " + formatBytes(available) +
                                 " of memory is available; choose a shorter context");
    try {
        k.resize(size_t(c.nLayer));
        v.resize(size_t(c.nLayer));
        for (int64_t i = 0; i < c.nLayer; ++i) {
            if (c.isRecurrentLayer(i))
                continue; // its state lives in RecurrentState
            k[size_t(i)].assign(size_t(heads * capacity * kHeadWidth), 0.0f);
            v[size_t(i)].assign(size_t(heads * capacity * vHeadWidth), 0.0f);
        }
    } catch (const std::bad_alloc &) {
        throw std::runtime_error("out of memory allocating the KV cache (" + formatBytes(bytes) + " for " +
                                 std::to_string(capacity) + " tokens); choose a shorter context");
    }
}

} // namespace enclave
