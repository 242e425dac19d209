// Float32 matrix multiplication for prompt chunks: y[t, r] = Σ_k w[r, k] · x[t, k] over many tokens.
// The weights come as panels of kGemmPanelRows dequantized rows stored k-major (column k of the
// panel is kGemmPanelRows consecutive floats), so a register-blocked micro-kernel multiplies a
// panel into several tokens at once: each weight is loaded once per group of tokens, each
// activation once per panel. Exact like the row kernels: float32 products of exactly dequantized
// weights; only the summation order differs.
#pragma once

#include "engine/cpu/vec_dot.h"

#include <cstdint>

namespace enclave {

constexpr int kGemmPanelRows = 32;

struct GemmF32Kernels {
    // panel[k * kGemmPanelRows + i] = rows[i * ldRows + k] for i < validRows, 0 above; k < depth.
    void (*pack)(const float *rows, int64_t ldRows, int validRows, int64_t depth, float *panel);
    // For t < n and i < validRows: y[t * ldy + i] (+)= Σ_{k < depth} panel[k * kGemmPanelRows + i] · x[t * ldx + k]
    // ("+=" when accumulate, "=" otherwise). Rows at or above validRows are not written.
    void (*multiply)(const float *panel, int64_t depth, const float *x, int64_t ldx, int64_t n, float *y, int64_t ldy,
                     int validRows, bool accumulate);
};

// The best kernels this CPU runs (never null).
const GemmF32Kernels &cpuGemmF32();
// The kernels a level provides (Scalar: the portable reference), or nullptr. Does not check
// cpuSupports(level).
const GemmF32Kernels *cpuGemmF32At(CpuKernelLevel level);

namespace x86 {
const GemmF32Kernels *avx512GemmF32();
const GemmF32Kernels *avx2GemmF32();
} // namespace x86

} // namespace enclave
