// Pieces of block decoding shared by the x86 kernels of cpu/ (internal): Q4_K's eight scales and
// minimums as floats, and horizontal sums. Only called from functions compiled for AVX2 or above.
#pragma once

#if defined(__x86_64__) || defined(__i386__)

#include "engine/quant/blocks.h"

#include <cstdint>
#include <cstring>
#include <immintrin.h>

namespace enclave::x86 {

// d · sc_g and dmin · m_g of a Q4_K block's 8 groups: the 6-bit fields of the 12 packed bytes
// gathered into two 8-byte groups by word operations, widened and converted in one go.
[[gnu::target("avx2,f16c"), gnu::always_inline]] inline void q4kScalesAndMins(const BlockQ4_K &b, float *scales,
                                                                             float *mins)
{
    uint32_t p[3];
    std::memcpy(p, b.scales, 12);
    const uint32_t m6 = 0x3f3f3f3f, m4 = 0x0f0f0f0f, m2 = 0x03030303;
    const uint32_t scalesHigh = (p[2] & m4) | (((p[0] >> 6) & m2) << 4);
    const uint32_t minsHigh = ((p[2] >> 4) & m4) | (((p[1] >> 6) & m2) << 4);
    const __m256 sc = _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(_mm_setr_epi32(int(p[0] & m6), int(scalesHigh), 0, 0)));
    const __m256 m = _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(_mm_setr_epi32(int(p[1] & m6), int(minsHigh), 0, 0)));
    _mm256_storeu_ps(scales, _mm256_mul_ps(_mm256_set1_ps(_cvtsh_ss(b.d)), sc));
    _mm256_storeu_ps(mins, _mm256_mul_ps(_mm256_set1_ps(_cvtsh_ss(b.dmin)), m));
}

[[gnu::target("avx2"), gnu::always_inline]] inline float horizontalSum(__m256 v)
{
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_hadd_ps(s, s);
    s = _mm_hadd_ps(s, s);
    return _mm_cvtss_f32(s);
}

} // namespace enclave::x86

#endif
