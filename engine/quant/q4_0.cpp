// Q4_0: blocks of 32, x = d * (q - 8) with 4-bit q; dot products take Q8_0 activations.
#include "engine/quant/blocks.h"
#include "engine/quant/float_convert.h"
#include "engine/quant/quant_math.h"
#include "engine/quant/reference.h"

namespace enclave::ref::q4_0 {

void dequantizeRow(const void *src, float *dst, int64_t n)
{
    const auto *blocks = static_cast<const BlockQ4_0 *>(src);
    for (int64_t i = 0; i < n / kQK4_0; ++i, dst += kQK4_0) {
        const float d = fp16ToFp32(blocks[i].d);
        uint8_t q[kQK4_0];
        unpackNibbles32(blocks[i].qs, q);
        for (int j = 0; j < kQK4_0; ++j)
            dst[j] = d * float(q[j] - 8);
    }
}

void quantizeRow(const float *src, void *dst, int64_t n)
{
    auto *blocks = static_cast<BlockQ4_0 *>(dst);
    for (int64_t i = 0; i < n / kQK4_0; ++i, src += kQK4_0) {
        const float d = maxAbsSigned(src, kQK4_0) / -8.0f; // the peak maps to level -8
        const float id = d != 0 ? 1.0f / d : 0.0f;
        uint8_t q[kQK4_0];
        for (int j = 0; j < kQK4_0; ++j)
            q[j] = uint8_t(clampInt(nearestInt(src[j] * id) + 8, 0, 15));
        blocks[i].d = fp32ToFp16(d);
        packNibbles32(q, blocks[i].qs);
    }
}

float vecDot(int64_t n, const void *weightRow, const void *activationRow)
{
    const auto *w = static_cast<const BlockQ4_0 *>(weightRow);
    const auto *a = static_cast<const BlockQ8_0 *>(activationRow);
    float sum = 0;
    for (int64_t i = 0; i < n / kQK4_0; ++i) {
        uint8_t q[kQK4_0];
        unpackNibbles32(w[i].qs, q);
        int isum = 0;
        for (int j = 0; j < kQK4_0; ++j)
            isum += (q[j] - 8) * a[i].qs[j];
        sum += fp16ToFp32(w[i].d) * fp16ToFp32(a[i].d) * float(isum);
    }
    return sum;
}

} // namespace enclave::ref::q4_0
