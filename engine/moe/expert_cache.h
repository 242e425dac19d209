// ExpertCache: which routed experts occupy the GPU's expert slots. The one place that decides
// which experts are hot; the backends only carry out the returned slot changes (copy the
// incoming expert's weights into the slot). Single-threaded: the runtime calls it from the
// thread that routes tokens.
//
// Policies: Lru; LfuDecay (decayed routing counts of every expert, resident or not); Slru
// (segmented LRU: a second hit promotes from probation to a protected segment); TinyLfu (a
// small LRU window in front of an SLRU main part; the window's oldest expert enters the main
// part only if it was routed to more often, decayed, than the main part's victim); Adaptive
// (TinyLfu whose window size follows the measured hit rate by hill climbing); Static (the
// most used experts of a profile, never changed); StaticLayers (all experts of whole layers,
// as static CPU/GPU splits do). The default is the best one measured on calibrated traces
// (see docs/ARCHITECTURE.md, "Expert cache policies").
#pragma once

#include "engine/moe/eviction_policy.h"
#include "engine/moe/expert_id.h"
#include "engine/moe/expert_usage.h"

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace enclave::moe {

struct SlotChange {
    int32_t slot = -1;
    ExpertId incoming; // copy this expert's weights into the slot
    ExpertId outgoing; // what the slot held; invalid: the slot was free
};

enum class CachePolicy { Lru, LfuDecay, Slru, TinyLfu, Adaptive, Static, StaticLayers };
constexpr CachePolicy kDefaultCachePolicy = CachePolicy::Adaptive;

const char *cachePolicyName(CachePolicy policy); // "lru", "lfu-decay", ...
std::optional<CachePolicy> cachePolicyFromName(const std::string &name);
std::vector<CachePolicy> allCachePolicies();
bool isStatic(CachePolicy policy);

struct CacheOptions {
    std::vector<int32_t> moeLayers;  // the MoE layers (StaticLayers fills whole ones); empty: all
    double frequencyHalfLife = 256;  // tokens; decay of the routing counts LfuDecay/TinyLfu use
    double windowFraction = 0.1;     // TinyLfu: share of the slots in the recency window
    double protectedFraction = 0.8;  // Slru/TinyLfu: share of the (main) slots protected
    int32_t copyDelay = 0;           // tokens a copy takes beyond the current one: an expert admitted
                                     // at token t is usable from t + 1 + copyDelay (Adaptive tunes on it)
};

struct CacheCounters {
    int64_t accesses = 0;   // routed experts looked up
    int64_t hits = 0;       // of them resident
    int64_t admissions = 0; // misses given a slot
    int64_t evictions = 0;  // admissions that displaced a resident expert
};

class ExpertCache {
public:
    // Throws std::invalid_argument on a negative count or an out-of-range MoE layer.
    ExpertCache(int32_t nLayer, int32_t nExpert, int32_t slots, CachePolicy policy = kDefaultCachePolicy,
                CacheOptions options = {});
    ~ExpertCache();
    ExpertCache(const ExpertCache &) = delete;
    ExpertCache &operator=(const ExpertCache &) = delete;

    int32_t slots() const { return int32_t(m_state.content.size()); }
    CachePolicy policy() const { return m_policyKind; }
    int32_t slotOf(ExpertId id) const; // -1: not resident; O(1)
    ExpertId slotContent(int32_t slot) const { return m_state.content[size_t(slot)]; }
    int32_t residentCount() const { return slots() - int32_t(m_free.size()); }

    // Fills free slots from a profile (Static and the dynamic policies: the most used experts;
    // StaticLayers: every expert of as many whole MoE layers as fit, most used layers first) and
    // seeds the routing counts with it. Returns what to load where. A profile of another shape
    // is ignored (returns nothing).
    std::vector<SlotChange> warmStart(const ExpertUsage &usage);

    // A new token begins: the decayed routing counts age by one token. Call once per token,
    // before its accesses (the ExpertScheduler does).
    void advanceToken();

    // One token's routed experts (routing order) in one MoE layer: hits refresh the policy,
    // misses are counted, and up to maxAdmissions misses are admitted, each taking a free slot or
    // evicting an expert not used by this same call. Static policies never admit. Returns the
    // changes to carry out (copy incoming into slot).
    std::vector<SlotChange> access(int32_t layer, std::span<const int32_t> experts, int32_t maxAdmissions);
    // The same, appending to `changes` (no allocation once it has capacity).
    void access(int32_t layer, std::span<const int32_t> experts, int32_t maxAdmissions,
                std::vector<SlotChange> &changes);

    CacheCounters counters() const { return m_counters; }

private:
    void place(int32_t slot, ExpertId id, std::vector<SlotChange> &changes);
    std::vector<ExpertId> staticLayerExperts(const ExpertUsage &usage) const;

    int32_t m_nLayer;
    int32_t m_nExpert;
    CachePolicy m_policyKind;
    CacheOptions m_options;
    CacheState m_state;
    std::vector<int32_t> m_slotOf; // [nLayer, nExpert] slot or -1
    std::vector<int32_t> m_free;   // free slots, taken from the back
    std::vector<int64_t> m_usableFrom; // [slots] token from which the slot's copy has finished
    int64_t m_token = 0;
    std::unique_ptr<EvictionPolicy> m_policy;
    CacheCounters m_counters;
};

} // namespace enclave::moe
