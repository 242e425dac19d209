// ExpertScheduler: per token and MoE layer, splits the routed experts into GPU-served (resident
// and loaded) and CPU-served ones, and turns the cache's admissions into copies that never
// stall generation: a missed expert runs on the CPU now and is copied for the next tokens.
//
// A slot is Free, Waiting (evicted, but work already submitted may still read its old
// expert, so its copy waits for workFinished), Loading (copy started) or Ready. Only Ready
// slots are computed from. Single-threaded, like ExpertCache; the backend reports progress
// through workFinished() and ExpertCopier::copyFinished().
#pragma once

#include "engine/moe/expert_cache.h"
#include "engine/moe/expert_copier.h"

#include <cstdint>
#include <limits>
#include <span>
#include <vector>

namespace enclave::moe {

struct SchedulerOptions {
    int32_t maxAdmissionsPerToken = std::numeric_limits<int32_t>::max(); // copies started per token
};

struct ExpertSplit {
    struct OnGpu {
        int32_t expert;
        int32_t slot;
    };
    std::vector<OnGpu> gpu;   // compute from these slots
    std::vector<int32_t> cpu; // compute these experts on the CPU
};

struct SchedulerCounters {
    int64_t picks = 0;          // routed experts
    int64_t gpu = 0;            // served from a ready slot
    int64_t cpu = 0;            // served on the CPU (not resident, or still loading)
    int64_t copies = 0;         // copies started
    int64_t deferredCopies = 0; // copies that had to wait for a slot's readers to finish
};

class ExpertScheduler {
public:
    // Both must outlive the scheduler.
    ExpertScheduler(ExpertCache &cache, ExpertCopier &copier, SchedulerOptions options = {});

    // Loads the cache's warm start from a profile (copies start at once; the load path waits
    // for them before the first token).
    void warmStart(const ExpertUsage &usage);
    // Token `token` begins (tokens increase): finished copies become usable, the per-token
    // admission budget resets, and the cache's counts age.
    void beginToken(int64_t token);
    // One MoE layer of the current token, experts in routing order. `out` is overwritten.
    void route(int32_t layer, std::span<const int32_t> experts, ExpertSplit &out);
    // All GPU work of tokens <= token has completed: slots last read by them may be overwritten.
    void workFinished(int64_t token);

    bool slotReady(int32_t slot) const { return m_state[size_t(slot)] == SlotState::Ready; }
    bool slotLoading(int32_t slot) const { return m_state[size_t(slot)] == SlotState::Loading; }
    const SchedulerCounters &counters() const { return m_counters; }
    const ExpertCache &cache() const { return m_cache; }

private:
    enum class SlotState : uint8_t { Free, Waiting, Loading, Ready };
    void refill(int32_t slot);
    void startCopy(int32_t slot);

    ExpertCache &m_cache;
    ExpertCopier &m_copier;
    SchedulerOptions m_options;
    std::vector<SlotState> m_state;
    std::vector<int64_t> m_lastRead; // [slots] last token whose GPU work read the slot, -1: none
    std::vector<int32_t> m_loading;  // slots with a copy in flight
    std::vector<int32_t> m_waiting;  // slots whose copy waits for their readers
    std::vector<SlotChange> m_changes;
    int64_t m_token = -1;
    int64_t m_finished = -1;
    int32_t m_budget = 0;
    SchedulerCounters m_counters;
};

} // namespace enclave::moe
