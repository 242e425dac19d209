// ExpertScheduler: slot states and the copy protocol (see the header).
#include "engine/moe/expert_scheduler.h"

#include <algorithm>
#include <stdexcept>

namespace enclave::moe {

ExpertScheduler::ExpertScheduler(ExpertCache &cache, ExpertCopier &copier, SchedulerOptions options)
    : m_cache(cache), m_copier(copier), m_options(options), m_state(size_t(cache.slots()), SlotState::Free),
      m_lastRead(size_t(cache.slots()), -1), m_budget(options.maxAdmissionsPerToken)
{
    for (int32_t s = 0; s < cache.slots(); ++s)
        if (cache.slotContent(s).valid())
            m_state[size_t(s)] = SlotState::Ready; // a cache handed over filled is taken as loaded
}

void ExpertScheduler::warmStart(const ExpertUsage &usage)
{
    for (const SlotChange &c : m_cache.warmStart(usage))
        refill(c.slot);
}

void ExpertScheduler::beginToken(int64_t token)
{
    if (token <= m_token)
        throw std::invalid_argument("expert scheduler: token " + std::to_string(token) + " after token " +
                                    std::to_string(m_token));
    m_token = token;
    m_budget = m_options.maxAdmissionsPerToken;
    m_cache.advanceToken();
    std::erase_if(m_loading, [&](int32_t slot) {
        if (m_state[size_t(slot)] != SlotState::Loading)
            return true; // re-admitted meanwhile; its entry is stale
        if (!m_copier.copyFinished(slot))
            return false;
        m_state[size_t(slot)] = SlotState::Ready;
        return true;
    });
}

void ExpertScheduler::route(int32_t layer, std::span<const int32_t> experts, ExpertSplit &out)
{
    out.gpu.clear();
    out.cpu.clear();
    m_changes.clear();
    m_cache.access(layer, experts, m_budget, m_changes);
    m_budget -= int32_t(m_changes.size());
    for (const SlotChange &c : m_changes)
        refill(c.slot);
    for (const int32_t e : experts) {
        ++m_counters.picks;
        const int32_t slot = m_cache.slotOf({layer, e});
        if (slot >= 0 && m_state[size_t(slot)] == SlotState::Ready) {
            ++m_counters.gpu;
            m_lastRead[size_t(slot)] = m_token;
            out.gpu.push_back({e, slot});
        } else {
            ++m_counters.cpu;
            out.cpu.push_back(e);
        }
    }
}

void ExpertScheduler::workFinished(int64_t token)
{
    m_finished = std::max(m_finished, token);
    std::erase_if(m_waiting, [&](int32_t slot) {
        if (m_state[size_t(slot)] != SlotState::Waiting)
            return true; // started meanwhile; its entry is stale
        if (m_lastRead[size_t(slot)] > m_finished)
            return false;
        startCopy(slot);
        return true;
    });
}

// The slot was given new content: copy it in now if nothing may still read the old one.
void ExpertScheduler::refill(int32_t slot)
{
    const SlotState previous = m_state[size_t(slot)];
    if (m_lastRead[size_t(slot)] <= m_finished) {
        startCopy(slot);
        return;
    }
    m_state[size_t(slot)] = SlotState::Waiting;
    ++m_counters.deferredCopies;
    if (previous != SlotState::Waiting)
        m_waiting.push_back(slot);
}

void ExpertScheduler::startCopy(int32_t slot)
{
    const SlotState previous = m_state[size_t(slot)];
    m_state[size_t(slot)] = SlotState::Loading;
    m_copier.startCopy(slot, m_cache.slotContent(slot));
    ++m_counters.copies;
    if (previous != SlotState::Loading)
        m_loading.push_back(slot);
}

} // namespace enclave::moe
