// Where a prompt chunk computes an expert that is not in VRAM: on the CPU, or streamed to the
// GPU for this chunk. A pure function of rates the backend measures at start-up, so it can be
// tested without a device. Each side is a roofline: time = max(compute, weight traffic).
//   cpu    = max(m * flops / cpuFlops, bytes / cpuBandwidth)
//   stream = bytes / pcieBandwidth + max(m * flops / gpuFlops, bytes / gpuBandwidth)
// Few tokens (decode) favour the CPU; from some m on the copy pays for itself.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

namespace enclave::moe {

struct DeviceRates {
    double cpuFlops = 0;      // FLOP/s of the CPU expert kernels (all threads)
    double cpuBandwidth = 0;  // bytes/s the CPU reads weights from RAM
    double pcieBandwidth = 0; // bytes/s host -> GPU
    double gpuFlops = 0;      // FLOP/s of the GPU expert kernels
    double gpuBandwidth = 0;  // bytes/s GPU memory
};

struct ExpertShape {
    double bytes = 0;         // weights of one routed expert (gate, up, down), as stored
    double flopsPerToken = 0; // 2 * parameters of the expert
};

enum class ExpertPlace { Cpu, Stream };

struct ExpertCost {
    double cpuSeconds = 0;
    double streamSeconds = 0;
    ExpertPlace place = ExpertPlace::Cpu; // the cheaper; ties stay on the CPU (no copy)
};

// Throws std::invalid_argument when a rate is not positive or a shape is negative.
ExpertCost expertCost(const DeviceRates &rates, const ExpertShape &shape, int64_t tokens);
// The smallest token count for which streaming is cheaper; -1 when it never is.
int64_t streamCrossover(const DeviceRates &rates, const ExpertShape &shape);
// One decision per non-resident expert of a chunk, given how many of its tokens route to each.
std::vector<ExpertPlace> planChunk(const DeviceRates &rates, const ExpertShape &shape,
                                   std::span<const int64_t> tokensPerExpert);

} // namespace enclave::moe
