// Q6_K: super-blocks of 256 in 16 groups of 16, x = d * sc[g] * (q - 32) with 6-bit q (4 bits in ql,
// 2 in qh) and int8 sc; dot products take Q8_K activations.
#include "engine/quant/blocks.h"
#include "engine/quant/float_convert.h"
#include "engine/quant/quant_math.h"
#include "engine/quant/reference.h"

#include <cstring>

namespace enclave::ref::q6_k {
namespace {

constexpr int kGroups = 16;
constexpr int kGroupSize = 16;

// Element e = 128 n + 32 j + l: low nibble (j < 2) or high nibble (j >= 2) of ql[64 n + 32 (j & 1) + l],
// top bits 2j..2j+1 of qh[32 n + l]; returned minus 32.
void levels(const BlockQ6_K &b, int8_t *q)
{
    for (int n = 0; n < 2; ++n) {
        for (int j = 0; j < 4; ++j) {
            for (int l = 0; l < 32; ++l) {
                const uint8_t lowByte = b.ql[64 * n + 32 * (j & 1) + l];
                const int low = j < 2 ? lowByte & 0xf : lowByte >> 4;
                const int high = (b.qh[32 * n + l] >> (2 * j)) & 3;
                q[128 * n + 32 * j + l] = int8_t((low | (high << 4)) - 32);
            }
        }
    }
}

void packLevels(const int8_t *L, BlockQ6_K &b)
{
    std::memset(b.ql, 0, sizeof(b.ql));
    std::memset(b.qh, 0, sizeof(b.qh));
    for (int n = 0; n < 2; ++n) {
        for (int j = 0; j < 4; ++j) {
            for (int l = 0; l < 32; ++l) {
                const int v = L[128 * n + 32 * j + l] + 32; // 0..63
                b.ql[64 * n + 32 * (j & 1) + l] |= uint8_t((v & 0xf) << (j < 2 ? 0 : 4));
                b.qh[32 * n + l] |= uint8_t((v >> 4) << (2 * j));
            }
        }
    }
}

void quantizeBlock(const float *x, BlockQ6_K &b)
{
    float scales[kGroups];
    fitSymmetricGroups(x, kGroups, kGroupSize, 32, scales);
    const float peak = maxAbsSigned(scales, kGroups);
    const float iscale = peak != 0 ? -128.0f / peak : 0.0f;
    for (int g = 0; g < kGroups; ++g)
        b.scales[g] = int8_t(clampInt(nearestInt(iscale * scales[g]), -128, 127));
    b.d = fp32ToFp16(peak != 0 ? 1.0f / iscale : 0.0f);
    const float d = fp16ToFp32(b.d);
    int8_t L[kQK_K];
    for (int g = 0; g < kGroups; ++g)
        symmetricLevels(x + g * kGroupSize, kGroupSize, d * float(b.scales[g]), 32, L + g * kGroupSize);
    packLevels(L, b);
}

} // namespace

void dequantizeRow(const void *src, float *dst, int64_t n)
{
    const auto *blocks = static_cast<const BlockQ6_K *>(src);
    for (int64_t i = 0; i < n / kQK_K; ++i, dst += kQK_K) {
        const float d = fp16ToFp32(blocks[i].d);
        int8_t q[kQK_K];
        levels(blocks[i], q);
        for (int g = 0; g < kGroups; ++g) {
            const float dl = d * float(blocks[i].scales[g]);
            for (int l = 0; l < kGroupSize; ++l)
                dst[g * kGroupSize + l] = dl * float(q[g * kGroupSize + l]);
        }
    }
}

void quantizeRow(const float *src, void *dst, int64_t n)
{
    auto *blocks = static_cast<BlockQ6_K *>(dst);
    for (int64_t i = 0; i < n / kQK_K; ++i)
        quantizeBlock(src + i * kQK_K, blocks[i]);
}

float vecDot(int64_t n, const void *weightRow, const void *activationRow)
{
    const auto *w = static_cast<const BlockQ6_K *>(weightRow);
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
            sumQ += w[i].scales[g] * isum;
        }
        sum += fp16ToFp32(w[i].d) * a[i].d * float(sumQ);
    }
    return sum;
}

} // namespace enclave::ref::q6_k
