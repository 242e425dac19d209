// Q5_1: blocks of 32, x = d * q + m with 5-bit q (nibble + bit of qh); dot products take Q8_0.
#include "engine/quant/blocks.h"
#include "engine/quant/float_convert.h"
#include "engine/quant/quant_math.h"
#include "engine/quant/reference.h"

#include <cmath>

namespace enclave::ref::q5_1 {
namespace {

void levels(const BlockQ5_1 &b, uint8_t *q)
{
    unpackNibbles32(b.qs, q);
    unpackFifthBits32(b.qh, q);
}

} // namespace

void dequantizeRow(const void *src, float *dst, int64_t n)
{
    const auto *blocks = static_cast<const BlockQ5_1 *>(src);
    for (int64_t i = 0; i < n / kQK4_0; ++i, dst += kQK4_0) {
        const float d = fp16ToFp32(blocks[i].d);
        const float m = fp16ToFp32(blocks[i].m);
        uint8_t q[kQK4_0];
        levels(blocks[i], q);
        for (int j = 0; j < kQK4_0; ++j)
            dst[j] = d * float(q[j]) + m;
    }
}

void quantizeRow(const float *src, void *dst, int64_t n)
{
    auto *blocks = static_cast<BlockQ5_1 *>(dst);
    for (int64_t i = 0; i < n / kQK4_0; ++i, src += kQK4_0) {
        float lo = src[0], hi = src[0];
        for (int j = 1; j < kQK4_0; ++j) {
            lo = std::fmin(lo, src[j]);
            hi = std::fmax(hi, src[j]);
        }
        const float d = (hi - lo) / 31.0f;
        const float id = d != 0 ? 1.0f / d : 0.0f;
        uint8_t q[kQK4_0];
        for (int j = 0; j < kQK4_0; ++j)
            q[j] = uint8_t(clampInt(nearestInt((src[j] - lo) * id), 0, 31));
        blocks[i].d = fp32ToFp16(d);
        blocks[i].m = fp32ToFp16(lo);
        packNibbles32(q, blocks[i].qs);
        packFifthBits32(q, blocks[i].qh);
    }
}

float vecDot(int64_t n, const void *weightRow, const void *activationRow)
{
    const auto *w = static_cast<const BlockQ5_1 *>(weightRow);
    const auto *a = static_cast<const BlockQ8_0 *>(activationRow);
    float sum = 0;
    for (int64_t i = 0; i < n / kQK4_0; ++i) {
        uint8_t q[kQK4_0];
        levels(w[i], q);
        int isum = 0, asum = 0;
        for (int j = 0; j < kQK4_0; ++j) {
            isum += q[j] * a[i].qs[j];
            asum += a[i].qs[j];
        }
        const float da = fp16ToFp32(a[i].d);
        sum += fp16ToFp32(w[i].d) * da * float(isum) + fp16ToFp32(w[i].m) * da * float(asum);
    }
    return sum;
}

} // namespace enclave::ref::q5_1
