// AVX-512 (F, BW, VL) float32-activation kernels. Each format decodes a block into 16-float vectors
// of dequantized weights, which the fused dot multiplies into x (4 accumulators) and the fast
// dequantizer stores. 4- and 5-bit levels are converted and scaled in one vpermps / vpermt2ps from a
// per-group table of the group's 16 (or 32) possible values; the dequantizer builds the tables with
// separate mul and add, as the references do, so that it is bit-exact; the dot uses one FMA.
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
#pragma clang attribute push(__attribute__((target("avx512f,avx512bw,avx512vl,avx2,fma,f16c"))), apply_to = function)
#else
#pragma GCC push_options
#pragma GCC target("avx512f,avx512bw,avx512vl,avx2,fma,f16c")
// note: GCC 12's AVX-512 headers self-initialise their "undefined" vectors and trip these warnings.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif

namespace enclave::x86 {
namespace {

#define ENCLAVE_INLINE [[gnu::always_inline]] inline

ENCLAVE_INLINE float halfToFloat(uint16_t h) { return _cvtsh_ss(h); }
ENCLAVE_INLINE __m128i load128(const void *p) { return _mm_loadu_si128(static_cast<const __m128i *>(p)); }
// 16 bytes zero-extended to 16 x i32; a byte's low nibble is then the vpermps index.
ENCLAVE_INLINE __m512i bytesToLanes(const uint8_t *p) { return _mm512_cvtepu8_epi32(load128(p)); }
// The high nibble of a lane from bytesToLanes(), upper bits clear.
ENCLAVE_INLINE __m512i highNibble(__m512i bytes) { return _mm512_srli_epi32(bytes, 4); }
ENCLAVE_INLINE __m512 iota() { return _mm512_setr_ps(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15); }
ENCLAVE_INLINE __m512 iq4Values() { return _mm512_cvtepi32_ps(_mm512_cvtepi8_epi32(load128(kIq4nlValues))); }
ENCLAVE_INLINE __m512 lookup(__m512i index, __m512 table) { return _mm512_permutexvar_ps(index, table); }
// note: an integer broadcast from memory uses no shuffle unit on Zen 4 (vbroadcastss does), and the
// shuffle units are what these kernels run out of; the barrier keeps the compiler from forwarding
// the stored scales through registers.
ENCLAVE_INLINE void reloadScales() { asm volatile("" ::: "memory"); }
ENCLAVE_INLINE __m512 splat(const float &v)
{
    int bits;
    std::memcpy(&bits, &v, sizeof bits);
    return _mm512_castsi512_ps(_mm512_set1_epi32(bits));
}
// Bits 0-3 of `low` with the bits above taken from `high` (bit 4 picks the second vpermt2ps table).
ENCLAVE_INLINE __m512i mergeFifthBit(__m512i low, __m512i high)
{
    return _mm512_ternarylogic_epi32(high, low, _mm512_set1_epi32(0x0f), 0xd8); // c ? b : a, bitwise
}

// scale * levels + offset, rounded once per operation like the references (kExact) or fused.
template <bool kExact>
ENCLAVE_INLINE __m512 affine(__m512 scale, __m512 levels, __m512 offset)
{
    if constexpr (kExact)
        return _mm512_add_ps(_mm512_mul_ps(scale, levels), offset);
    return _mm512_fmadd_ps(scale, levels, offset);
}
// scale * levels - offset.
template <bool kExact>
ENCLAVE_INLINE __m512 affineSub(__m512 scale, __m512 levels, __m512 offset)
{
    if constexpr (kExact)
        return _mm512_sub_ps(_mm512_mul_ps(scale, levels), offset);
    return _mm512_fmsub_ps(scale, levels, offset);
}

// ---- Block decoders: Format::decode<kExact>(block, sink) calls sink(k, w) with the 16 weights of
// elements 16k .. 16k + 15, in ascending k.

// 32-element blocks of nibbles: element j < 16 is the low nibble of qs[j], j + 16 the high one.
template <typename Sink>
ENCLAVE_INLINE void decodeNibbles32(const uint8_t *qs, __m512 table, Sink &sink, int k0 = 0)
{
    const __m512i q = bytesToLanes(qs);
    sink(k0, lookup(q, table));
    sink(k0 + 1, lookup(highNibble(q), table));
}

// Same with a 5th bit per element (bit j of the little-endian uint32 at qh): 32 levels, the table
// split into the levels below 16 and those from 16.
template <typename Sink>
ENCLAVE_INLINE void decodeFifthBits32(const uint8_t *qh, const uint8_t *qs, __m512 low, __m512 high, Sink &sink)
{
    uint32_t bits = 0;
    std::memcpy(&bits, qh, 4);
    const __m512i q = bytesToLanes(qs), sixteen = _mm512_set1_epi32(16);
    const __m512i lo = _mm512_and_si512(q, _mm512_set1_epi32(0x0f)), hi = highNibble(q);
    sink(0, _mm512_permutex2var_ps(low, _mm512_mask_or_epi32(lo, __mmask16(bits), lo, sixteen), high));
    sink(1, _mm512_permutex2var_ps(low, _mm512_mask_or_epi32(hi, __mmask16(bits >> 16), hi, sixteen), high));
}

struct FormatQ4_0 {
    using Block = BlockQ4_0;
    static constexpr int kElems = 32;
    template <bool kExact, typename Sink>
    ENCLAVE_INLINE static void decode(const Block &b, Sink &sink)
    {
        const __m512 table = _mm512_mul_ps(_mm512_set1_ps(halfToFloat(b.d)), _mm512_sub_ps(iota(), _mm512_set1_ps(8)));
        decodeNibbles32(b.qs, table, sink);
    }
};

struct FormatQ4_1 {
    using Block = BlockQ4_1;
    static constexpr int kElems = 32;
    template <bool kExact, typename Sink>
    ENCLAVE_INLINE static void decode(const Block &b, Sink &sink)
    {
        decodeNibbles32(b.qs, affine<kExact>(_mm512_set1_ps(halfToFloat(b.d)), iota(), _mm512_set1_ps(halfToFloat(b.m))), sink);
    }
};

struct FormatIQ4_NL {
    using Block = BlockIQ4_NL;
    static constexpr int kElems = 32;
    template <bool kExact, typename Sink>
    ENCLAVE_INLINE static void decode(const Block &b, Sink &sink)
    {
        decodeNibbles32(b.qs, _mm512_mul_ps(_mm512_set1_ps(halfToFloat(b.d)), iq4Values()), sink);
    }
};

struct FormatQ5_0 {
    using Block = BlockQ5_0;
    static constexpr int kElems = 32;
    template <bool kExact, typename Sink>
    ENCLAVE_INLINE static void decode(const Block &b, Sink &sink)
    {
        const __m512 d = _mm512_set1_ps(halfToFloat(b.d));
        const __m512 low = _mm512_mul_ps(d, _mm512_sub_ps(iota(), _mm512_set1_ps(16))), high = _mm512_mul_ps(d, iota());
        decodeFifthBits32(b.qh, b.qs, low, high, sink);
    }
};

struct FormatQ5_1 {
    using Block = BlockQ5_1;
    static constexpr int kElems = 32;
    template <bool kExact, typename Sink>
    ENCLAVE_INLINE static void decode(const Block &b, Sink &sink)
    {
        const __m512 d = _mm512_set1_ps(halfToFloat(b.d)), m = _mm512_set1_ps(halfToFloat(b.m));
        const __m512 low = affine<kExact>(d, iota(), m);
        const __m512 high = affine<kExact>(d, _mm512_add_ps(iota(), _mm512_set1_ps(16)), m);
        decodeFifthBits32(b.qh, b.qs, low, high, sink);
    }
};

struct FormatQ8_0 {
    using Block = BlockQ8_0;
    static constexpr int kElems = 32;
    template <bool kExact, typename Sink>
    ENCLAVE_INLINE static void decode(const Block &b, Sink &sink)
    {
        const __m512 d = _mm512_set1_ps(halfToFloat(b.d));
#pragma GCC unroll 2
        for (int k = 0; k < 2; ++k)
            sink(k, _mm512_mul_ps(_mm512_cvtepi32_ps(_mm512_cvtepi8_epi32(load128(b.qs + 16 * k))), d));
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
    const __m256 scales = _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(_mm_setr_epi32(int(p[0] & m6), int(scalesHigh), 0, 0)));
    const __m256 mins = _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(_mm_setr_epi32(int(p[1] & m6), int(minsHigh), 0, 0)));
    _mm256_storeu_ps(dl, _mm256_mul_ps(_mm256_set1_ps(d), scales));
    _mm256_storeu_ps(ml, _mm256_mul_ps(_mm256_set1_ps(dmin), mins));
}

// Group 2j holds the low nibbles of qs[32j ..], group 2j + 1 the high ones; Q5_K adds bit g of qh[l].
template <bool kExact, bool kFifthBit, typename Block, typename Sink>
ENCLAVE_INLINE void decodeQ45_K(const Block &b, const uint8_t *qh, Sink &sink)
{
    float dl[8], ml[8];
    scalesMinsK4(b.scales, halfToFloat(b.d), halfToFloat(b.dmin), dl, ml);
    reloadScales();
    [[maybe_unused]] __m512i high[2];
    if constexpr (kFifthBit)
        high[0] = bytesToLanes(qh), high[1] = bytesToLanes(qh + 16);
    const __m512 upper = _mm512_add_ps(iota(), _mm512_set1_ps(16));
#pragma GCC unroll 4
    for (int j = 0; j < 4; ++j) {
        const __m512 lowScale = splat(dl[2 * j]), lowMin = splat(ml[2 * j]);
        const __m512 highScale = splat(dl[2 * j + 1]), highMin = splat(ml[2 * j + 1]);
        const __m512 lowTable = affineSub<kExact>(lowScale, iota(), lowMin);
        const __m512 highTable = affineSub<kExact>(highScale, iota(), highMin);
        [[maybe_unused]] __m512 lowTable5, highTable5;
        if constexpr (kFifthBit) {
            lowTable5 = affineSub<kExact>(lowScale, upper, lowMin);
            highTable5 = affineSub<kExact>(highScale, upper, highMin);
        }
#pragma GCC unroll 2
        for (int h = 0; h < 2; ++h) {
            const __m512i q = bytesToLanes(b.qs + 32 * j + 16 * h);
            if constexpr (kFifthBit) { // rotate bit g of qh to bit 4
                const __m512i lo = mergeFifthBit(q, _mm512_rorv_epi32(high[h], _mm512_set1_epi32((2 * j + 28) & 31)));
                const __m512i hi = mergeFifthBit(highNibble(q), _mm512_rorv_epi32(high[h], _mm512_set1_epi32((2 * j + 29) & 31)));
                sink(4 * j + h, _mm512_permutex2var_ps(lowTable, lo, lowTable5));
                sink(4 * j + 2 + h, _mm512_permutex2var_ps(highTable, hi, highTable5));
            } else {
                sink(4 * j + h, lookup(q, lowTable));
                sink(4 * j + 2 + h, lookup(highNibble(q), highTable));
            }
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

// Q6_K: vector k is group k; levels q - 32 converted with vcvtdq2ps, scaled by d * scales[k].
struct FormatQ6_K {
    using Block = BlockQ6_K;
    static constexpr int kElems = kQK_K;
    template <bool kExact, typename Sink>
    ENCLAVE_INLINE static void decode(const Block &b, Sink &sink)
    {
        float dl[16], bias[16]; // d * scales[k], -32 d * scales[k]
        const __m512 scales = _mm512_cvtepi32_ps(_mm512_cvtepi8_epi32(load128(b.scales)));
        const __m512 scaled = _mm512_mul_ps(_mm512_set1_ps(halfToFloat(b.d)), scales);
        _mm512_storeu_ps(dl, scaled);
        if constexpr (!kExact)
            _mm512_storeu_ps(bias, _mm512_mul_ps(scaled, _mm512_set1_ps(-32.0f)));
        reloadScales();
        const __m512i low4 = _mm512_set1_epi32(0x0f), bits45 = _mm512_set1_epi32(0x30), offset = _mm512_set1_epi32(32);
#pragma GCC unroll 2
        for (int n = 0; n < 2; ++n) {
#pragma GCC unroll 2
            for (int h = 0; h < 2; ++h) {
                const __m512i qh = bytesToLanes(b.qh + 32 * n + 16 * h);
                const __m512i ql[2] = {bytesToLanes(b.ql + 64 * n + 16 * h), bytesToLanes(b.ql + 64 * n + 32 + 16 * h)};
#pragma GCC unroll 4
                for (int j = 0; j < 4; ++j) {
                    // bits 2j, 2j + 1 of qh rotated to bits 4, 5 (a rotate leaves the shift units to vcvtdq2ps)
                    const __m512i top = _mm512_rorv_epi32(qh, _mm512_set1_epi32((2 * j + 28) & 31));
                    const __m512i nibble = j < 2 ? _mm512_and_si512(ql[j & 1], low4) : _mm512_srli_epi32(ql[j & 1], 4);
                    const __m512i q = _mm512_ternarylogic_epi32(top, nibble, bits45, 0xec); // a & c | b
                    const int k = 8 * n + 2 * j + h;
                    if constexpr (kExact)
                        sink(k, _mm512_mul_ps(_mm512_set1_ps(dl[k]), _mm512_cvtepi32_ps(_mm512_sub_epi32(q, offset))));
                    else // the -32 folded into the FMA saves an integer op per vector
                        sink(k, _mm512_fmadd_ps(_mm512_set1_ps(dl[k]), _mm512_cvtepi32_ps(q), splat(bias[k])));
                }
            }
        }
    }
};

// Q2_K: vector k is group k; a 2-bit level (with 2 stray bits above) indexes a table that repeats
// its 4 values.
struct FormatQ2_K {
    using Block = BlockQ2_K;
    static constexpr int kElems = kQK_K;
    template <bool kExact, typename Sink>
    ENCLAVE_INLINE static void decode(const Block &b, Sink &sink)
    {
        float dl[16], ml[16];
        const __m512i scales = bytesToLanes(b.scales);
        const __m512 scaleLevels = _mm512_cvtepi32_ps(_mm512_and_si512(scales, _mm512_set1_epi32(0x0f)));
        _mm512_storeu_ps(dl, _mm512_mul_ps(_mm512_set1_ps(halfToFloat(b.d)), scaleLevels));
        _mm512_storeu_ps(ml, _mm512_mul_ps(_mm512_set1_ps(halfToFloat(b.dmin)), _mm512_cvtepi32_ps(_mm512_srli_epi32(scales, 4))));
        reloadScales();
        const __m512 levels = _mm512_setr_ps(0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3);
#pragma GCC unroll 16
        for (int k = 0; k < 16; ++k) { // k = 8 n + 2 j + h: bits 2j of qs[32 n + 16 h ..]
            const __m512i q = bytesToLanes(b.qs + 32 * (k / 8) + 16 * (k % 2));
            const __m512i index = _mm512_srlv_epi32(q, _mm512_set1_epi32(2 * ((k / 2) % 4)));
            sink(k, lookup(index, affineSub<kExact>(splat(dl[k]), levels, splat(ml[k]))));
        }
    }
};

// Q3_K: vector k is group k; index = 2 low bits | hmask bit << 2 into a table of the 8 levels q in
// [-4, 3] (repeated), times d * scale.
struct FormatQ3_K {
    using Block = BlockQ3_K;
    static constexpr int kElems = kQK_K;
    template <bool kExact, typename Sink>
    ENCLAVE_INLINE static void decode(const Block &b, Sink &sink)
    {
        float dl[16];
        uint32_t p[3];
        std::memcpy(p, b.scales, 12);
        const uint32_t m4 = 0x0f0f0f0f, m2 = 0x03030303;
        const __m128i packed = _mm_setr_epi32(int((p[0] & m4) | ((p[2] & m2) << 4)), int((p[1] & m4) | (((p[2] >> 2) & m2) << 4)),
                                              int(((p[0] >> 4) & m4) | (((p[2] >> 4) & m2) << 4)),
                                              int(((p[1] >> 4) & m4) | (((p[2] >> 6) & m2) << 4)));
        const __m512 scales = _mm512_cvtepi32_ps(_mm512_cvtepi8_epi32(_mm_sub_epi8(packed, _mm_set1_epi8(32))));
        _mm512_storeu_ps(dl, _mm512_mul_ps(_mm512_set1_ps(halfToFloat(b.d)), scales));
        reloadScales();
        const __m512 levels = _mm512_setr_ps(-4, -3, -2, -1, 0, 1, 2, 3, -4, -3, -2, -1, 0, 1, 2, 3);
        const __m512i low2 = _mm512_set1_epi32(3);
        const __m512i hmask[2] = {bytesToLanes(b.hmask), bytesToLanes(b.hmask + 16)};
#pragma GCC unroll 16
        for (int k = 0; k < 16; ++k) { // k = 8 n + 2 j + h: bits 2j of qs[32 n + 16 h ..], bit 4n + j of hmask
            const int n = k / 8, j = (k / 2) % 4, h = k % 2;
            const __m512i q = _mm512_srlv_epi32(bytesToLanes(b.qs + 32 * n + 16 * h), _mm512_set1_epi32(2 * j));
            const __m512i hbit = _mm512_rorv_epi32(hmask[h], _mm512_set1_epi32((4 * n + j + 30) & 31)); // to bit 2
            const __m512i index = _mm512_ternarylogic_epi32(hbit, q, low2, 0xd8); // low2 ? q : hbit
            sink(k, lookup(index, _mm512_mul_ps(splat(dl[k]), levels)));
        }
    }
};

// IQ4_XS: 8 groups of 32 laid out like IQ4_NL blocks, each scaled by d * (ls - 32).
struct FormatIQ4_XS {
    using Block = BlockIQ4_XS;
    static constexpr int kElems = kQK_K;
    template <bool kExact, typename Sink>
    ENCLAVE_INLINE static void decode(const Block &b, Sink &sink)
    {
        const float d = halfToFloat(b.d);
        const __m512 values = iq4Values();
#pragma GCC unroll 8
        for (int g = 0; g < 8; ++g) {
            const int ls = (((b.scalesL[g / 2] >> (4 * (g % 2))) & 0xf) | (((b.scalesH >> (2 * g)) & 3) << 4)) - 32;
            decodeNibbles32(b.qs + 16 * g, _mm512_mul_ps(_mm512_set1_ps(d * float(ls)), values), sink, 2 * g);
        }
    }
};

// ---- The codebook formats (IQ1-IQ3) and MXFP4: vector k holds two grid points of 8 (or four of 4)
// magnitudes widened to floats, times the group's scale, negated where the sign bits say. Negating a
// product is exact, so d * (-g) of the references and -(d * g) here are the same float.

// 16 magnitudes from two 8-byte points (or four 4-byte ones) as floats.
ENCLAVE_INLINE __m512 pointsToFloats(uint64_t low, uint64_t high)
{
    return _mm512_cvtepi32_ps(_mm512_cvtepu8_epi32(_mm_set_epi64x(int64_t(high), int64_t(low))));
}
ENCLAVE_INLINE __m512 points4ToFloats(uint32_t a, uint32_t b, uint32_t c, uint32_t d)
{
    return _mm512_cvtepi32_ps(_mm512_cvtepu8_epi32(_mm_setr_epi32(int(a), int(b), int(c), int(d))));
}
// scale * magnitudes, negated in the lanes whose bit of `signs` is set.
ENCLAVE_INLINE __m512 signedScaled(float scale, __m512 magnitudes, uint32_t signs)
{
    const __m512 w = _mm512_mul_ps(_mm512_set1_ps(scale), magnitudes);
    return _mm512_castsi512_ps(_mm512_mask_xor_epi32(_mm512_castps_si512(w), __mmask16(signs), _mm512_castps_si512(w),
                                                     _mm512_set1_epi32(int(0x80000000u))));
}

// IQ2_XXS: per sub-block two uint32: grid bytes, then 4 sign fields and the scale in bits 28-31.
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
#pragma GCC unroll 2
            for (int h = 0; h < 2; ++h) {
                const uint32_t signs = kIqSignTable[(a[1] >> (14 * h)) & 127] |
                                       uint32_t(kIqSignTable[(a[1] >> (14 * h + 7)) & 127]) << 8;
                const __m512 g = pointsToFloats(kIq2xxsGrid[(a[0] >> (16 * h)) & 255], kIq2xxsGrid[(a[0] >> (16 * h + 8)) & 255]);
                sink(2 * ib + h, signedScaled(db, g, signs));
            }
        }
    }
};

// IQ2_XS: a 9-bit index and a sign field per group; a 4-bit scale per 16 elements.
struct FormatIQ2_XS {
    using Block = BlockIQ2_XS;
    static constexpr int kElems = kQK_K;
    template <bool kExact, typename Sink>
    ENCLAVE_INLINE static void decode(const Block &b, Sink &sink)
    {
        const float d = halfToFloat(b.d);
#pragma GCC unroll 16
        for (int k = 0; k < 16; ++k) {
            const uint16_t v0 = b.qs[2 * k], v1 = b.qs[2 * k + 1];
            const float db = d * (0.5f + float((b.scales[k / 2] >> (4 * (k % 2))) & 0xf)) * 0.25f;
            const uint32_t signs = kIqSignTable[v0 >> 9] | uint32_t(kIqSignTable[v1 >> 9]) << 8;
            sink(k, signedScaled(db, pointsToFloats(kIq2xsGrid[v0 & 511], kIq2xsGrid[v1 & 511]), signs));
        }
    }
};

// IQ2_S: 10-bit indices (2 high bits in qh), 8 plain sign bits per group.
struct FormatIQ2_S {
    using Block = BlockIQ2_S;
    static constexpr int kElems = kQK_K;
    template <bool kExact, typename Sink>
    ENCLAVE_INLINE static void decode(const Block &b, Sink &sink)
    {
        const float d = halfToFloat(b.d);
        const uint8_t *signs = b.qs + kQK_K / 8;
#pragma GCC unroll 16
        for (int k = 0; k < 16; ++k) {
            const int ib = k / 2, l = 2 * (k % 2);
            const int i0 = b.qs[2 * k] | (((b.qh[ib] >> (2 * l)) & 3) << 8);
            const int i1 = b.qs[2 * k + 1] | (((b.qh[ib] >> (2 * l + 2)) & 3) << 8);
            const float db = d * (0.5f + float((b.scales[ib] >> (4 * (k % 2))) & 0xf)) * 0.25f;
            const uint32_t s = signs[2 * k] | uint32_t(signs[2 * k + 1]) << 8;
            sink(k, signedScaled(db, pointsToFloats(kIq2sGrid[size_t(i0)], kIq2sGrid[size_t(i1)]), s));
        }
    }
};

// IQ3_XXS: 8-bit indices of 4-magnitude points; per sub-block a uint32 of sign fields and the scale.
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
#pragma GCC unroll 2
            for (int h = 0; h < 2; ++h) {
                const uint32_t signs = kIqSignTable[(aux >> (14 * h)) & 127] |
                                       uint32_t(kIqSignTable[(aux >> (14 * h + 7)) & 127]) << 8;
                const __m512 g = points4ToFloats(kIq3xxsGrid[q[4 * h]], kIq3xxsGrid[q[4 * h + 1]], kIq3xxsGrid[q[4 * h + 2]],
                                                 kIq3xxsGrid[q[4 * h + 3]]);
                sink(2 * ib + h, signedScaled(db, g, signs));
            }
        }
    }
};

// IQ3_S: 9-bit indices (bit 8 in qh), plain sign bytes, a 4-bit scale per sub-block: d (1 + 2 ls).
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
#pragma GCC unroll 2
            for (int h = 0; h < 2; ++h) {
                const auto point = [&](int j) { return kIq3sGrid[size_t(q[4 * h + j] | (((qh >> (4 * h + j)) & 1) << 8))]; };
                const uint32_t signs = b.signs[4 * ib + 2 * h] | uint32_t(b.signs[4 * ib + 2 * h + 1]) << 8;
                sink(2 * ib + h, signedScaled(db, points4ToFloats(point(0), point(1), point(2), point(3)), signs));
            }
        }
    }
};

// IQ1_S / IQ1_M: signed points of -1, 0, 1 shifted by +-1/8 per group, times d (2 ls + 1):
// dl * (g + delta) as the references round it.
ENCLAVE_INLINE __m512 iq1Vector(float dl, uint64_t p0, uint64_t p1, float delta0, float delta1)
{
    const __m512 g = _mm512_cvtepi32_ps(_mm512_cvtepi8_epi32(_mm_set_epi64x(int64_t(p1), int64_t(p0))));
    const __m512 delta = _mm512_mask_blend_ps(__mmask16(0xff00), _mm512_set1_ps(delta0), _mm512_set1_ps(delta1));
    return _mm512_mul_ps(_mm512_set1_ps(dl), _mm512_add_ps(g, delta));
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
            const float delta = qh & 0x8000 ? -kIq1Delta : kIq1Delta;
#pragma GCC unroll 2
            for (int h = 0; h < 2; ++h) {
                const int l = 2 * h;
                const uint64_t p0 = kIq1sGrid[b.qs[4 * ib + l] | (((qh >> (3 * l)) & 7) << 8)];
                const uint64_t p1 = kIq1sGrid[b.qs[4 * ib + l + 1] | (((qh >> (3 * l + 3)) & 7) << 8)];
                sink(2 * ib + h, iq1Vector(dl, p0, p1, delta, delta));
            }
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
#pragma GCC unroll 2
            for (int h = 0; h < 2; ++h) {
                const int n0 = b.qh[2 * ib + h] & 0xf, n1 = b.qh[2 * ib + h] >> 4;
                const float dl = d * float(2 * ((sc[ib / 2] >> (6 * (ib % 2) + 3 * h)) & 7) + 1);
                const uint64_t p0 = kIq1sGrid[b.qs[4 * ib + 2 * h] | ((n0 & 7) << 8)];
                const uint64_t p1 = kIq1sGrid[b.qs[4 * ib + 2 * h + 1] | ((n1 & 7) << 8)];
                // the shift's sign as bit arithmetic: +-1/8 is 0x3e000000 with bit 31 from the nibble's bit 3
                const float delta0 = std::bit_cast<float>(0x3e000000u | uint32_t(n0 & 8) << 28);
                const float delta1 = std::bit_cast<float>(0x3e000000u | uint32_t(n1 & 8) << 28);
                sink(2 * ib + h, iq1Vector(dl, p0, p1, delta0, delta1));
            }
        }
    }
};

// MXFP4: nibbles as Q4_0 into the 16 doubled e2m1 values times the block's power of two.
struct FormatMXFP4 {
    using Block = BlockMXFP4;
    static constexpr int kElems = 32;
    template <bool kExact, typename Sink>
    ENCLAVE_INLINE static void decode(const Block &b, Sink &sink)
    {
        const __m512 values = _mm512_cvtepi32_ps(_mm512_cvtepi8_epi32(load128(kMxfp4Values)));
        decodeNibbles32(b.qs, _mm512_mul_ps(values, _mm512_set1_ps(e8m0HalfToFp32(b.e))), sink);
    }
};

// ---- Row loops

struct DotSink {
    __m512 *acc;
    const float *x;
    int base; // accumulator of vector 0
    ENCLAVE_INLINE void operator()(int k, __m512 w) const
    {
        __m512 &a = acc[(base + k) & 3];
        a = _mm512_fmadd_ps(w, _mm512_loadu_ps(x + 16 * k), a);
    }
};

struct StoreSink {
    float *dst;
    ENCLAVE_INLINE void operator()(int k, __m512 w) const { _mm512_storeu_ps(dst + 16 * k, w); }
};

// 32-element formats fill two accumulators a block, so two blocks go per step.
template <typename Format>
float dotRow(int64_t n, const void *weightRow, const float *x)
{
    const auto *w = static_cast<const typename Format::Block *>(weightRow);
    const int64_t nb = n / Format::kElems;
    __m512 acc[4] = {_mm512_setzero_ps(), _mm512_setzero_ps(), _mm512_setzero_ps(), _mm512_setzero_ps()};
    int64_t i = 0;
    if constexpr (Format::kElems == 32) {
        for (; i + 1 < nb; i += 2, x += 64) {
            DotSink first{acc, x, 0}, second{acc, x + 32, 2};
            Format::template decode<false>(w[i], first);
            Format::template decode<false>(w[i + 1], second);
        }
    }
    for (; i < nb; ++i, x += Format::kElems) {
        DotSink sink{acc, x, 0};
        Format::template decode<false>(w[i], sink);
    }
    return _mm512_reduce_add_ps(_mm512_add_ps(_mm512_add_ps(acc[0], acc[1]), _mm512_add_ps(acc[2], acc[3])));
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
    kernels<FormatQ4_K>(QuantType::Q4_K),    kernels<FormatQ6_K>(QuantType::Q6_K),
    kernels<FormatQ8_0>(QuantType::Q8_0),    kernels<FormatQ5_K>(QuantType::Q5_K),
    kernels<FormatQ4_0>(QuantType::Q4_0),    kernels<FormatQ3_K>(QuantType::Q3_K),
    kernels<FormatQ2_K>(QuantType::Q2_K),    kernels<FormatQ5_0>(QuantType::Q5_0),
    kernels<FormatQ4_1>(QuantType::Q4_1),    kernels<FormatQ5_1>(QuantType::Q5_1),
    kernels<FormatIQ4_NL>(QuantType::IQ4_NL), kernels<FormatIQ4_XS>(QuantType::IQ4_XS),
    kernels<FormatIQ2_XXS>(QuantType::IQ2_XXS), kernels<FormatIQ2_XS>(QuantType::IQ2_XS),
    kernels<FormatIQ2_S>(QuantType::IQ2_S),   kernels<FormatIQ3_XXS>(QuantType::IQ3_XXS),
    kernels<FormatIQ3_S>(QuantType::IQ3_S),   kernels<FormatIQ1_S>(QuantType::IQ1_S),
    kernels<FormatIQ1_M>(QuantType::IQ1_M),   kernels<FormatMXFP4>(QuantType::MXFP4),
};

#undef ENCLAVE_INLINE

} // namespace
} // namespace enclave::x86

#if defined(__clang__)
#pragma clang attribute pop
#else
#pragma GCC diagnostic pop
#pragma GCC pop_options
#endif

namespace enclave::x86 {

DotF32Fn avx512DotF32(QuantType weightType)
{
    for (const FormatKernels &k : kFormatKernels) {
        if (k.type == weightType)
            return k.dot;
    }
    return nullptr;
}

DequantizeRowFn avx512DequantizeRow(QuantType type)
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
DotF32Fn avx512DotF32(QuantType) { return nullptr; }
DequantizeRowFn avx512DequantizeRow(QuantType) { return nullptr; }
} // namespace enclave::x86

#endif
