// Q5_0: blocks of 32, x = d * (q - 16) with 5-bit q (nibble + bit of qh); dot products take Q8_0.
#include "engine/quant/blocks.h"
#include "engine/quant/float_convert.h"
#include "engine/quant/quant_math.h"
#include "engine/quant/reference.h"

namespace enclave::ref::q5_0 {
namespace {

void levels(const BlockQ5_0 &b, uint8_t *q)
{
    unpackNibbles32(b.qs, q);
    unpackFifthBits32(b.qh, q);
}

} // namespace

void dequantizeRow(const void *src, float *dst, int64_t n)
{
    const auto *blocks = static_cast<const BlockQ5_0 *>(src);
    for (int64_t i = 0; i < n / kQK4_0; ++i, dst += kQK4_0) {
        const float d = fp16ToFp32(blocks[i].d);
        uint8_t q[kQK4_0];
        levels(blocks[i], q);
        for (int j = 0; j < kQK4_0; ++j)
            dst[j] = d * float(q[j] - 16);
    }
}

void quantizeRow(const float *src, void *dst, int64_t n)
{
    auto *blocks = static_cast<BlockQ5_0 *>(dst);
    for (int64_t i = 0; i < n / kQK4_0; ++i, src += kQK4_0) {
        const float d = maxAbsSigned(src, kQK4_0) / -16.0f; // the peak maps to level -16
        const float id = d != 0 ? 1.0f / d : 0.0f;
        uint8_t q[kQK4_0];
        for (int j = 0; j < kQK4_0; ++j)
            q[j] = uint8_t(clampInt(nearestInt(src[j] * id) + 16, 0, 31));
        blocks[i].d = fp32ToFp16(d);
        packNibbles32(q, blocks[i].qs);
        packFifthBits32(q, blocks[i].qh);
    }
}

float vecDot(int64_t n, const void *weightRow, const void *activationRow)
{
    const auto *w = static_cast<const BlockQ5_0 *>(weightRow);
    const auto *a = static_cast<const BlockQ8_0 *>(activationRow);
    float sum = 0;
    for (int64_t i = 0; i < n / kQK4_0; ++i) {
        uint8_t q[kQK4_0];
        levels(w[i], q);
        int isum = 0;
        for (int j = 0; j < kQK4_0; ++j)
            isum += (q[j] - 16) * a[i].qs[j];
        sum += fp16ToFp32(w[i].d) * fp16ToFp32(a[i].d) * float(isum);
    }
    return sum;
}

} // namespace enclave::ref::q5_0
