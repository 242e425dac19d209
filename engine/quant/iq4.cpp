// IQ4_NL (blocks of 32, x = d * kIq4nlValues[q]) and IQ4_XS (super-blocks of 256: the same levels with
// a 6-bit scale per group of 32). Dot products take Q8_0 (IQ4_NL) and Q8_K (IQ4_XS) activations.
#include "engine/quant/blocks.h"
#include "engine/quant/float_convert.h"
#include "engine/quant/quant_math.h"
#include "engine/quant/reference.h"

#include <initializer_list>
#include <cmath>

namespace enclave::ref {
namespace {

constexpr int kGroupSize = 32;
constexpr int kXsGroups = kQK_K / kGroupSize;
constexpr int kSearchSteps = 8; // scale candidates on each side, 2% apart

uint8_t nearestLevel(float v)
{
    int best = 0;
    for (int k = 1; k < 16; ++k) {
        if (std::fabs(v - float(kIq4nlValues[k])) < std::fabs(v - float(kIq4nlValues[best])))
            best = k;
    }
    return uint8_t(best);
}

void nearestLevels(const float *x, float scale, uint8_t *L)
{
    const float inv = scale != 0 ? 1.0f / scale : 0.0f;
    for (int j = 0; j < kGroupSize; ++j)
        L[j] = nearestLevel(x[j] * inv);
}

// Scale of one group: candidates map the peak to either end of the level table, each refitted by
// weighted least squares; the best fit wins. L receives the level indices.
float fitGroup(const float *x, const float *w, uint8_t *L)
{
    const float peak = maxAbsSigned(x, kGroupSize);
    float bestScale = 0, bestScore = 0;
    nearestLevels(x, 0, L);
    if (peak == 0)
        return 0;
    uint8_t cand[kGroupSize];
    for (const float end : {float(kIq4nlValues[0]), float(kIq4nlValues[15])}) {
        for (int step = -kSearchSteps; step <= kSearchSteps; ++step) {
            nearestLevels(x, peak / (end * (1.0f + 0.02f * float(step))), cand);
            float sxv = 0, svv = 0;
            for (int j = 0; j < kGroupSize; ++j) {
                const float v = kIq4nlValues[cand[j]];
                sxv += w[j] * x[j] * v;
                svv += w[j] * v * v;
            }
            if (svv > 0 && sxv * sxv > bestScore * svv) {
                bestScore = sxv * sxv / svv;
                bestScale = sxv / svv;
                for (int j = 0; j < kGroupSize; ++j)
                    L[j] = cand[j];
            }
        }
    }
    return bestScale;
}

// Group of 32 as stored: element j < 16 in the low nibble of qs[j], element j + 16 in the high one.
int groupDot(const uint8_t *qs, const int8_t *a)
{
    uint8_t q[kGroupSize];
    unpackNibbles32(qs, q);
    int isum = 0;
    for (int j = 0; j < kGroupSize; ++j)
        isum += kIq4nlValues[q[j]] * a[j];
    return isum;
}

} // namespace

namespace iq4_nl {

void dequantizeRow(const void *src, float *dst, int64_t n)
{
    const auto *blocks = static_cast<const BlockIQ4_NL *>(src);
    for (int64_t i = 0; i < n / kGroupSize; ++i, dst += kGroupSize) {
        const float d = fp16ToFp32(blocks[i].d);
        uint8_t q[kGroupSize];
        unpackNibbles32(blocks[i].qs, q);
        for (int j = 0; j < kGroupSize; ++j)
            dst[j] = d * float(kIq4nlValues[q[j]]);
    }
}

void quantizeRow(const float *src, void *dst, int64_t n)
{
    auto *blocks = static_cast<BlockIQ4_NL *>(dst);
    for (int64_t i = 0; i < n / kGroupSize; ++i, src += kGroupSize) {
        float w[kGroupSize];
        importanceWeights(src, kGroupSize, w);
        uint8_t L[kGroupSize];
        blocks[i].d = fp32ToFp16(fitGroup(src, w, L));
        packNibbles32(L, blocks[i].qs);
    }
}

float vecDot(int64_t n, const void *weightRow, const void *activationRow)
{
    const auto *w = static_cast<const BlockIQ4_NL *>(weightRow);
    const auto *a = static_cast<const BlockQ8_0 *>(activationRow);
    float sum = 0;
    for (int64_t i = 0; i < n / kGroupSize; ++i)
        sum += fp16ToFp32(w[i].d) * fp16ToFp32(a[i].d) * float(groupDot(w[i].qs, a[i].qs));
    return sum;
}

} // namespace iq4_nl

namespace iq4_xs {
namespace {

int groupScale(const BlockIQ4_XS &b, int g)
{
    const int low = (b.scalesL[g / 2] >> (4 * (g % 2))) & 0xf;
    const int high = (b.scalesH >> (2 * g)) & 3;
    return (low | (high << 4)) - 32;
}

void quantizeBlock(const float *x, BlockIQ4_XS &b)
{
    float w[kQK_K], scales[kXsGroups];
    importanceWeights(x, kQK_K, w);
    uint8_t L[kQK_K];
    for (int g = 0; g < kXsGroups; ++g)
        scales[g] = fitGroup(x + g * kGroupSize, w + g * kGroupSize, L + g * kGroupSize);
    const float d = maxAbsSigned(scales, kXsGroups) / -32.0f; // the largest scale maps to -32
    const float id = d != 0 ? 1.0f / d : 0.0f;
    b.d = fp32ToFp16(d);
    b.scalesH = 0;
    for (int g = 0; g < kXsGroups; ++g) {
        const int ls = clampInt(nearestInt(id * scales[g]), -32, 31);
        const int stored = ls + 32;
        if (g % 2 == 0)
            b.scalesL[g / 2] = uint8_t(stored & 0xf);
        else
            b.scalesL[g / 2] |= uint8_t((stored & 0xf) << 4);
        b.scalesH = uint16_t(b.scalesH | ((stored >> 4) << (2 * g)));
        nearestLevels(x + g * kGroupSize, fp16ToFp32(b.d) * float(ls), L + g * kGroupSize);
        packNibbles32(L + g * kGroupSize, b.qs + 16 * g);
    }
}

} // namespace

void dequantizeRow(const void *src, float *dst, int64_t n)
{
    const auto *blocks = static_cast<const BlockIQ4_XS *>(src);
    for (int64_t i = 0; i < n / kQK_K; ++i) {
        const float d = fp16ToFp32(blocks[i].d);
        for (int g = 0; g < kXsGroups; ++g, dst += kGroupSize) {
            const float dl = d * float(groupScale(blocks[i], g));
            uint8_t q[kGroupSize];
            unpackNibbles32(blocks[i].qs + 16 * g, q);
            for (int j = 0; j < kGroupSize; ++j)
                dst[j] = dl * float(kIq4nlValues[q[j]]);
        }
    }
}

void quantizeRow(const float *src, void *dst, int64_t n)
{
    auto *blocks = static_cast<BlockIQ4_XS *>(dst);
    for (int64_t i = 0; i < n / kQK_K; ++i)
        quantizeBlock(src + i * kQK_K, blocks[i]);
}

float vecDot(int64_t n, const void *weightRow, const void *activationRow)
{
    const auto *w = static_cast<const BlockIQ4_XS *>(weightRow);
    const auto *a = static_cast<const BlockQ8_K *>(activationRow);
    float sum = 0;
    for (int64_t i = 0; i < n / kQK_K; ++i) {
        int sumQ = 0;
        for (int g = 0; g < kXsGroups; ++g)
            sumQ += groupScale(w[i], g) * groupDot(w[i].qs + 16 * g, a[i].qs + g * kGroupSize);
        sum += fp16ToFp32(w[i].d) * a[i].d * float(sumQ);
    }
    return sum;
}

} // namespace iq4_xs

} // namespace enclave::ref
