// The portable GEMM kernels (the reference the SIMD ones are tested against) and the dispatch.
#include "engine/cpu/gemm_f32.h"

namespace enclave {
namespace {

void packPortable(const float *rows, int64_t ldRows, int validRows, int64_t depth, float *panel)
{
    for (int64_t k = 0; k < depth; ++k)
        for (int i = 0; i < kGemmPanelRows; ++i)
            panel[k * kGemmPanelRows + i] = i < validRows ? rows[i * ldRows + k] : 0.0f;
}

void multiplyPortable(const float *panel, int64_t depth, const float *x, int64_t ldx, int64_t n, float *y,
                      int64_t ldy, int validRows, bool accumulate)
{
    for (int64_t t = 0; t < n; ++t) {
        float sums[kGemmPanelRows] = {};
        for (int64_t k = 0; k < depth; ++k) {
            const float xk = x[t * ldx + k];
            for (int i = 0; i < kGemmPanelRows; ++i)
                sums[i] += panel[k * kGemmPanelRows + i] * xk;
        }
        for (int i = 0; i < validRows; ++i)
            y[t * ldy + i] = accumulate ? y[t * ldy + i] + sums[i] : sums[i];
    }
}

constexpr GemmF32Kernels kPortable{packPortable, multiplyPortable};

} // namespace

const GemmF32Kernels *cpuGemmF32At(CpuKernelLevel level)
{
    switch (level) {
    case CpuKernelLevel::Avx512Vnni: return x86::avx512GemmF32();
    case CpuKernelLevel::Avx2: return x86::avx2GemmF32();
    case CpuKernelLevel::Scalar: break;
    }
    return &kPortable;
}

const GemmF32Kernels &cpuGemmF32()
{
    static const GemmF32Kernels *const best = cpuBestAt(cpuGemmF32At);
    return *best;
}

} // namespace enclave
