// The two halves of attention over a run of positions: dots of one query with many key rows, and
// weighted sums of value rows.
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

// out[j] = Σ_d rows[j * stride + d] · x[d] for j < count.
using RowDotsFn = void (*)(const float *rows, int64_t count, int64_t stride, const float *x, int64_t width, float *out);

// The best kernel this CPU runs (never null); equal to the portable one up to float summation order.
RowDotsFn cpuRowDots();
// The kernel a level provides (Scalar: the portable one), or nullptr; does not check cpuSupports.
RowDotsFn cpuRowDotsAt(CpuKernelLevel level);

} // namespace enclave
