// Q8_0: blocks of 32, x = d * q with int8 q. Both a weight format and the activation format of the
// legacy quants; the quantizer rounds half to even exactly like the SIMD activation quantizers.
#include "engine/quant/blocks.h"
#include "engine/quant/float_convert.h"
#include "engine/quant/quant_math.h"
#include "engine/quant/reference.h"

#include <cmath>

namespace enclave::ref::q8_0 {

void dequantizeRow(const void *src, float *dst, int64_t n)
{
    const auto *blocks = static_cast<const BlockQ8_0 *>(src);
    for (int64_t i = 0; i < n / kQK8_0; ++i, dst += kQK8_0) {
        const float d = fp16ToFp32(blocks[i].d);
        for (int j = 0; j < kQK8_0; ++j)
            dst[j] = float(blocks[i].qs[j]) * d;
    }
}

void quantizeRow(const float *src, void *dst, int64_t n)
{
    auto *blocks = static_cast<BlockQ8_0 *>(dst);
    for (int64_t i = 0; i < n / kQK8_0; ++i, src += kQK8_0) {
        const float d = std::fabs(maxAbsSigned(src, kQK8_0)) / 127.0f;
        const float id = d != 0 ? 1.0f / d : 0.0f;
        for (int j = 0; j < kQK8_0; ++j)
            blocks[i].qs[j] = int8_t(nearestInt(src[j] * id));
        blocks[i].d = fp32ToFp16(d);
    }
}

float vecDot(int64_t n, const void *weightRow, const void *activationRow)
{
    const auto *w = static_cast<const BlockQ8_0 *>(weightRow);
    const auto *a = static_cast<const BlockQ8_0 *>(activationRow);
    float sum = 0;
    for (int64_t i = 0; i < n / kQK8_0; ++i) {
        int isum = 0;
        for (int j = 0; j < kQK8_0; ++j)
            isum += w[i].qs[j] * a[i].qs[j];
        sum += fp16ToFp32(w[i].d) * fp16ToFp32(a[i].d) * float(isum);
    }
    return sum;
}

} // namespace enclave::ref::q8_0
