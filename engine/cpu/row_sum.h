// Weighted sums of rows, the second half of attention: out[d] = Σ_j weights[j] · rows[j * stride + d].
#pragma once

#include "engine/cpu/vec_dot.h"

#include <cstdint>

namespace enclave {

using WeightedRowSumFn = void (*)(const float *weights, int64_t count, const float *rows, int64_t stride,
                                  int64_t width, float *out);

// The best kernel this CPU runs (never null); the order of the sums over j is the same at every
// level, so every level gives the same bits as the portable one.
WeightedRowSumFn cpuWeightedRowSum();
// The kernel a level provides (Scalar: the portable one), or nullptr; does not check cpuSupports.
WeightedRowSumFn cpuWeightedRowSumAt(CpuKernelLevel level);

} // namespace enclave
