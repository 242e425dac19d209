// AVX2 + FMA float32-activation kernels for the common formats (Q4_0, Q8_0, Q4_K, Q5_K, Q6_K), the
// codebook formats (IQ1-IQ3) and MXFP4. Each
// block decodes into 8-float vectors of dequantized weights (levels widened to i32, converted, then
// scaled), which the fused dot multiplies into x (4 accumulators) and the fast dequantizer stores.
// The dequantizer scales with separate mul and add, as the references do, so it is bit-exact.
#include "engine/cpu/dot_f32.h"

#if defined(__x86_64__) || defined(__i386__)

#include "engine/quant/blocks.h"
#include "engine/quant/float_convert.h"
#include "engine/quant/iq_grids.h"

#include <array>
#include <bit>
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

#define ENCLAVE_INLINE [[gnu::always_inline]] inline

ENCLAVE_INLINE float halfToFloat(uint16_t h) { return _cvtsh_ss(h); }
ENCLAVE_INLINE __m128i load64(const void *p) { return _mm_loadl_epi64(static_cast<const __m128i *>(p)); }
ENCLAVE_INLINE __m256i unsignedBytes8(const uint8_t *p) { return _mm256_cvtepu8_epi32(load64(p)); }
ENCLAVE_INLINE __m256i signedBytes8(const int8_t *p) { return _mm256_cvtepi8_epi32(load64(p)); }
ENCLAVE_INLINE __m256 toFloat(__m256i v) { return _mm256_cvtepi32_ps(v); }

// scale * levels - offset, rounded once per operation like the references (kExact) or fused.
template <bool kExact>
ENCLAVE_INLINE __m256 affineSub(float scale, __m256 levels, float offset)
{
    if constexpr (kExact)
        return _mm256_sub_ps(_mm256_mul_ps(_mm256_set1_ps(scale), levels), _mm256_set1_ps(offset));
    return _mm256_fmsub_ps(_mm256_set1_ps(scale), levels, _mm256_set1_ps(offset));
}

// ---- Block decoders: Format::decode<kExact>(block, sink) calls sink(k, w) with the 8 weights of
// elements 8k .. 8k + 7, in ascending k.

struct FormatQ4_0 {
    using Block = BlockQ4_0;
    static constexpr int kElems = 32;
    template <bool kExact, typename Sink>
    ENCLAVE_INLINE static void decode(const Block &b, Sink &sink)
    {
        const __m256 d = _mm256_set1_ps(halfToFloat(b.d));
        const __m256i low4 = _mm256_set1_epi32(0x0f), eight = _mm256_set1_epi32(8);
#pragma GCC unroll 2
        for (int h = 0; h < 2; ++h) { // element j < 16: low nibble of qs[j], j + 16: high nibble
            const __m256i q = unsignedBytes8(b.qs + 8 * h);
            sink(h, _mm256_mul_ps(d, toFloat(_mm256_sub_epi32(_mm256_and_si256(q, low4), eight))));
            sink(2 + h, _mm256_mul_ps(d, toFloat(_mm256_sub_epi32(_mm256_srli_epi32(q, 4), eight))));
        }
    }
};

struct FormatQ8_0 {
    using Block = BlockQ8_0;
    static constexpr int kElems = 32;
    template <bool kExact, typename Sink>
    ENCLAVE_INLINE static void decode(const Block &b, Sink &sink)
    {
        const __m256 d = _mm256_set1_ps(halfToFloat(b.d));
#pragma GCC unroll 4
        for (int k = 0; k < 4; ++k)
            sink(k, _mm256_mul_ps(toFloat(signedBytes8(b.qs + 8 * k)), d));
    }
};

// Q4_K / Q5_K: d * sc[g] and dmin * m[g] of the 8 groups (6-bit packing in quant_math.h).
ENCLAVE_INLINE void scalesMinsK4(const uint8_t *packed, float d, float dmin, float *dl, float *ml)
{
    uint32_t p[3];
    std::memcpy(p, packed, 12);
    const uint32_t m6 = 0x3f3f3f3f, m4 = 0x0f0f0f0f, m2 = 0x03030303;
    const uint32_t scalesHigh = (p[2] & m4) | (((p[0] >> 6) & m2) << 4);
    const uint32_t minsHigh = ((p[2] >> 4) & m4) | (((p[1] >> 6) & m2) << 4);
    const __m256 scales = toFloat(_mm256_cvtepu8_epi32(_mm_setr_epi32(int(p[0] & m6), int(scalesHigh), 0, 0)));
    const __m256 mins = toFloat(_mm256_cvtepu8_epi32(_mm_setr_epi32(int(p[1] & m6), int(minsHigh), 0, 0)));
    _mm256_storeu_ps(dl, _mm256_mul_ps(_mm256_set1_ps(d), scales));
    _mm256_storeu_ps(ml, _mm256_mul_ps(_mm256_set1_ps(dmin), mins));
}

// Bit g of each lane moved to bit 4 (the 5th bit of a Q5_K level), other bits cleared.
ENCLAVE_INLINE __m256i fifthBit(__m256i bits, int g)
{
    const __m256i moved = g < 4 ? _mm256_sllv_epi32(bits, _mm256_set1_epi32(4 - g)) : _mm256_srlv_epi32(bits, _mm256_set1_epi32(g - 4));
    return _mm256_and_si256(moved, _mm256_set1_epi32(0x10));
}

// Group 2j holds the low nibbles of qs[32j ..], group 2j + 1 the high ones; Q5_K adds bit g of qh[l].
template <bool kExact, bool kFifthBit, typename Block, typename Sink>
ENCLAVE_INLINE void decodeQ45_K(const Block &b, const uint8_t *qh, Sink &sink)
{
    float dl[8], ml[8];
    scalesMinsK4(b.scales, halfToFloat(b.d), halfToFloat(b.dmin), dl, ml);
    const __m256i low4 = _mm256_set1_epi32(0x0f);
#pragma GCC unroll 4
    for (int j = 0; j < 4; ++j) {
#pragma GCC unroll 4
        for (int h = 0; h < 4; ++h) {
            const __m256i q = unsignedBytes8(b.qs + 32 * j + 8 * h);
            __m256i lo = _mm256_and_si256(q, low4), hi = _mm256_srli_epi32(q, 4);
            if constexpr (kFifthBit) {
                const __m256i bits = unsignedBytes8(qh + 8 * h);
                lo = _mm256_or_si256(lo, fifthBit(bits, 2 * j));
                hi = _mm256_or_si256(hi, fifthBit(bits, 2 * j + 1));
            }
            sink(8 * j + h, affineSub<kExact>(dl[2 * j], toFloat(lo), ml[2 * j]));
            sink(8 * j + 4 + h, affineSub<kExact>(dl[2 * j + 1], toFloat(hi), ml[2 * j + 1]));
        }
    }
}

struct FormatQ4_K {
    using Block = BlockQ4_K;
    static constexpr int kElems = kQK_K;
    template <bool kExact, typename Sink>
    ENCLAVE_INLINE static void decode(const Block &b, Sink &sink) { decodeQ45_K<kExact, false>(b, nullptr, sink); }
};

struct FormatQ5_K {
    using Block = BlockQ5_K;
    static constexpr int kElems = kQK_K;
    template <bool kExact, typename Sink>
    ENCLAVE_INLINE static void decode(const Block &b, Sink &sink) { decodeQ45_K<kExact, true>(b, b.qh, sink); }
};

// Q6_K: element e = 128 n + 32 j + l (vector 16 n + 4 j + l / 8, group e / 16); levels q - 32 scaled
// by d * scales[group].
struct FormatQ6_K {
    using Block = BlockQ6_K;
    static constexpr int kElems = kQK_K;
    template <bool kExact, typename Sink>
    ENCLAVE_INLINE static void decode(const Block &b, Sink &sink)
    {
        float dl[16];
        const __m256 d = _mm256_set1_ps(halfToFloat(b.d));
#pragma GCC unroll 2
        for (int half = 0; half < 2; ++half)
            _mm256_storeu_ps(dl + 8 * half, _mm256_mul_ps(d, toFloat(signedBytes8(b.scales + 8 * half))));
        const __m256i low4 = _mm256_set1_epi32(0x0f), bits45 = _mm256_set1_epi32(0x30), bias = _mm256_set1_epi32(32);
#pragma GCC unroll 2
        for (int n = 0; n < 2; ++n) {
#pragma GCC unroll 4
            for (int h = 0; h < 4; ++h) {
                const __m256i qh = unsignedBytes8(b.qh + 32 * n + 8 * h);
                const __m256i ql[2] = {unsignedBytes8(b.ql + 64 * n + 8 * h), unsignedBytes8(b.ql + 64 * n + 32 + 8 * h)};
                const __m256i top[4] = {_mm256_slli_epi32(qh, 4), _mm256_slli_epi32(qh, 2), qh, _mm256_srli_epi32(qh, 2)};
#pragma GCC unroll 4
                for (int j = 0; j < 4; ++j) {
                    const __m256i nibble = j < 2 ? _mm256_and_si256(ql[j & 1], low4) : _mm256_srli_epi32(ql[j & 1], 4);
                    const __m256i q = _mm256_or_si256(nibble, _mm256_and_si256(top[j], bits45));
                    const int k = 16 * n + 4 * j + h;
                    const float scale = dl[k / 2];
                    if constexpr (kExact)
                        sink(k, _mm256_mul_ps(_mm256_set1_ps(scale), toFloat(_mm256_sub_epi32(q, bias))));
                    else
                        sink(k, _mm256_fmadd_ps(_mm256_set1_ps(scale), toFloat(q), _mm256_set1_ps(-32.0f * scale)));
                }
            }
        }
    }
};

// ---- The codebook formats and MXFP4: vector k is group k, one grid point of 8 magnitudes (or two
// of 4) widened to floats, times the group's scale, negated where the sign bits say (exact).

ENCLAVE_INLINE __m256 pointToFloats(uint64_t point) { return toFloat(_mm256_cvtepu8_epi32(_mm_cvtsi64_si128(int64_t(point)))); }
ENCLAVE_INLINE __m256 points4ToFloats(uint32_t a, uint32_t b)
{
    return toFloat(_mm256_cvtepu8_epi32(_mm_cvtsi64_si128(int64_t(uint64_t(a) | uint64_t(b) << 32))));
}
// scale * magnitudes, negated in lane j when bit j of signs is set.
ENCLAVE_INLINE __m256 signedScaled(float scale, __m256 magnitudes, uint32_t signs)
{
    const __m256i bits = _mm256_setr_epi32(1, 2, 4, 8, 16, 32, 64, 128);
    const __m256i negative = _mm256_cmpeq_epi32(_mm256_and_si256(_mm256_set1_epi32(int(signs)), bits), bits);
    const __m256 w = _mm256_mul_ps(_mm256_set1_ps(scale), magnitudes);
    return _mm256_xor_ps(w, _mm256_castsi256_ps(_mm256_and_si256(negative, _mm256_set1_epi32(int(0x80000000u)))));
}

struct FormatIQ2_XXS {
    using Block = BlockIQ2_XXS;
    static constexpr int kElems = kQK_K;
    template <bool kExact, typename Sink>
    ENCLAVE_INLINE static void decode(const Block &b, Sink &sink)
    {
        const float d = halfToFloat(b.d);
#pragma GCC unroll 8
        for (int ib = 0; ib < 8; ++ib) {
            uint32_t a[2];
            std::memcpy(a, b.qs + 4 * ib, sizeof a);
            const float db = d * (0.5f + float(a[1] >> 28)) * 0.25f;
#pragma GCC unroll 4
            for (int l = 0; l < 4; ++l)
                sink(4 * ib + l, signedScaled(db, pointToFloats(kIq2xxsGrid[(a[0] >> (8 * l)) & 255]),
                                              kIqSignTable[(a[1] >> (7 * l)) & 127]));
        }
    }
};

struct FormatIQ2_XS {
    using Block = BlockIQ2_XS;
    static constexpr int kElems = kQK_K;
    template <bool kExact, typename Sink>
    ENCLAVE_INLINE static void decode(const Block &b, Sink &sink)
    {
        const float d = halfToFloat(b.d);
#pragma GCC unroll 32
        for (int k = 0; k < 32; ++k) {
            const uint16_t v = b.qs[k];
            const float db = d * (0.5f + float((b.scales[k / 4] >> (4 * ((k / 2) % 2))) & 0xf)) * 0.25f;
            sink(k, signedScaled(db, pointToFloats(kIq2xsGrid[v & 511]), kIqSignTable[v >> 9]));
        }
    }
};

struct FormatIQ2_S {
    using Block = BlockIQ2_S;
    static constexpr int kElems = kQK_K;
    template <bool kExact, typename Sink>
    ENCLAVE_INLINE static void decode(const Block &b, Sink &sink)
    {
        const float d = halfToFloat(b.d);
        const uint8_t *signs = b.qs + kQK_K / 8;
#pragma GCC unroll 32
        for (int k = 0; k < 32; ++k) {
            const int ib = k / 4, l = k % 4;
            const int index = b.qs[k] | (((b.qh[ib] >> (2 * l)) & 3) << 8);
            const float db = d * (0.5f + float((b.scales[ib] >> (4 * (l / 2))) & 0xf)) * 0.25f;
            sink(k, signedScaled(db, pointToFloats(kIq2sGrid[size_t(index)]), signs[k]));
        }
    }
};

struct FormatIQ3_XXS {
    using Block = BlockIQ3_XXS;
    static constexpr int kElems = kQK_K;
    template <bool kExact, typename Sink>
    ENCLAVE_INLINE static void decode(const Block &b, Sink &sink)
    {
        const float d = halfToFloat(b.d);
#pragma GCC unroll 8
        for (int ib = 0; ib < 8; ++ib) {
            uint32_t aux;
            std::memcpy(&aux, b.qs + kQK_K / 4 + 4 * ib, sizeof aux);
            const float db = d * (0.5f + float(aux >> 28)) * 0.5f;
            const uint8_t *q = b.qs + 8 * ib;
#pragma GCC unroll 4
            for (int l = 0; l < 4; ++l)
                sink(4 * ib + l, signedScaled(db, points4ToFloats(kIq3xxsGrid[q[2 * l]], kIq3xxsGrid[q[2 * l + 1]]),
                                              kIqSignTable[(aux >> (7 * l)) & 127]));
        }
    }
};

struct FormatIQ3_S {
    using Block = BlockIQ3_S;
    static constexpr int kElems = kQK_K;
    template <bool kExact, typename Sink>
    ENCLAVE_INLINE static void decode(const Block &b, Sink &sink)
    {
        const float d = halfToFloat(b.d);
#pragma GCC unroll 8
        for (int ib = 0; ib < 8; ++ib) {
            const float db = d * float(1 + 2 * ((b.scales[ib / 2] >> (4 * (ib % 2))) & 0xf));
            const uint8_t *q = b.qs + 8 * ib;
            const int qh = b.qh[ib];
#pragma GCC unroll 4
            for (int l = 0; l < 4; ++l) {
                const uint32_t p0 = kIq3sGrid[size_t(q[2 * l] | (((qh >> (2 * l)) & 1) << 8))];
                const uint32_t p1 = kIq3sGrid[size_t(q[2 * l + 1] | (((qh >> (2 * l + 1)) & 1) << 8))];
                sink(4 * ib + l, signedScaled(db, points4ToFloats(p0, p1), b.signs[4 * ib + l]));
            }
        }
    }
};

// dl * (g + delta) for one signed point, as the references round it.
ENCLAVE_INLINE __m256 iq1Vector(float dl, uint64_t point, float delta)
{
    const __m256 g = toFloat(_mm256_cvtepi8_epi32(_mm_cvtsi64_si128(int64_t(point))));
    return _mm256_mul_ps(_mm256_set1_ps(dl), _mm256_add_ps(g, _mm256_set1_ps(delta)));
}

struct FormatIQ1_S {
    using Block = BlockIQ1_S;
    static constexpr int kElems = kQK_K;
    template <bool kExact, typename Sink>
    ENCLAVE_INLINE static void decode(const Block &b, Sink &sink)
    {
        const float d = halfToFloat(b.d);
#pragma GCC unroll 8
        for (int ib = 0; ib < 8; ++ib) {
            const uint32_t qh = b.qh[ib];
            const float dl = d * float(2 * ((qh >> 12) & 7) + 1);
            const float delta = std::bit_cast<float>(0x3e000000u | (qh & 0x8000) << 16);
#pragma GCC unroll 4
            for (int l = 0; l < 4; ++l)
                sink(4 * ib + l, iq1Vector(dl, kIq1sGrid[b.qs[4 * ib + l] | (((qh >> (3 * l)) & 7) << 8)], delta));
        }
    }
};

struct FormatIQ1_M {
    using Block = BlockIQ1_M;
    static constexpr int kElems = kQK_K;
    template <bool kExact, typename Sink>
    ENCLAVE_INLINE static void decode(const Block &b, Sink &sink)
    {
        uint16_t sc[4];
        std::memcpy(sc, b.scales, sizeof sc);
        const float d = fp16ToFp32(uint16_t((sc[0] >> 12) | ((sc[1] >> 8) & 0x00f0) | ((sc[2] >> 4) & 0x0f00) | (sc[3] & 0xf000)));
#pragma GCC unroll 8
        for (int ib = 0; ib < 8; ++ib) {
#pragma GCC unroll 4
            for (int l = 0; l < 4; ++l) {
                const int nibble = (b.qh[2 * ib + l / 2] >> (4 * (l % 2))) & 0xf;
                const float dl = d * float(2 * ((sc[ib / 2] >> (6 * (ib % 2) + 3 * (l / 2))) & 7) + 1);
                const float delta = std::bit_cast<float>(0x3e000000u | uint32_t(nibble & 8) << 28);
                sink(4 * ib + l, iq1Vector(dl, kIq1sGrid[b.qs[4 * ib + l] | ((nibble & 7) << 8)], delta));
            }
        }
    }
};

// MXFP4: a byte shuffle maps the nibbles to the doubled e2m1 values, then times 2^(e - 128).
struct FormatMXFP4 {
    using Block = BlockMXFP4;
    static constexpr int kElems = 32;
    template <bool kExact, typename Sink>
    ENCLAVE_INLINE static void decode(const Block &b, Sink &sink)
    {
        const __m128i table = _mm_loadu_si128(reinterpret_cast<const __m128i *>(kMxfp4Values));
        const __m128i qs = _mm_loadu_si128(reinterpret_cast<const __m128i *>(b.qs));
        const __m128i low = _mm_shuffle_epi8(table, _mm_and_si128(qs, _mm_set1_epi8(0x0f)));
        const __m128i high = _mm_shuffle_epi8(table, _mm_and_si128(_mm_srli_epi16(qs, 4), _mm_set1_epi8(0x0f)));
        const __m256 d = _mm256_set1_ps(e8m0HalfToFp32(b.e));
        sink(0, _mm256_mul_ps(toFloat(_mm256_cvtepi8_epi32(low)), d));
        sink(1, _mm256_mul_ps(toFloat(_mm256_cvtepi8_epi32(_mm_srli_si128(low, 8))), d));
        sink(2, _mm256_mul_ps(toFloat(_mm256_cvtepi8_epi32(high)), d));
        sink(3, _mm256_mul_ps(toFloat(_mm256_cvtepi8_epi32(_mm_srli_si128(high, 8))), d));
    }
};

// ---- Row loops

struct DotSink {
    __m256 *acc;
    const float *x;
    ENCLAVE_INLINE void operator()(int k, __m256 w) const
    {
        __m256 &a = acc[k & 3];
        a = _mm256_fmadd_ps(w, _mm256_loadu_ps(x + 8 * k), a);
    }
};

struct StoreSink {
    float *dst;
    ENCLAVE_INLINE void operator()(int k, __m256 w) const { _mm256_storeu_ps(dst + 8 * k, w); }
};

ENCLAVE_INLINE float hsum(__m256 v)
{
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

template <typename Format>
float dotRow(int64_t n, const void *weightRow, const float *x)
{
    const auto *w = static_cast<const typename Format::Block *>(weightRow);
    __m256 acc[4] = {_mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps()};
    for (int64_t i = 0; i < n / Format::kElems; ++i, x += Format::kElems) {
        DotSink sink{acc, x};
        Format::template decode<false>(w[i], sink);
    }
    return hsum(_mm256_add_ps(_mm256_add_ps(acc[0], acc[1]), _mm256_add_ps(acc[2], acc[3])));
}

template <typename Format>
void dequantizeRow(const void *src, float *dst, int64_t n)
{
    const auto *blocks = static_cast<const typename Format::Block *>(src);
    for (int64_t i = 0; i < n / Format::kElems; ++i, dst += Format::kElems) {
        StoreSink sink{dst};
        Format::template decode<true>(blocks[i], sink);
    }
}

// Data only: the lookups run outside the target region.
struct FormatKernels {
    QuantType type;
    DotF32Fn dot;
    DequantizeRowFn dequantize;
};

template <typename Format>
constexpr FormatKernels kernels(QuantType type)
{
    return {type, dotRow<Format>, dequantizeRow<Format>};
}

constexpr FormatKernels kFormatKernels[] = {
    kernels<FormatQ4_K>(QuantType::Q4_K), kernels<FormatQ6_K>(QuantType::Q6_K), kernels<FormatQ8_0>(QuantType::Q8_0),
    kernels<FormatQ5_K>(QuantType::Q5_K), kernels<FormatQ4_0>(QuantType::Q4_0),
    kernels<FormatIQ2_XXS>(QuantType::IQ2_XXS), kernels<FormatIQ2_XS>(QuantType::IQ2_XS),
    kernels<FormatIQ2_S>(QuantType::IQ2_S), kernels<FormatIQ3_XXS>(QuantType::IQ3_XXS),
    kernels<FormatIQ3_S>(QuantType::IQ3_S), kernels<FormatIQ1_S>(QuantType::IQ1_S),
    kernels<FormatIQ1_M>(QuantType::IQ1_M), kernels<FormatMXFP4>(QuantType::MXFP4),
};

#undef ENCLAVE_INLINE

} // namespace
} // namespace enclave::x86

#if defined(__clang__)
#pragma clang attribute pop
#else
#pragma GCC pop_options
#endif

namespace enclave::x86 {

DotF32Fn avx2DotF32(QuantType weightType)
{
    for (const FormatKernels &k : kFormatKernels) {
        if (k.type == weightType)
            return k.dot;
    }
    return nullptr;
}

DequantizeRowFn avx2DequantizeRow(QuantType type)
{
    for (const FormatKernels &k : kFormatKernels) {
        if (k.type == type)
            return k.dequantize;
    }
    return nullptr;
}

} // namespace enclave::x86

#else

namespace enclave::x86 {
DotF32Fn avx2DotF32(QuantType) { return nullptr; }
DequantizeRowFn avx2DequantizeRow(QuantType) { return nullptr; }
} // namespace enclave::x86

#endif
