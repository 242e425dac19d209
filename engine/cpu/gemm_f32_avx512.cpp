// AVX-512 GEMM kernels: a 32-row × 6-token micro-kernel (12 accumulators, two weight loads and six
// broadcasts per column of the panel), and panel packing by 16×16 in-register transposes.
#include "engine/cpu/gemm_f32.h"

#if defined(__x86_64__) || defined(__i386__)

#include <algorithm>
#include <immintrin.h>

#if defined(__clang__)
#pragma clang attribute push(__attribute__((target("avx512f,avx512bw,avx512vl,avx2,fma"))), apply_to = function)
#else
#pragma GCC push_options
#pragma GCC target("avx512f,avx512bw,avx512vl,avx2,fma")
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif

namespace enclave::x86 {
namespace {

#define ENCLAVE_INLINE [[gnu::always_inline]] inline

constexpr int kTokens = 6; // tokens per micro-tile

// Columns k0..k0+15 of 16 rows (row i at rows + i * ld; rows at or above `valid` read as zero) to
// panel columns, at float offset `half` (0 or 16) inside each column.
ENCLAVE_INLINE void transpose16(const float *rows, int64_t ld, int valid, int64_t k0, float *panel, int half)
{
    __m512 r[16], a[16], b[16];
    for (int i = 0; i < 16; ++i)
        r[i] = i < valid ? _mm512_loadu_ps(rows + i * ld + k0) : _mm512_setzero_ps();
    for (int i = 0; i < 8; ++i) {
        a[2 * i] = _mm512_unpacklo_ps(r[2 * i], r[2 * i + 1]);
        a[2 * i + 1] = _mm512_unpackhi_ps(r[2 * i], r[2 * i + 1]);
    }
    // b[4g + c], lane L: column 4L + c of rows 4g..4g+3.
    for (int g = 0; g < 4; ++g) {
        b[4 * g + 0] = _mm512_shuffle_ps(a[4 * g], a[4 * g + 2], 0x44);
        b[4 * g + 1] = _mm512_shuffle_ps(a[4 * g], a[4 * g + 2], 0xee);
        b[4 * g + 2] = _mm512_shuffle_ps(a[4 * g + 1], a[4 * g + 3], 0x44);
        b[4 * g + 3] = _mm512_shuffle_ps(a[4 * g + 1], a[4 * g + 3], 0xee);
    }
    for (int c = 0; c < 4; ++c) {
        const __m512 u0 = _mm512_shuffle_f32x4(b[c], b[4 + c], 0x44);
        const __m512 u1 = _mm512_shuffle_f32x4(b[c], b[4 + c], 0xee);
        const __m512 u2 = _mm512_shuffle_f32x4(b[8 + c], b[12 + c], 0x44);
        const __m512 u3 = _mm512_shuffle_f32x4(b[8 + c], b[12 + c], 0xee);
        float *out = panel + (k0 + c) * kGemmPanelRows + half;
        _mm512_storeu_ps(out + 0 * 4 * kGemmPanelRows, _mm512_shuffle_f32x4(u0, u2, 0x88));
        _mm512_storeu_ps(out + 1 * 4 * kGemmPanelRows, _mm512_shuffle_f32x4(u0, u2, 0xdd));
        _mm512_storeu_ps(out + 2 * 4 * kGemmPanelRows, _mm512_shuffle_f32x4(u1, u3, 0x88));
        _mm512_storeu_ps(out + 3 * 4 * kGemmPanelRows, _mm512_shuffle_f32x4(u1, u3, 0xdd));
    }
}

void pack(const float *rows, int64_t ldRows, int validRows, int64_t depth, float *panel)
{
    const int64_t full = depth / 16 * 16;
    for (int64_t k = 0; k < full; k += 16) {
        transpose16(rows, ldRows, std::min(validRows, 16), k, panel, 0);
        transpose16(rows + 16 * ldRows, ldRows, std::max(validRows - 16, 0), k, panel, 16);
    }
    for (int64_t k = full; k < depth; ++k)
        for (int i = 0; i < kGemmPanelRows; ++i)
            panel[k * kGemmPanelRows + i] = i < validRows ? rows[i * ldRows + k] : 0.0f;
}

template <int kN>
ENCLAVE_INLINE void tile(const float *panel, int64_t depth, const float *x, int64_t ldx, float *y, int64_t ldy,
                         __mmask16 low, __mmask16 high, bool accumulate)
{
    __m512 acc[kN][2];
    const float *xs[kN];
    #pragma GCC unroll 8
    for (int j = 0; j < kN; ++j) {
        acc[j][0] = _mm512_setzero_ps();
        acc[j][1] = _mm512_setzero_ps();
        xs[j] = x + j * ldx;
    }
#pragma GCC unroll 4
    for (int64_t k = 0; k < depth; ++k) {
        const __m512 w0 = _mm512_loadu_ps(panel + k * kGemmPanelRows);
        const __m512 w1 = _mm512_loadu_ps(panel + k * kGemmPanelRows + 16);
        #pragma GCC unroll 8
        for (int j = 0; j < kN; ++j) {
            const __m512 v = _mm512_set1_ps(xs[j][k]);
            acc[j][0] = _mm512_fmadd_ps(w0, v, acc[j][0]);
            acc[j][1] = _mm512_fmadd_ps(w1, v, acc[j][1]);
        }
    }
    #pragma GCC unroll 8
    for (int j = 0; j < kN; ++j) {
        float *out = y + j * ldy;
        if (accumulate) {
            acc[j][0] = _mm512_add_ps(_mm512_maskz_loadu_ps(low, out), acc[j][0]);
            acc[j][1] = _mm512_add_ps(_mm512_maskz_loadu_ps(high, out + 16), acc[j][1]);
        }
        _mm512_mask_storeu_ps(out, low, acc[j][0]);
        _mm512_mask_storeu_ps(out + 16, high, acc[j][1]);
    }
}

void multiply(const float *panel, int64_t depth, const float *x, int64_t ldx, int64_t n, float *y, int64_t ldy,
              int validRows, bool accumulate)
{
    const __mmask16 low = validRows >= 16 ? __mmask16(0xffff) : __mmask16((1u << validRows) - 1);
    const __mmask16 high = validRows >= 32 ? __mmask16(0xffff) : validRows <= 16 ? __mmask16(0)
                                                                                  : __mmask16((1u << (validRows - 16)) - 1);
    int64_t t = 0;
    for (; t + kTokens <= n; t += kTokens)
        tile<kTokens>(panel, depth, x + t * ldx, ldx, y + t * ldy, ldy, low, high, accumulate);
    const float *xt = x + t * ldx;
    float *yt = y + t * ldy;
    switch (n - t) {
    case 5: tile<5>(panel, depth, xt, ldx, yt, ldy, low, high, accumulate); break;
    case 4: tile<4>(panel, depth, xt, ldx, yt, ldy, low, high, accumulate); break;
    case 3: tile<3>(panel, depth, xt, ldx, yt, ldy, low, high, accumulate); break;
    case 2: tile<2>(panel, depth, xt, ldx, yt, ldy, low, high, accumulate); break;
    case 1: tile<1>(panel, depth, xt, ldx, yt, ldy, low, high, accumulate); break;
    default: break;
    }
}

constexpr GemmF32Kernels kKernels{pack, multiply};

} // namespace

const GemmF32Kernels *avx512GemmF32() { return &kKernels; }

} // namespace enclave::x86

#if defined(__clang__)
#pragma clang attribute pop
#else
#pragma GCC diagnostic pop
#pragma GCC pop_options
#endif

#else
namespace enclave::x86 {
const GemmF32Kernels *avx512GemmF32() { return nullptr; }
} // namespace enclave::x86
#endif
