// Helpers shared by the reference quantizers: rounding, importance weights, the least-squares
// scale searches of the k-quants, and the 6-bit scale/min packing of Q4_K and Q5_K.
// Internal to quant/. Groups hold at most kMaxGroup elements, super-blocks kMaxSuperBlock.
#pragma once

#include <cmath>
#include <cstdint>

namespace enclave::ref {

constexpr int kMaxGroup = 32;
constexpr int kMaxSuperBlock = 256;

// Round to nearest, ties to even (the default rounding mode), as the SIMD quantizers round.
inline int nearestInt(float x) { return int(std::lrint(x)); }

inline int clampInt(int v, int lo, int hi) { return v < lo ? lo : (v > hi ? hi : v); }

// The element of x with the largest magnitude, with its sign.
float maxAbsSigned(const float *x, int n);

// Importance of each element for the scale searches: rms(x) + |x|, so large values are fitted
// more closely without ignoring the small ones.
void importanceWeights(const float *x, int n, float *w);

// Symmetric fit x ~ scale * L with L in [-nmax, nmax - 1], searching scales around the one that
// maps the largest |x| to -nmax (least squares per candidate). Returns scale; L receives levels.
float fitSymmetricScale(const float *x, const float *w, int n, int nmax, int8_t *L);

// Affine fit x ~ scale * L - min with L in [0, nmax], min >= 0 (the formats can only subtract).
struct ScaleMin {
    float scale;
    float min;
};
ScaleMin fitScaleMin(const float *x, const float *w, int n, int nmax, uint8_t *L);

// Group fits over one super-block x[nGroups * groupSize] with importanceWeights() over all of it.
void fitSymmetricGroups(const float *x, int nGroups, int groupSize, int nmax, float *scales);
void fitScaleMinGroups(const float *x, int nGroups, int groupSize, int nmax, float *scales, float *mins);

// Levels of x once the group's scale (and min) are final: round(x / scale) clamped to
// [-nmax, nmax - 1], or round((x + min) / scale) clamped to [0, nmax]; 0 for a zero scale.
void symmetricLevels(const float *x, int n, float scale, int nmax, int8_t *L);
void scaleMinLevels(const float *x, int n, float scale, float min, int nmax, uint8_t *L);

// Q4_K/Q5_K pack 8 (scale, min) pairs of 6 bits into 12 bytes: pairs 0-3 take the low 6 bits of
// bytes 0-3 (scale) and 4-7 (min); pairs 4-7 take a nibble of bytes 8-11 (scale low, min high)
// plus the top 2 bits of bytes 0-3 (scale) and 4-7 (min).
inline void unpackScaleMinK4(const uint8_t *packed, int j, int &scale, int &min)
{
    if (j < 4) {
        scale = packed[j] & 63;
        min = packed[j + 4] & 63;
    } else {
        scale = (packed[j + 4] & 0xf) | ((packed[j - 4] >> 6) << 4);
        min = (packed[j + 4] >> 4) | ((packed[j] >> 6) << 4);
    }
}

// 32-element blocks (Q4_x, Q5_x, IQ4_NL): element j < 16 is the low nibble of qs[j], element
// j + 16 the high nibble; the 5th bits of Q5_x sit at bit j of a little-endian uint32.
inline void packNibbles32(const uint8_t *levels, uint8_t *qs)
{
    for (int j = 0; j < 16; ++j)
        qs[j] = uint8_t((levels[j] & 0xf) | ((levels[j + 16] & 0xf) << 4));
}

inline void packFifthBits32(const uint8_t *levels, uint8_t *qh)
{
    uint32_t bits = 0;
    for (int j = 0; j < 32; ++j)
        bits |= uint32_t((levels[j] >> 4) & 1) << j;
    for (int k = 0; k < 4; ++k)
        qh[k] = uint8_t(bits >> (8 * k));
}

inline void unpackNibbles32(const uint8_t *qs, uint8_t *levels)
{
    for (int j = 0; j < 16; ++j) {
        levels[j] = qs[j] & 0xf;
        levels[j + 16] = qs[j] >> 4;
    }
}

inline void unpackFifthBits32(const uint8_t *qh, uint8_t *levels)
{
    const uint32_t bits = uint32_t(qh[0]) | uint32_t(qh[1]) << 8 | uint32_t(qh[2]) << 16 | uint32_t(qh[3]) << 24;
    for (int j = 0; j < 32; ++j)
        levels[j] |= uint8_t(((bits >> j) & 1) << 4);
}

void packScaleMinK4(const uint8_t *scales, const uint8_t *mins, uint8_t *packed);

// Quantizes the per-group scales (or mins) v >= 0 of a k-quant super-block to levels
// q[g] = round(v[g] / step) in [0, maxLevel], step = max(v) / maxLevel. Returns step (0 if all v are 0).
float quantizeGroupScales(const float *v, int nGroups, int maxLevel, uint8_t *q);

} // namespace enclave::ref
