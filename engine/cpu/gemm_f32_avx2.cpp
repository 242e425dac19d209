// AVX2 GEMM kernels: a 32-row × 3-token micro-kernel (four weight loads and three broadcasts per
// column of the panel into 12 accumulators); packing is the portable transposition.
#include "engine/cpu/gemm_f32.h"

#if defined(__x86_64__) || defined(__i386__)

#include <algorithm>
#include <immintrin.h>

#if defined(__clang__)
#pragma clang attribute push(__attribute__((target("avx2,fma"))), apply_to = function)
#else
#pragma GCC push_options
#pragma GCC target("avx2,fma")
#endif

namespace enclave::x86 {
namespace {

#define ENCLAVE_INLINE [[gnu::always_inline]] inline

constexpr int kTokens = 3;
constexpr int kVectors = kGemmPanelRows / 8;

void pack(const float *rows, int64_t ldRows, int validRows, int64_t depth, float *panel)
{
    for (int64_t k0 = 0; k0 < depth; k0 += 64) {
        const int64_t k1 = std::min(depth, k0 + 64);
        for (int i = 0; i < kGemmPanelRows; ++i) {
            const float *row = rows + i * ldRows;
            for (int64_t k = k0; k < k1; ++k)
                panel[k * kGemmPanelRows + i] = i < validRows ? row[k] : 0.0f;
        }
    }
}

template <int kN>
ENCLAVE_INLINE void tile(const float *panel, int64_t depth, const float *x, int64_t ldx, float *y, int64_t ldy,
                         int validRows, bool accumulate)
{
    __m256 acc[kN][kVectors];
    const float *xs[kN];
    #pragma GCC unroll 8
    for (int j = 0; j < kN; ++j) {
        #pragma GCC unroll 8
        for (int v = 0; v < kVectors; ++v)
            acc[j][v] = _mm256_setzero_ps();
        xs[j] = x + j * ldx;
    }
#pragma GCC unroll 2
    for (int64_t k = 0; k < depth; ++k) {
        __m256 w[kVectors];
        #pragma GCC unroll 8
        for (int v = 0; v < kVectors; ++v)
            w[v] = _mm256_loadu_ps(panel + k * kGemmPanelRows + 8 * v);
        #pragma GCC unroll 8
        for (int j = 0; j < kN; ++j) {
            const __m256 b = _mm256_broadcast_ss(xs[j] + k);
            #pragma GCC unroll 8
            for (int v = 0; v < kVectors; ++v)
                acc[j][v] = _mm256_fmadd_ps(w[v], b, acc[j][v]);
        }
    }
    #pragma GCC unroll 8
    for (int j = 0; j < kN; ++j) {
        float sums[kGemmPanelRows];
        #pragma GCC unroll 8
        for (int v = 0; v < kVectors; ++v)
            _mm256_storeu_ps(sums + 8 * v, acc[j][v]);
        float *out = y + j * ldy;
        for (int i = 0; i < validRows; ++i)
            out[i] = accumulate ? out[i] + sums[i] : sums[i];
    }
}

void multiply(const float *panel, int64_t depth, const float *x, int64_t ldx, int64_t n, float *y, int64_t ldy,
              int validRows, bool accumulate)
{
    int64_t t = 0;
    for (; t + kTokens <= n; t += kTokens)
        tile<kTokens>(panel, depth, x + t * ldx, ldx, y + t * ldy, ldy, validRows, accumulate);
    if (n - t == 2)
        tile<2>(panel, depth, x + t * ldx, ldx, y + t * ldy, ldy, validRows, accumulate);
    else if (n - t == 1)
        tile<1>(panel, depth, x + t * ldx, ldx, y + t * ldy, ldy, validRows, accumulate);
}

constexpr GemmF32Kernels kKernels{pack, multiply};

} // namespace

const GemmF32Kernels *avx2GemmF32() { return &kKernels; }

} // namespace enclave::x86

#if defined(__clang__)
#pragma clang attribute pop
#else
#pragma GCC pop_options
#endif

#else
namespace enclave::x86 {
const GemmF32Kernels *avx2GemmF32() { return nullptr; }
} // namespace enclave::x86
#endif
