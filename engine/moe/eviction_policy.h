// The eviction policies behind ExpertCache: each keeps its own order over the occupied slots
// and names the slot to give up. They see the cache's state read-only; ExpertCache decides
// when to ask (internal to moe/, not used by the backends).
#pragma once

#include "engine/moe/expert_id.h"
#include "engine/moe/expert_usage.h"

#include <cstdint>
#include <memory>
#include <vector>

namespace enclave::moe {

enum class CachePolicy;
struct CacheOptions;

// What the policies may read of the cache.
struct CacheState {
    std::vector<ExpertId> content;  // [slots] invalid: free
    std::vector<uint32_t> pinnedAt; // [slots] number of the access() call that last used the slot
    uint32_t call = 1;              // number of the current access() call
    ExpertUsage frequency;          // every expert's decayed routing count, resident or not

    bool pinned(int32_t slot) const { return pinnedAt[size_t(slot)] == call; }
    double frequencyOf(int32_t slot) const
    {
        const ExpertId id = content[size_t(slot)];
        return frequency.raw(id.layer, id.expert);
    }
};

class EvictionPolicy {
public:
    virtual ~EvictionPolicy() = default;
    virtual void inserted(int32_t slot) = 0; // the slot received new content
    virtual void touched(int32_t slot) = 0;  // a hit on the slot
    virtual void removed(int32_t slot) = 0;  // the slot's content is being evicted
    // The occupied, unpinned slot to evict; -1: none (or the policy never evicts).
    virtual int32_t victim() = 0;
    // Every looked-up expert: was it resident and loaded (by CacheOptions::copyDelay)?
    virtual void accessed(bool usableHit) { (void)usableHit; }
    // May `candidate` displace the content of `victimSlot`? (admission filter)
    virtual bool admits(ExpertId candidate, int32_t victimSlot) const
    {
        (void)candidate;
        (void)victimSlot;
        return true;
    }
};

std::unique_ptr<EvictionPolicy> makeEvictionPolicy(CachePolicy policy, const CacheState &state,
                                                   const CacheOptions &options);

} // namespace enclave::moe
