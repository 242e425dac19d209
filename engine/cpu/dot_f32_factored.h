// Factored float32-activation dots for decoding: instead of dequantizing every weight (scale ·
// level − min) and multiplying it into x, each group's integer levels are converted and multiplied
// into x, and the group's scale is applied once to that sum. For formats with a minimum per group
// of 32 weights (Q4_K) the minimums meet the group sums S_g = Σ_{i∈g} x_i, which depend on the
// activations only: a matmul computes them once per token (cpuGroupSums). Q6_K's levels are
// centred (signed), so it needs no sums (and gains only where the fused kernel is weaker: AVX2). Per weight this leaves a conversion and one FMA, the
// least a float32 dot can do. Equal to dequantize-then-dot up to float rounding (the reference
// pack's exact tolerance holds).
#pragma once

#include "engine/cpu/vec_dot.h"

#include <cstdint>

namespace enclave {

constexpr int64_t kDotGroupElems = 32;

// groupSums: n / kDotGroupElems sums of x (cpuGroupSums); formats without minimums ignore it.
using DotF32FactoredFn = float (*)(int64_t n, const void *weightRow, const float *x, const float *groupSums);

// sums[g] = Σ x[32 g .. 32 g + 31], for n a multiple of 32.
void cpuGroupSums(const float *x, int64_t n, float *sums);

// The kernel of this CPU's best level for weightType, or nullptr when that level has none (then
// cpuDotF32 is the faster kernel).
DotF32FactoredFn cpuDotF32Factored(QuantType weightType);
// The kernel a level provides, or nullptr (Scalar: a portable one from the reference dequantizer).
// Does not check cpuSupports(level).
DotF32FactoredFn cpuDotF32FactoredAt(CpuKernelLevel level, QuantType weightType);

} // namespace enclave
