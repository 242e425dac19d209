// Q2_K: super-blocks of 256 in 16 groups of 16, x = d * sc[g] * q - dmin * m[g] with 2-bit q and
// 4-bit sc/m (one byte per group); dot products take Q8_K activations (whose bsums give the min terms).
#include "engine/quant/blocks.h"
#include "engine/quant/float_convert.h"
#include "engine/quant/quant_math.h"
#include "engine/quant/reference.h"

namespace enclave::ref::q2_k {
namespace {

constexpr int kGroups = 16;
constexpr int kGroupSize = 16;

// Element e = 128 n + 32 j + l is bits 2j..2j+1 of qs[32 n + l].
void levels(const BlockQ2_K &b, uint8_t *q)
{
    for (int n = 0; n < 2; ++n) {
        for (int j = 0; j < 4; ++j) {
            for (int l = 0; l < 32; ++l)
                q[128 * n + 32 * j + l] = (b.qs[32 * n + l] >> (2 * j)) & 3;
        }
    }
}

void quantizeBlock(const float *x, BlockQ2_K &b)
{
    float scales[kGroups], mins[kGroups];
    fitScaleMinGroups(x, kGroups, kGroupSize, 3, scales, mins);
    uint8_t qScales[kGroups], qMins[kGroups];
    b.d = fp32ToFp16(quantizeGroupScales(scales, kGroups, 15, qScales));
    b.dmin = fp32ToFp16(quantizeGroupScales(mins, kGroups, 15, qMins));
    const float d = fp16ToFp32(b.d), dmin = fp16ToFp32(b.dmin);
    uint8_t L[kQK_K];
    for (int g = 0; g < kGroups; ++g) {
        b.scales[g] = uint8_t(qScales[g] | (qMins[g] << 4));
        scaleMinLevels(x + g * kGroupSize, kGroupSize, d * qScales[g], dmin * qMins[g], 3, L + g * kGroupSize);
    }
    for (int n = 0; n < 2; ++n) {
        for (int l = 0; l < 32; ++l) {
            uint8_t byte = 0;
            for (int j = 0; j < 4; ++j)
                byte |= uint8_t(L[128 * n + 32 * j + l] << (2 * j));
            b.qs[32 * n + l] = byte;
        }
    }
}

} // namespace

void dequantizeRow(const void *src, float *dst, int64_t n)
{
    const auto *blocks = static_cast<const BlockQ2_K *>(src);
    for (int64_t i = 0; i < n / kQK_K; ++i, dst += kQK_K) {
        const float d = fp16ToFp32(blocks[i].d), dmin = fp16ToFp32(blocks[i].dmin);
        uint8_t q[kQK_K];
        levels(blocks[i], q);
        for (int g = 0; g < kGroups; ++g) {
            const float dl = d * float(blocks[i].scales[g] & 0xf);
            const float ml = dmin * float(blocks[i].scales[g] >> 4);
            for (int l = 0; l < kGroupSize; ++l)
                dst[g * kGroupSize + l] = dl * float(q[g * kGroupSize + l]) - ml;
        }
    }
}

void quantizeRow(const float *src, void *dst, int64_t n)
{
    auto *blocks = static_cast<BlockQ2_K *>(dst);
    for (int64_t i = 0; i < n / kQK_K; ++i)
        quantizeBlock(src + i * kQK_K, blocks[i]);
}

float vecDot(int64_t n, const void *weightRow, const void *activationRow)
{
    const auto *w = static_cast<const BlockQ2_K *>(weightRow);
    const auto *a = static_cast<const BlockQ8_K *>(activationRow);
    float sum = 0;
    for (int64_t i = 0; i < n / kQK_K; ++i) {
        uint8_t q[kQK_K];
        levels(w[i], q);
        int sumQ = 0, sumMin = 0;
        for (int g = 0; g < kGroups; ++g) {
            int isum = 0;
            for (int l = 0; l < kGroupSize; ++l)
                isum += q[g * kGroupSize + l] * a[i].qs[g * kGroupSize + l];
            sumQ += (w[i].scales[g] & 0xf) * isum;
            sumMin += (w[i].scales[g] >> 4) * a[i].bsums[g];
        }
        sum += fp16ToFp32(w[i].d) * a[i].d * float(sumQ) - fp16ToFp32(w[i].dmin) * a[i].d * float(sumMin);
    }
    return sum;
}

} // namespace enclave::ref::q2_k
