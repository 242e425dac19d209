// Q5_K: super-blocks of 256 in 8 groups of 32, x = d * sc[g] * q - dmin * m[g] with 5-bit q (nibble +
// bit g of qh[e % 32]) and 6-bit sc/m; dot products take Q8_K activations.
#include "engine/quant/blocks.h"
#include "engine/quant/float_convert.h"
#include "engine/quant/k_scale_min.h"
#include "engine/quant/quant_math.h"
#include "engine/quant/reference.h"

namespace enclave::ref::q5_k {
namespace {

constexpr int kGroups = kScaleMinGroups;
constexpr int kGroupSize = kScaleMinGroupSize;

// Levels in element order: group 2j from the low nibbles of qs[32j ..], group 2j + 1 the high ones,
// each plus its 5th bit (bit g of qh[l]).
void levels(const BlockQ5_K &b, uint8_t *q)
{
    for (int j = 0; j < kQK_K / 64; ++j) {
        for (int l = 0; l < 32; ++l) {
            q[64 * j + l] = uint8_t((b.qs[32 * j + l] & 0xf) | (((b.qh[l] >> (2 * j)) & 1) << 4));
            q[64 * j + 32 + l] = uint8_t((b.qs[32 * j + l] >> 4) | (((b.qh[l] >> (2 * j + 1)) & 1) << 4));
        }
    }
}

void quantizeBlock(const float *x, BlockQ5_K &b)
{
    float scales[kGroups], mins[kGroups];
    fitScaleMinGroups(x, kGroups, kGroupSize, 31, scales, mins);
    uint8_t qScales[kGroups], qMins[kGroups];
    b.d = fp32ToFp16(quantizeGroupScales(scales, kGroups, 63, qScales));
    b.dmin = fp32ToFp16(quantizeGroupScales(mins, kGroups, 63, qMins));
    packScaleMinK4(qScales, qMins, b.scales);
    const float d = fp16ToFp32(b.d), dmin = fp16ToFp32(b.dmin);
    uint8_t L[kQK_K];
    for (int g = 0; g < kGroups; ++g)
        scaleMinLevels(x + g * kGroupSize, kGroupSize, d * qScales[g], dmin * qMins[g], 31, L + g * kGroupSize);
    for (int j = 0; j < kQK_K / 64; ++j) {
        for (int l = 0; l < 32; ++l)
            b.qs[32 * j + l] = uint8_t((L[64 * j + l] & 0xf) | ((L[64 * j + 32 + l] & 0xf) << 4));
    }
    for (int l = 0; l < 32; ++l) {
        uint8_t bits = 0;
        for (int g = 0; g < kGroups; ++g)
            bits |= uint8_t(((L[g * kGroupSize + l] >> 4) & 1) << g);
        b.qh[l] = bits;
    }
}

} // namespace

void dequantizeRow(const void *src, float *dst, int64_t n)
{
    dequantizeScaleMinRow<BlockQ5_K, levels>(src, dst, n);
}

void quantizeRow(const float *src, void *dst, int64_t n)
{
    auto *blocks = static_cast<BlockQ5_K *>(dst);
    for (int64_t i = 0; i < n / kQK_K; ++i)
        quantizeBlock(src + i * kQK_K, blocks[i]);
}

float vecDot(int64_t n, const void *weightRow, const void *activationRow)
{
    return vecDotScaleMinQ8K<BlockQ5_K, levels>(n, weightRow, activationRow);
}

} // namespace enclave::ref::q5_k
