// SimulatedCopier: an ExpertCopier whose copies take a fixed number of tokens — the cache
// simulator's model of the side stream, and the fake device of the scheduler tests.
// A copy started during token t is usable from token t + 1 + delay (delay 0: the copy finishes
// while token t is still computing, so the next token can use it).
#pragma once

#include "engine/moe/expert_copier.h"

#include <vector>

namespace enclave::moe {

class SimulatedCopier : public ExpertCopier {
public:
    SimulatedCopier(int32_t slots, int32_t delay) : m_delay(delay), m_readyAt(size_t(slots), 0), m_expert(size_t(slots)) {}

    void setToken(int64_t token) { m_token = token; }

    void startCopy(int32_t slot, ExpertId expert) override
    {
        m_readyAt[size_t(slot)] = m_token + 1 + m_delay;
        m_expert[size_t(slot)] = expert;
        ++m_copies;
    }
    bool copyFinished(int32_t slot) override { return m_token >= m_readyAt[size_t(slot)]; }

    // The expert whose weights the slot holds once its last copy finished (fake device memory).
    ExpertId copiedExpert(int32_t slot) const { return m_expert[size_t(slot)]; }
    int64_t copies() const { return m_copies; }

private:
    int32_t m_delay;
    int64_t m_token = 0;
    int64_t m_copies = 0;
    std::vector<int64_t> m_readyAt; // [slots] token from which the last copy is complete
    std::vector<ExpertId> m_expert; // [slots] expert of the last copy
};

} // namespace enclave::moe
