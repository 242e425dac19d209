// Q3_K: super-blocks of 256 in 16 groups of 16, x = d * (s[g] - 32) * q with q in [-4, 3] (2 low bits
// in qs, an "add 4" bit in hmask) and 6-bit s; dot products take Q8_K activations.
#include "engine/quant/blocks.h"
#include "engine/quant/float_convert.h"
#include "engine/quant/quant_math.h"
#include "engine/quant/reference.h"

#include <cstring>

namespace enclave::ref::q3_k {
namespace {

constexpr int kGroups = 16;
constexpr int kGroupSize = 16;

// Signed group scale s[g] - 32 (layout in blocks.h).
int groupScale(const uint8_t *scales, int g)
{
    const int low = g < 8 ? scales[g] & 0xf : scales[g - 8] >> 4;
    const int high = (scales[8 + g % 4] >> (2 * (g / 4))) & 3;
    return (low | (high << 4)) - 32;
}

// Element e = 128 n + 32 j + l: bits 2j of qs[32 n + l], minus 4 unless bit 4n + j of hmask[l] is set.
void levels(const BlockQ3_K &b, int8_t *q)
{
    for (int n = 0; n < 2; ++n) {
        for (int j = 0; j < 4; ++j) {
            for (int l = 0; l < 32; ++l) {
                const int low = (b.qs[32 * n + l] >> (2 * j)) & 3;
                const bool high = (b.hmask[l] >> (4 * n + j)) & 1;
                q[128 * n + 32 * j + l] = int8_t(high ? low : low - 4);
            }
        }
    }
}

void packScales(const int *signedScales, uint8_t *scales)
{
    std::memset(scales, 0, 12);
    for (int g = 0; g < kGroups; ++g) {
        const int v = signedScales[g] + 32;
        scales[g % 8] |= uint8_t((v & 0xf) << (g < 8 ? 0 : 4));
        scales[8 + g % 4] |= uint8_t((v >> 4) << (2 * (g / 4)));
    }
}

void packLevels(const int8_t *L, BlockQ3_K &b)
{
    std::memset(b.hmask, 0, sizeof(b.hmask));
    std::memset(b.qs, 0, sizeof(b.qs));
    for (int n = 0; n < 2; ++n) {
        for (int j = 0; j < 4; ++j) {
            for (int l = 0; l < 32; ++l) {
                const int v = L[128 * n + 32 * j + l] + 4; // 0..7
                b.qs[32 * n + l] |= uint8_t((v & 3) << (2 * j));
                b.hmask[l] |= uint8_t((v >> 2) << (4 * n + j));
            }
        }
    }
}

void quantizeBlock(const float *x, BlockQ3_K &b)
{
    float scales[kGroups];
    fitSymmetricGroups(x, kGroups, kGroupSize, 4, scales);
    const float peak = maxAbsSigned(scales, kGroups);
    const float iscale = peak != 0 ? -32.0f / peak : 0.0f;
    int qScales[kGroups];
    for (int g = 0; g < kGroups; ++g)
        qScales[g] = clampInt(nearestInt(iscale * scales[g]), -32, 31);
    b.d = fp32ToFp16(peak != 0 ? 1.0f / iscale : 0.0f);
    packScales(qScales, b.scales);
    const float d = fp16ToFp32(b.d);
    int8_t L[kQK_K];
    for (int g = 0; g < kGroups; ++g)
        symmetricLevels(x + g * kGroupSize, kGroupSize, d * float(qScales[g]), 4, L + g * kGroupSize);
    packLevels(L, b);
}

} // namespace

void dequantizeRow(const void *src, float *dst, int64_t n)
{
    const auto *blocks = static_cast<const BlockQ3_K *>(src);
    for (int64_t i = 0; i < n / kQK_K; ++i, dst += kQK_K) {
        const float d = fp16ToFp32(blocks[i].d);
        int8_t q[kQK_K];
        levels(blocks[i], q);
        for (int g = 0; g < kGroups; ++g) {
            const float dl = d * float(groupScale(blocks[i].scales, g));
            for (int l = 0; l < kGroupSize; ++l)
                dst[g * kGroupSize + l] = dl * float(q[g * kGroupSize + l]);
        }
    }
}

void quantizeRow(const float *src, void *dst, int64_t n)
{
    auto *blocks = static_cast<BlockQ3_K *>(dst);
    for (int64_t i = 0; i < n / kQK_K; ++i)
        quantizeBlock(src + i * kQK_K, blocks[i]);
}

float vecDot(int64_t n, const void *weightRow, const void *activationRow)
{
    const auto *w = static_cast<const BlockQ3_K *>(weightRow);
    const auto *a = static_cast<const BlockQ8_K *>(activationRow);
    float sum = 0;
    for (int64_t i = 0; i < n / kQK_K; ++i) {
        int8_t q[kQK_K];
        levels(w[i], q);
        int sumQ = 0;
        for (int g = 0; g < kGroups; ++g) {
            int isum = 0;
            for (int l = 0; l < kGroupSize; ++l)
                isum += q[g * kGroupSize + l] * a[i].qs[g * kGroupSize + l];
            sumQ += groupScale(w[i].scales, g) * isum;
        }
        sum += fp16ToFp32(w[i].d) * a[i].d * float(sumQ);
    }
    return sum;
}

} // namespace enclave::ref::q3_k
