// AVX-512 (F, BW, VL, VNNI) kernels: the quantized dot products of x86_quant_dot.inc on vpdpbusd, and
// 512-bit float rows. Formats without a kernel here fall back to the AVX2 ones in the dispatcher.
#include "engine/cpu/x86_kernels.h"

#if defined(__x86_64__) || defined(__i386__)

#include "engine/quant/blocks.h"
#include "engine/quant/float_convert.h"
#include "engine/quant/iq_grids.h"

#include <array>
#include <cstring>
#include <immintrin.h>

#if defined(__clang__)
#pragma clang attribute push(__attribute__((target("avx512f,avx512bw,avx512vl,avx512vnni,avx2,fma,f16c"))), \
                             apply_to = function)
#else
#pragma GCC push_options
#pragma GCC target("avx512f,avx512bw,avx512vl,avx512vnni,avx2,fma,f16c")
// note: GCC 12's AVX-512 headers self-initialise their "undefined" vectors and trip these warnings.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif

namespace enclave::x86 {
namespace {

inline __m256i dotU8S8(__m256i u, __m256i s) { return _mm256_dpbusd_epi32(_mm256_setzero_si256(), u, s); }

#include "engine/cpu/x86_quant_dot.inc"

inline __m512 loadF32x16(const float *p) { return _mm512_loadu_ps(p); }
inline __m512 loadF16x16(const uint16_t *p) { return _mm512_cvtph_ps(_mm256_loadu_si256(reinterpret_cast<const __m256i *>(p))); }
inline __m512 loadBf16x16(const uint16_t *p)
{
    const __m512i wide = _mm512_cvtepu16_epi32(_mm256_loadu_si256(reinterpret_cast<const __m256i *>(p)));
    return _mm512_castsi512_ps(_mm512_slli_epi32(wide, 16));
}
inline float identity(float v) { return v; }

// Any n: 64 at a time in 4 accumulators, then 16 at a time, then a scalar tail.
template <typename T, __m512 (*load16)(const T *), float (*toFloat)(T)>
float dotFloatRow512(int64_t n, const void *weightRow, const void *activationRow)
{
    const auto *w = static_cast<const T *>(weightRow);
    const auto *a = static_cast<const float *>(activationRow);
    __m512 acc[4] = {_mm512_setzero_ps(), _mm512_setzero_ps(), _mm512_setzero_ps(), _mm512_setzero_ps()};
    int64_t i = 0;
    for (; i + 64 <= n; i += 64) {
        // note: without the pragma GCC keeps the accumulators in memory (3x slower)
#pragma GCC unroll 4
        for (int k = 0; k < 4; ++k)
            acc[k] = _mm512_fmadd_ps(load16(w + i + 16 * k), _mm512_loadu_ps(a + i + 16 * k), acc[k]);
    }
    for (; i + 16 <= n; i += 16)
        acc[0] = _mm512_fmadd_ps(load16(w + i), _mm512_loadu_ps(a + i), acc[0]);
    float sum = _mm512_reduce_add_ps(_mm512_add_ps(_mm512_add_ps(acc[0], acc[1]), _mm512_add_ps(acc[2], acc[3])));
    for (; i < n; ++i)
        sum += toFloat(w[i]) * a[i];
    return sum;
}

} // namespace
} // namespace enclave::x86

#if defined(__clang__)
#pragma clang attribute pop
#else
#pragma GCC diagnostic pop
#pragma GCC pop_options
#endif

namespace enclave::x86 {

VecDotFn avx512VecDot(QuantType weightType)
{
    for (const QuantDotKernel &k : kQuantDotKernels) {
        if (k.type == weightType)
            return k.fn;
    }
    switch (weightType) {
    case QuantType::F32: return dotFloatRow512<float, loadF32x16, identity>;
    case QuantType::F16: return dotFloatRow512<uint16_t, loadF16x16, fp16ToFp32>;
    case QuantType::BF16: return dotFloatRow512<uint16_t, loadBf16x16, bf16ToFp32>;
    default: return nullptr;
    }
}

} // namespace enclave::x86

#else

namespace enclave::x86 {
VecDotFn avx512VecDot(QuantType) { return nullptr; }
} // namespace enclave::x86

#endif
