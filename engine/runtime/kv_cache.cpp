// KvCache allocation.
#include "engine/runtime/kv_cache.h"

namespace enclave {

KvCache::KvCache(const ModelConfig &c, int64_t cap) : capacity(cap)
{
    if (c.isMla()) {
        kWidth = c.mla.kvLoraRank + c.mla.qkRopeDim;
        vWidth = 0;
    } else {
        kWidth = c.nHeadKv * c.headDim;
        vWidth = c.nHeadKv * c.headDimV;
    }
    k.assign(size_t(c.nLayer), std::vector<float>(size_t(capacity * kWidth)));
    v.assign(size_t(c.nLayer), std::vector<float>(size_t(capacity * vWidth)));
}

} // namespace enclave
