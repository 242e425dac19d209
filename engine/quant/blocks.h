// Block structs of the quantized GGUF formats, byte for byte as GGUF stores them (ggml_type layouts).
// Plain structs over <cstdint> only, so the C++ compiler and nvcc share them; f16 fields are raw
// IEEE half bits (uint16_t, see float_convert.h). Element order inside a block is documented per format.
#pragma once

#include <cstdint>

namespace enclave {

constexpr int kQK4_0 = 32;
constexpr int kQK8_0 = 32;
constexpr int kQK_K = 256;        // elements of a k-quant super-block
constexpr int kKScaleSize = 12;   // bytes of packed 6-bit scales and mins (Q4_K, Q5_K)

// Q4_0: x = d * (q - 8). Element j < 16 is the low nibble of qs[j], element j + 16 the high nibble.
struct BlockQ4_0 {
    uint16_t d;               // f16 scale
    uint8_t qs[kQK4_0 / 2];   // nibbles
};
static_assert(sizeof(BlockQ4_0) == 18, "Q4_0 block size");

// Q4_1: x = d * q + m, same nibble order as Q4_0.
struct BlockQ4_1 {
    uint16_t d;               // f16 scale
    uint16_t m;               // f16 minimum
    uint8_t qs[kQK4_0 / 2];
};
static_assert(sizeof(BlockQ4_1) == 20, "Q4_1 block size");

// Q5_0: x = d * (q - 16), q = nibble | (bit i of the little-endian uint32 qh) << 4 for element i.
struct BlockQ5_0 {
    uint16_t d;
    uint8_t qh[4];            // 5th bits, element i at bit i
    uint8_t qs[kQK4_0 / 2];
};
static_assert(sizeof(BlockQ5_0) == 22, "Q5_0 block size");

// Q5_1: x = d * q + m with q as in Q5_0.
struct BlockQ5_1 {
    uint16_t d;
    uint16_t m;
    uint8_t qh[4];
    uint8_t qs[kQK4_0 / 2];
};
static_assert(sizeof(BlockQ5_1) == 24, "Q5_1 block size");

// Q8_0: x = d * q.
struct BlockQ8_0 {
    uint16_t d;
    int8_t qs[kQK8_0];
};
static_assert(sizeof(BlockQ8_0) == 34, "Q8_0 block size");

// Q8_1: x = d * q, s = d * sum(q) (activation format).
struct BlockQ8_1 {
    uint16_t d;
    uint16_t s;               // f16 d * sum(qs)
    int8_t qs[kQK8_0];
};
static_assert(sizeof(BlockQ8_1) == 36, "Q8_1 block size");

// Q2_K: 16 groups of 16; x = d * (scales[g] & 15) * q - dmin * (scales[g] >> 4), q 2-bit.
// Element e = 128 n + 32 j + l (l < 32) is bits 2j..2j+1 of qs[32 n + l].
struct BlockQ2_K {
    uint8_t scales[kQK_K / 16];   // low nibble scale, high nibble min
    uint8_t qs[kQK_K / 4];
    uint16_t d;                   // f16 super-block scale of the scales
    uint16_t dmin;                // f16 super-block scale of the mins
};
static_assert(sizeof(BlockQ2_K) == 84, "Q2_K block size");

// Q3_K: 16 groups of 16; x = d * (s[g] - 32) * (q2 - (hbit ? 0 : 4)). Element e = 128 n + 32 j + l
// takes q2 from bits 2j of qs[32 n + l] and hbit from bit 4n + j of hmask[l]. The 6-bit s[g]: low
// nibble in scales[g % 8] (high half for g >= 8), top 2 bits at bit 2 (g / 4) of scales[8 + g % 4].
struct BlockQ3_K {
    uint8_t hmask[kQK_K / 8];
    uint8_t qs[kQK_K / 4];
    uint8_t scales[12];
    uint16_t d;
};
static_assert(sizeof(BlockQ3_K) == 110, "Q3_K block size");

// Q4_K: 8 groups of 32; x = d * sc[g] * q - dmin * m[g], 6-bit sc/m packed in scales (quant_math.h).
// Element e = 64 j + l is the low nibble of qs[32 j + l] (l < 32), e = 64 j + 32 + l the high nibble.
struct BlockQ4_K {
    uint16_t d;
    uint16_t dmin;
    uint8_t scales[kKScaleSize];
    uint8_t qs[kQK_K / 2];
};
static_assert(sizeof(BlockQ4_K) == 144, "Q4_K block size");

// Q5_K: Q4_K plus a 5th bit: element e of group g = e / 32 has it at bit g of qh[e % 32].
struct BlockQ5_K {
    uint16_t d;
    uint16_t dmin;
    uint8_t scales[kKScaleSize];
    uint8_t qh[kQK_K / 8];
    uint8_t qs[kQK_K / 2];
};
static_assert(sizeof(BlockQ5_K) == 176, "Q5_K block size");

// Q6_K: 16 groups of 16; x = d * scales[g] * (q - 32), q 6-bit. Element e = 128 n + 32 j + l:
// low 4 bits from ql[64 n + 32 (j & 1) + l] (high nibble when j >= 2), top 2 bits at bit 2j of qh[32 n + l].
struct BlockQ6_K {
    uint8_t ql[kQK_K / 2];
    uint8_t qh[kQK_K / 4];
    int8_t scales[kQK_K / 16];
    uint16_t d;
};
static_assert(sizeof(BlockQ6_K) == 210, "Q6_K block size");

// Q8_K: x = d * q, float scale; bsums[g] = sum of qs[16 g .. 16 g + 15] (activation format).
struct BlockQ8_K {
    float d;
    int8_t qs[kQK_K];
    int16_t bsums[kQK_K / 16];
};
static_assert(sizeof(BlockQ8_K) == 292, "Q8_K block size");

// IQ4_NL: x = d * kIq4nlValues[q], nibble order as Q4_0.
struct BlockIQ4_NL {
    uint16_t d;
    uint8_t qs[kQK4_0 / 2];
};
static_assert(sizeof(BlockIQ4_NL) == 18, "IQ4_NL block size");

// IQ4_XS: 8 groups of 32; x = d * (ls[g] - 32) * kIq4nlValues[q]. ls[g] 6-bit: low nibble in
// scales_l[g / 2] (high half for odd g), top 2 bits at bit 2g of scalesH. Group g's elements are
// laid out like an IQ4_NL block in qs[16 g .. 16 g + 15].
struct BlockIQ4_XS {
    uint16_t d;
    uint16_t scalesH;
    uint8_t scalesL[kQK_K / 64];
    uint8_t qs[kQK_K / 2];
};
static_assert(sizeof(BlockIQ4_XS) == 136, "IQ4_XS block size");

// The 16 non-linear levels of IQ4_NL and IQ4_XS.
constexpr int8_t kIq4nlValues[16] = {-127, -104, -83, -65, -49, -35, -22, -10, 1, 13, 25, 38, 53, 69, 89, 113};

// The codebook formats (IQ1_*, IQ2_*, IQ3_*): each group of 8 (or 4) elements is one point of a
// fixed codebook (quant/iq_grids.h) given by an index, with a sign bit per element where the
// codebook holds magnitudes. A 7-bit sign field s stands for 8 signs: bit j of s is element j's,
// and element 7's is the parity of s (an even number of negatives). Group scales of 4 bits ls
// give odd multipliers (2 ls + 1). Element order follows the groups: 32 elements per sub-block ib.

// IQ2_XXS: per sub-block of 32 two little-endian uint32 a0, a1 in qs[4 ib .. 4 ib + 3]: byte l of
// a0 indexes the 256-point grid for elements 8 l .. 8 l + 7; a1 holds 4 sign fields of 7 bits
// (field l at bit 7 l) and the scale ls in bits 28..31; x = d * (0.5 + ls) * 0.25 * grid * sign.
struct BlockIQ2_XXS {
    uint16_t d;
    uint16_t qs[kQK_K / 8];
};
static_assert(sizeof(BlockIQ2_XXS) == 66, "IQ2_XXS block size");

// IQ2_XS: qs[4 ib + l] holds a 9-bit index into the 512-point grid and a sign field in bits 9..15;
// the scale of elements 16 h .. 16 h + 15 of sub-block ib is nibble h of scales[ib].
struct BlockIQ2_XS {
    uint16_t d;
    uint16_t qs[kQK_K / 8];
    uint8_t scales[kQK_K / 32];
};
static_assert(sizeof(BlockIQ2_XS) == 74, "IQ2_XS block size");

// IQ2_S: 10-bit indices into the 1024-point grid, low 8 bits in qs[4 ib + l] and bits 8-9 at bits
// 2 l of qh[ib]; 8 plain sign bits per group of 8 in qs[32 + 4 ib + l]; scales as IQ2_XS.
struct BlockIQ2_S {
    uint16_t d;
    uint8_t qs[kQK_K / 4];
    uint8_t qh[kQK_K / 32];
    uint8_t scales[kQK_K / 32];
};
static_assert(sizeof(BlockIQ2_S) == 82, "IQ2_S block size");

// IQ3_XXS: 8-bit indices into the 256-point grid of 4 magnitudes, qs[8 ib + k] for elements
// 4 k .. 4 k + 3 of sub-block ib; then per sub-block a little-endian uint32 at qs[64 + 4 ib]
// with 4 sign fields (one per 8 elements) and ls in bits 28..31; x = d * (0.5 + ls) * 0.5 * grid * sign.
struct BlockIQ3_XXS {
    uint16_t d;
    uint8_t qs[3 * kQK_K / 8];
};
static_assert(sizeof(BlockIQ3_XXS) == 98, "IQ3_XXS block size");

// IQ3_S: 9-bit indices into the 512-point grid of 4 magnitudes: low 8 bits in qs[8 ib + k], bit 8
// at bit k of qh[ib]; 8 plain sign bits per 8 elements in signs[4 ib + l]; the scale of sub-block ib
// is nibble ib % 2 of scales[ib / 2], x = d * (1 + 2 ls) * grid * sign.
struct BlockIQ3_S {
    uint16_t d;
    uint8_t qs[kQK_K / 4];
    uint8_t qh[kQK_K / 32];
    uint8_t signs[kQK_K / 8];
    uint8_t scales[kQK_K / 64];
};
static_assert(sizeof(BlockIQ3_S) == 110, "IQ3_S block size");

// IQ1_S: 11-bit indices into the 2048-point grid of values -1, 0, 1: low 8 bits in qs[4 ib + l],
// bits 8-10 at bits 3 l of qh[ib]; bits 12-14 of qh[ib] are ls and bit 15 the sign of the shift;
// x = d * (2 ls + 1) * (grid +- kIq1Delta).
struct BlockIQ1_S {
    uint16_t d;
    uint8_t qs[kQK_K / 8];
    uint16_t qh[kQK_K / 32];
};
static_assert(sizeof(BlockIQ1_S) == 50, "IQ1_S block size");

// IQ1_M: indices as IQ1_S but bits 8-10 of group l's index in nibble l % 2 of qh[2 ib + l / 2], whose
// bit 3 is the sign of that group's shift; 3-bit scales, four per little-endian uint16 of scales
// (groups of 16 elements, ls at bit 3 j of word ib / 2 for j = 2 (ib % 2) + h); the f16 super-block
// scale is the top nibbles of the four words, word k's at bit 4 k; x = d * (2 ls + 1) * (grid +- kIq1Delta).
struct BlockIQ1_M {
    uint8_t qs[kQK_K / 8];
    uint8_t qh[kQK_K / 16];
    uint8_t scales[kQK_K / 32];
};
static_assert(sizeof(BlockIQ1_M) == 56, "IQ1_M block size");

// The shift of the IQ1 grids' values.
constexpr float kIq1Delta = 0.125f;

// MXFP4 (OCP microscaling FP4): blocks of 32 e2m1 values with a shared power-of-two scale e (e8m0,
// 2^(e - 127)). Stored as doubled values, kMxfp4Values[q] * 2^(e - 128); element j < 16 is the low
// nibble of qs[j], element j + 16 the high nibble (as Q4_0).
constexpr int kQKMxfp4 = 32;
struct BlockMXFP4 {
    uint8_t e;
    uint8_t qs[kQKMxfp4 / 2];
};
static_assert(sizeof(BlockMXFP4) == 17, "MXFP4 block size");

// The e2m1 values 0, 0.5, 1, 1.5, 2, 3, 4, 6 and their negatives, doubled.
constexpr int8_t kMxfp4Values[16] = {0, 1, 2, 3, 4, 6, 8, 12, 0, -1, -2, -3, -4, -6, -8, -12};

} // namespace enclave
