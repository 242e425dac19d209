// Host-side helpers shared by the forward-pass launchers: argument errors, and grid sizes for
// grid-stride loops (64-bit element counts never overflow a 32-bit grid dimension).
#pragma once

#include "cuda/cuda_check.h"

#include <algorithm>
#include <cstdint>
#include <string>

namespace enclave::cuda {

// Enough blocks to fill any current GPU many times over; kernels loop over the rest.
constexpr int64_t kMaxGridBlocks = int64_t(1) << 20;

inline unsigned gridBlocks(int64_t work, int64_t perBlock)
{
    return unsigned(std::clamp<int64_t>((work + perBlock - 1) / perBlock, 1, kMaxGridBlocks));
}

[[noreturn]] inline void throwBadArgument(const char *launcher, const std::string &what)
{
    throw CudaError(cudaErrorInvalidValue, std::string(launcher) + ": " + what);
}

inline void requireArgument(bool ok, const char *launcher, const std::string &what)
{
    if (!ok)
        throwBadArgument(launcher, what);
}

} // namespace enclave::cuda
