// cpuSoftmax: the max, then exp(x - max) 16 (AVX-512) or 8 (AVX2) lanes at a time with the sum
// accumulated in double, then the scaling. exp(r + n ln 2) = 2^n · p(r) with ln 2 split in two
// constants (Cody-Waite) so that r is exact to float precision, and Cephes' degree-6 polynomial
// for p on |r| <= ln 2 / 2.
#include "engine/cpu/softmax.h"

#include <algorithm>
#include <cmath>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#endif

namespace enclave {
namespace {

void softmaxPortable(float *x, int64_t n)
{
    float maxValue = x[0];
    for (int64_t i = 1; i < n; ++i)
        maxValue = std::max(maxValue, x[i]);
    double sum = 0.0;
    for (int64_t i = 0; i < n; ++i) {
        x[i] = std::exp(x[i] - maxValue);
        sum += x[i];
    }
    const float inv = float(1.0 / sum);
    for (int64_t i = 0; i < n; ++i)
        x[i] *= inv;
}

// The polynomial and reduction constants (Cephes expf).
constexpr float kLog2e = 1.44269504088896341f;
constexpr float kLn2High = 0.693359375f;
constexpr float kLn2Low = -2.12194440e-4f;
constexpr float kP0 = 1.9875691500e-4f, kP1 = 1.3981999507e-3f, kP2 = 8.3334519073e-3f, kP3 = 4.1665795894e-2f,
                kP4 = 1.6666665459e-1f, kP5 = 5.0000001201e-1f;
// Below this exp underflows to 0 (and the reduction would overflow n).
constexpr float kMinInput = -103.0f;

#if defined(__x86_64__) || defined(__i386__)

#if !defined(__clang__)
// note: GCC 12's AVX-512 headers self-initialise their "undefined" vectors and trip these warnings.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif

#define ENCLAVE_AVX512 [[gnu::target("avx512f,avx512dq,avx2,fma")]]

ENCLAVE_AVX512 inline __m512 exp512(__m512 x)
{
    const __m512 clamped = _mm512_max_ps(_mm512_set1_ps(kMinInput), x); // NaN stays NaN (second operand)
    const __m512 n = _mm512_roundscale_ps(_mm512_mul_ps(clamped, _mm512_set1_ps(kLog2e)), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    __m512 r = _mm512_fnmadd_ps(n, _mm512_set1_ps(kLn2High), clamped);
    r = _mm512_fnmadd_ps(n, _mm512_set1_ps(kLn2Low), r);
    __m512 p = _mm512_set1_ps(kP0);
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(kP1));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(kP2));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(kP3));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(kP4));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(kP5));
    p = _mm512_fmadd_ps(p, _mm512_mul_ps(r, r), _mm512_add_ps(r, _mm512_set1_ps(1.0f)));
    const __m512 result = _mm512_scalef_ps(p, n); // p · 2^n, gradual underflow included
    // Inputs below the clamp (and -inf) give 0.
    return _mm512_maskz_mov_ps(_mm512_cmp_ps_mask(x, _mm512_set1_ps(kMinInput), _CMP_NLT_UQ), result);
}

ENCLAVE_AVX512 void softmaxAvx512(float *x, int64_t n)
{
    __m512 maxv = _mm512_set1_ps(-INFINITY);
    int64_t i = 0;
    for (; i + 16 <= n; i += 16)
        maxv = _mm512_max_ps(maxv, _mm512_loadu_ps(x + i));
    float maxValue = _mm512_reduce_max_ps(maxv);
    for (; i < n; ++i)
        maxValue = std::max(maxValue, x[i]);
    const __m512 m = _mm512_set1_ps(maxValue);
    __m512d sum0 = _mm512_setzero_pd(), sum1 = _mm512_setzero_pd();
    for (i = 0; i < n; i += 16) {
        const __mmask16 lanes = n - i >= 16 ? __mmask16(0xffff) : __mmask16((1u << (n - i)) - 1);
        const __m512 e = _mm512_maskz_mov_ps(lanes, exp512(_mm512_sub_ps(_mm512_maskz_loadu_ps(lanes, x + i), m)));
        _mm512_mask_storeu_ps(x + i, lanes, e);
        sum0 = _mm512_add_pd(sum0, _mm512_cvtps_pd(_mm512_castps512_ps256(e)));
        sum1 = _mm512_add_pd(sum1, _mm512_cvtps_pd(_mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(e), 1))));
    }
    const __m512 inv = _mm512_set1_ps(float(1.0 / _mm512_reduce_add_pd(_mm512_add_pd(sum0, sum1))));
    for (i = 0; i + 16 <= n; i += 16)
        _mm512_storeu_ps(x + i, _mm512_mul_ps(_mm512_loadu_ps(x + i), inv));
    for (; i < n; ++i)
        x[i] *= _mm512_cvtss_f32(inv);
}

#if !defined(__clang__)
#pragma GCC diagnostic pop
#endif

#define ENCLAVE_AVX2 [[gnu::target("avx2,fma")]]

ENCLAVE_AVX2 inline __m256 exp256(__m256 x)
{
    const __m256 clamped = _mm256_max_ps(_mm256_set1_ps(kMinInput), x); // NaN stays NaN
    const __m256 n = _mm256_round_ps(_mm256_mul_ps(clamped, _mm256_set1_ps(kLog2e)), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    __m256 r = _mm256_fnmadd_ps(n, _mm256_set1_ps(kLn2High), clamped);
    r = _mm256_fnmadd_ps(n, _mm256_set1_ps(kLn2Low), r);
    __m256 p = _mm256_set1_ps(kP0);
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(kP1));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(kP2));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(kP3));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(kP4));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(kP5));
    p = _mm256_fmadd_ps(p, _mm256_mul_ps(r, r), _mm256_add_ps(r, _mm256_set1_ps(1.0f)));
    // 2^n in two steps (n down to -150 does not fit one exponent field): 2^(n/2) twice.
    const __m256i half = _mm256_srai_epi32(_mm256_cvtps_epi32(n), 1);
    const __m256i rest = _mm256_sub_epi32(_mm256_cvtps_epi32(n), half);
    const __m256 scaleA = _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_add_epi32(half, _mm256_set1_epi32(127)), 23));
    const __m256 scaleB = _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_add_epi32(rest, _mm256_set1_epi32(127)), 23));
    const __m256 result = _mm256_mul_ps(_mm256_mul_ps(p, scaleA), scaleB);
    const __m256 keep = _mm256_cmp_ps(x, _mm256_set1_ps(kMinInput), _CMP_NLT_UQ);
    return _mm256_and_ps(keep, result);
}

ENCLAVE_AVX2 void softmaxAvx2(float *x, int64_t n)
{
    float maxValue = x[0];
    for (int64_t i = 1; i < n; ++i)
        maxValue = std::max(maxValue, x[i]);
    const __m256 m = _mm256_set1_ps(maxValue);
    __m256d sum0 = _mm256_setzero_pd(), sum1 = _mm256_setzero_pd();
    int64_t i = 0;
    for (; i + 8 <= n; i += 8) {
        const __m256 e = exp256(_mm256_sub_ps(_mm256_loadu_ps(x + i), m));
        _mm256_storeu_ps(x + i, e);
        sum0 = _mm256_add_pd(sum0, _mm256_cvtps_pd(_mm256_castps256_ps128(e)));
        sum1 = _mm256_add_pd(sum1, _mm256_cvtps_pd(_mm256_extractf128_ps(e, 1)));
    }
    alignas(32) double lanes[4];
    _mm256_store_pd(lanes, _mm256_add_pd(sum0, sum1));
    double sum = lanes[0] + lanes[1] + lanes[2] + lanes[3];
    if (i < n) {
        alignas(32) float tail[8] = {};
        for (int64_t j = i; j < n; ++j)
            tail[j - i] = x[j] - maxValue;
        _mm256_store_ps(tail, exp256(_mm256_load_ps(tail)));
        for (int64_t j = i; j < n; ++j) {
            x[j] = tail[j - i];
            sum += x[j];
        }
    }
    const float inv = float(1.0 / sum);
    for (int64_t j = 0; j < n; ++j)
        x[j] *= inv;
}

#endif

} // namespace

SoftmaxFn cpuSoftmaxAt(CpuKernelLevel level)
{
    switch (level) {
#if defined(__x86_64__) || defined(__i386__)
    case CpuKernelLevel::Avx512Vnni: return softmaxAvx512;
    case CpuKernelLevel::Avx2: return softmaxAvx2;
#else
    case CpuKernelLevel::Avx512Vnni:
    case CpuKernelLevel::Avx2: return nullptr;
#endif
    case CpuKernelLevel::Scalar: break;
    }
    return softmaxPortable;
}

SoftmaxFn cpuSoftmax()
{
    static const SoftmaxFn best = cpuBestAt(cpuSoftmaxAt);
    return best;
}

} // namespace enclave
