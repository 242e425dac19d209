// Q5_K: super-blocks of 256 in 8 groups of 32, x = d * sc[g] * q - dmin * m[g] with 5-bit q (nibble +
// bit g of qh[e % 32]) and 6-bit sc/m; dot products take Q8_K activations.
#include "engine/quant/blocks.h"
#include "engine/quant/float_convert.h"
#include "engine/quant/quant_math.h"
#include "engine/quant/reference.h"

namespace enclave::ref::q5_k {
namespace {

constexpr int kGroups = 8;
constexpr int kGroupSize = 32;

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
    const auto *blocks = static_cast<const BlockQ5_K *>(src);
    for (int64_t i = 0; i < n / kQK_K; ++i, dst += kQK_K) {
        const float d = fp16ToFp32(blocks[i].d), dmin = fp16ToFp32(blocks[i].dmin);
        uint8_t q[kQK_K];
        levels(blocks[i], q);
        for (int g = 0; g < kGroups; ++g) {
            int sc = 0, m = 0;
            unpackScaleMinK4(blocks[i].scales, g, sc, m);
            const float dl = d * float(sc), ml = dmin * float(m);
            for (int l = 0; l < kGroupSize; ++l)
                dst[g * kGroupSize + l] = dl * float(q[g * kGroupSize + l]) - ml;
        }
    }
}

void quantizeRow(const float *src, void *dst, int64_t n)
{
    auto *blocks = static_cast<BlockQ5_K *>(dst);
    for (int64_t i = 0; i < n / kQK_K; ++i)
        quantizeBlock(src + i * kQK_K, blocks[i]);
}

float vecDot(int64_t n, const void *weightRow, const void *activationRow)
{
    const auto *w = static_cast<const BlockQ5_K *>(weightRow);
    const auto *a = static_cast<const BlockQ8_K *>(activationRow);
    float sum = 0;
    for (int64_t i = 0; i < n / kQK_K; ++i) {
        uint8_t q[kQK_K];
        levels(w[i], q);
        int sumQ = 0, sumMin = 0;
        for (int g = 0; g < kGroups; ++g) {
            int sc = 0, m = 0;
            unpackScaleMinK4(w[i].scales, g, sc, m);
            int isum = 0;
            for (int l = 0; l < kGroupSize; ++l)
                isum += q[g * kGroupSize + l] * a[i].qs[g * kGroupSize + l];
            sumQ += sc * isum;
            sumMin += m * (a[i].bsums[2 * g] + a[i].bsums[2 * g + 1]);
        }
        sum += fp16ToFp32(w[i].d) * a[i].d * float(sumQ) - fp16ToFp32(w[i].dmin) * a[i].d * float(sumMin);
    }
    return sum;
}

} // namespace enclave::ref::q5_k
