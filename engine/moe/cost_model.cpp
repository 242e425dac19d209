// The CPU-versus-stream roofline of cost_model.h.
#include "engine/moe/cost_model.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace enclave::moe {

namespace {

void check(const DeviceRates &r, const ExpertShape &s)
{
    for (const double rate : {r.cpuFlops, r.cpuBandwidth, r.pcieBandwidth, r.gpuFlops, r.gpuBandwidth})
        if (!(rate > 0) || std::isinf(rate))
            throw std::invalid_argument("cost model: every measured rate must be positive and finite");
    if (!(s.bytes >= 0) || !(s.flopsPerToken >= 0))
        throw std::invalid_argument("cost model: negative expert size");
}

} // namespace

ExpertCost expertCost(const DeviceRates &r, const ExpertShape &s, int64_t tokens)
{
    check(r, s);
    const double m = double(std::max<int64_t>(tokens, 0));
    ExpertCost c;
    c.cpuSeconds = std::max(m * s.flopsPerToken / r.cpuFlops, s.bytes / r.cpuBandwidth);
    c.streamSeconds = s.bytes / r.pcieBandwidth + std::max(m * s.flopsPerToken / r.gpuFlops, s.bytes / r.gpuBandwidth);
    c.place = c.streamSeconds < c.cpuSeconds ? ExpertPlace::Stream : ExpertPlace::Cpu;
    return c;
}

int64_t streamCrossover(const DeviceRates &r, const ExpertShape &s)
{
    check(r, s);
    // stream - cpu never grows with m once compute-bound on both sides when the GPU is the faster
    // one, so the decision is monotone: find the first m by doubling, then bisection.
    if (r.gpuFlops <= r.cpuFlops || s.flopsPerToken <= 0)
        return expertCost(r, s, 1).place == ExpertPlace::Stream ? 1 : -1;
    int64_t hi = 1;
    while (expertCost(r, s, hi).place != ExpertPlace::Stream) {
        if (hi > (int64_t(1) << 40))
            return -1;
        hi *= 2;
    }
    int64_t lo = hi / 2; // cpu wins at lo (or lo == 0)
    while (hi - lo > 1) {
        const int64_t mid = lo + (hi - lo) / 2;
        (expertCost(r, s, mid).place == ExpertPlace::Stream ? hi : lo) = mid;
    }
    return hi;
}

std::vector<ExpertPlace> planChunk(const DeviceRates &rates, const ExpertShape &shape,
                                   std::span<const int64_t> tokensPerExpert)
{
    std::vector<ExpertPlace> out;
    out.reserve(tokensPerExpert.size());
    for (const int64_t m : tokensPerExpert)
        out.push_back(expertCost(rates, shape, m).place);
    return out;
}

} // namespace enclave::moe
