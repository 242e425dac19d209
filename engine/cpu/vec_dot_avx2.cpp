// AVX2 + FMA + F16C kernels: the quantized dot products (x86_quant_dot.inc on maddubs), the float
// formats against f32 activations, and the Q8_0 / Q8_K activation quantizers (byte-exact with the
// references: same scale arithmetic, round half to even).
#include "engine/cpu/x86_kernels.h"

#if defined(__x86_64__) || defined(__i386__)

#include "engine/quant/blocks.h"
#include "engine/quant/float_convert.h"
#include "engine/quant/iq_grids.h"

#include <array>
#include <cstring>
#include <immintrin.h>

#if defined(__clang__)
#pragma clang attribute push(__attribute__((target("avx2,fma,f16c"))), apply_to = function)
#else
#pragma GCC push_options
#pragma GCC target("avx2,fma,f16c")
#endif

namespace enclave::x86 {
namespace {

inline __m256i dotU8S8(__m256i u, __m256i s)
{
    return _mm256_madd_epi16(_mm256_maddubs_epi16(u, s), _mm256_set1_epi16(1));
}

#include "engine/cpu/x86_quant_dot.inc"

inline __m256 loadF32x8(const float *p) { return _mm256_loadu_ps(p); }
inline __m256 loadF16x8(const uint16_t *p) { return _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i *>(p))); }
inline __m256 loadBf16x8(const uint16_t *p)
{
    const __m256i wide = _mm256_cvtepu16_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i *>(p)));
    return _mm256_castsi256_ps(_mm256_slli_epi32(wide, 16));
}
inline float identity(float v) { return v; }

// Any n: 32 at a time in 4 accumulators, then 8 at a time, then a scalar tail.
template <typename T, __m256 (*load8)(const T *), float (*toFloat)(T)>
float dotFloatRow(int64_t n, const void *weightRow, const void *activationRow)
{
    const auto *w = static_cast<const T *>(weightRow);
    const auto *a = static_cast<const float *>(activationRow);
    __m256 acc[4] = {_mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps()};
    int64_t i = 0;
    for (; i + 32 <= n; i += 32) {
        // note: without the pragma GCC keeps the accumulators in memory (3x slower)
#pragma GCC unroll 4
        for (int k = 0; k < 4; ++k)
            acc[k] = _mm256_fmadd_ps(load8(w + i + 8 * k), _mm256_loadu_ps(a + i + 8 * k), acc[k]);
    }
    for (; i + 8 <= n; i += 8)
        acc[0] = _mm256_fmadd_ps(load8(w + i), _mm256_loadu_ps(a + i), acc[0]);
    float sum = hsum(_mm256_add_ps(_mm256_add_ps(acc[0], acc[1]), _mm256_add_ps(acc[2], acc[3])));
    for (; i < n; ++i)
        sum += toFloat(w[i]) * a[i];
    return sum;
}

// max |x| over n (a multiple of 8) floats.
inline float maxAbs(const float *x, int n)
{
    const __m256 signBit = _mm256_set1_ps(-0.0f);
    __m256 m = _mm256_setzero_ps();
    for (int k = 0; k < n; k += 8)
        m = _mm256_max_ps(m, _mm256_andnot_ps(signBit, _mm256_loadu_ps(x + k)));
    __m128 r = _mm_max_ps(_mm256_castps256_ps128(m), _mm256_extractf128_ps(m, 1));
    r = _mm_max_ps(r, _mm_movehl_ps(r, r));
    r = _mm_max_ss(r, _mm_movehdup_ps(r));
    return _mm_cvtss_f32(r);
}

// 32 floats times id, rounded half to even, saturated to int8, in element order.
inline __m256i quantize32(const float *x, __m256 id)
{
    __m256i v[4];
    for (int k = 0; k < 4; ++k) {
        const __m256 scaled = _mm256_mul_ps(_mm256_loadu_ps(x + 8 * k), id);
        v[k] = _mm256_cvtps_epi32(_mm256_round_ps(scaled, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC));
    }
    const __m256i packed = _mm256_packs_epi16(_mm256_packs_epi32(v[0], v[1]), _mm256_packs_epi32(v[2], v[3]));
    return _mm256_permutevar8x32_epi32(packed, _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7)); // undo lane interleave
}

void quantizeQ8_0(const float *src, void *dst, int64_t n)
{
    auto *blocks = static_cast<BlockQ8_0 *>(dst);
    for (int64_t i = 0; i < n / kQK8_0; ++i, src += kQK8_0) {
        const float d = maxAbs(src, kQK8_0) / 127.0f;
        const float id = d != 0 ? 1.0f / d : 0.0f;
        blocks[i].d = fp32ToFp16(d);
        _mm256_storeu_si256(reinterpret_cast<__m256i *>(blocks[i].qs), quantize32(src, _mm256_set1_ps(id)));
    }
}

void quantizeQ8_K(const float *src, void *dst, int64_t n)
{
    auto *blocks = static_cast<BlockQ8_K *>(dst);
    const __m256i ones8 = _mm256_set1_epi8(1), ones16 = _mm256_set1_epi16(1);
    for (int64_t i = 0; i < n / kQK_K; ++i, src += kQK_K) {
        const float d = maxAbs(src, kQK_K) / 127.0f;
        const __m256 id = _mm256_set1_ps(d != 0 ? 1.0f / d : 0.0f);
        blocks[i].d = d;
        for (int k = 0; k < kQK_K / 32; ++k) {
            const __m256i q = quantize32(src + 32 * k, id);
            _mm256_storeu_si256(reinterpret_cast<__m256i *>(blocks[i].qs + 32 * k), q);
            // sums of 4 quants; lane 0 holds elements 0-15, lane 1 elements 16-31
            __m256i sums = _mm256_madd_epi16(_mm256_maddubs_epi16(ones8, q), ones16);
            sums = _mm256_hadd_epi32(sums, sums);
            sums = _mm256_hadd_epi32(sums, sums);
            blocks[i].bsums[2 * k] = int16_t(_mm256_extract_epi32(sums, 0));
            blocks[i].bsums[2 * k + 1] = int16_t(_mm256_extract_epi32(sums, 4));
        }
    }
}

} // namespace
} // namespace enclave::x86

#if defined(__clang__)
#pragma clang attribute pop
#else
#pragma GCC pop_options
#endif

namespace enclave::x86 {

VecDotFn avx2VecDot(QuantType weightType)
{
    for (const QuantDotKernel &k : kQuantDotKernels) {
        if (k.type == weightType)
            return k.fn;
    }
    switch (weightType) {
    case QuantType::F32: return dotFloatRow<float, loadF32x8, identity>;
    case QuantType::F16: return dotFloatRow<uint16_t, loadF16x8, fp16ToFp32>;
    case QuantType::BF16: return dotFloatRow<uint16_t, loadBf16x8, bf16ToFp32>;
    default: return nullptr;
    }
}

QuantizeRowFn avx2QuantizeActivations(QuantType dotType)
{
    switch (dotType) {
    case QuantType::Q8_0: return quantizeQ8_0;
    case QuantType::Q8_K: return quantizeQ8_K;
    default: return nullptr;
    }
}

} // namespace enclave::x86

#else

namespace enclave::x86 {
VecDotFn avx2VecDot(QuantType) { return nullptr; }
QuantizeRowFn avx2QuantizeActivations(QuantType) { return nullptr; }
} // namespace enclave::x86

#endif
