// Where a forward pass spends its time, for benchmarks: the attention core (scores, softmax,
// weighted values), the matmuls that are not routed experts (projections, dense and shared
// feed-forward, the vocabulary), and the routed experts (router included). The rest (norms,
// RoPE, residuals, embedding) is the total minus these.
#pragma once

#include <chrono>

namespace enclave {

struct PhaseTimes {
    double attentionSeconds = 0;
    double denseSeconds = 0;
    double expertSeconds = 0;
    double totalSeconds = 0; // whole evaluate() calls
};

// Adds the lifetime of the scope to one field of a PhaseTimes (nothing when it is null).
class PhaseTimer {
public:
    PhaseTimer(PhaseTimes *times, double PhaseTimes::*field) : m_times(times), m_field(field)
    {
        if (m_times)
            m_start = std::chrono::steady_clock::now();
    }
    ~PhaseTimer() { stop(); }
    // Ends the scope's time early (once; later calls and the destructor add nothing).
    void stop()
    {
        if (m_times)
            m_times->*m_field += std::chrono::duration<double>(std::chrono::steady_clock::now() - m_start).count();
        m_times = nullptr;
    }
    PhaseTimer(const PhaseTimer &) = delete;
    PhaseTimer &operator=(const PhaseTimer &) = delete;

private:
    PhaseTimes *m_times;
    double PhaseTimes::*m_field;
    std::chrono::steady_clock::time_point m_start;
};

} // namespace enclave
