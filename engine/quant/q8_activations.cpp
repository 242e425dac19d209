// Q8_1 and Q8_K: the int8 activation formats (Q8_1 carries d * sum(q), Q8_K a float scale per 256
// and the sums of each 16 quants for the k-quant minimum terms). Rounding as in q8_0.cpp.
#include "engine/quant/blocks.h"
#include "engine/quant/float_convert.h"
#include "engine/quant/quant_math.h"
#include "engine/quant/reference.h"

#include <cmath>

namespace enclave::ref {

namespace q8_1 {

void dequantizeRow(const void *src, float *dst, int64_t n)
{
    const auto *blocks = static_cast<const BlockQ8_1 *>(src);
    for (int64_t i = 0; i < n / kQK8_0; ++i, dst += kQK8_0) {
        const float d = fp16ToFp32(blocks[i].d);
        for (int j = 0; j < kQK8_0; ++j)
            dst[j] = float(blocks[i].qs[j]) * d;
    }
}

void quantizeRow(const float *src, void *dst, int64_t n)
{
    auto *blocks = static_cast<BlockQ8_1 *>(dst);
    for (int64_t i = 0; i < n / kQK8_0; ++i, src += kQK8_0) {
        const float d = std::fabs(maxAbsSigned(src, kQK8_0)) / 127.0f;
        const float id = d != 0 ? 1.0f / d : 0.0f;
        int sum = 0;
        for (int j = 0; j < kQK8_0; ++j) {
            blocks[i].qs[j] = int8_t(nearestInt(src[j] * id));
            sum += blocks[i].qs[j];
        }
        blocks[i].d = fp32ToFp16(d);
        blocks[i].s = fp32ToFp16(d * float(sum));
    }
}

// Q8_1 weights against Q8_0 activations (Q8_1 is not a weight format in practice; kept complete).
float vecDot(int64_t n, const void *weightRow, const void *activationRow)
{
    const auto *w = static_cast<const BlockQ8_1 *>(weightRow);
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

} // namespace q8_1

namespace q8_k {

void dequantizeRow(const void *src, float *dst, int64_t n)
{
    const auto *blocks = static_cast<const BlockQ8_K *>(src);
    for (int64_t i = 0; i < n / kQK_K; ++i, dst += kQK_K) {
        for (int j = 0; j < kQK_K; ++j)
            dst[j] = float(blocks[i].qs[j]) * blocks[i].d;
    }
}

void quantizeRow(const float *src, void *dst, int64_t n)
{
    auto *blocks = static_cast<BlockQ8_K *>(dst);
    for (int64_t i = 0; i < n / kQK_K; ++i, src += kQK_K) {
        const float d = std::fabs(maxAbsSigned(src, kQK_K)) / 127.0f;
        const float id = d != 0 ? 1.0f / d : 0.0f;
        for (int j = 0; j < kQK_K; ++j)
            blocks[i].qs[j] = int8_t(nearestInt(src[j] * id));
        for (int g = 0; g < kQK_K / 16; ++g) {
            int sum = 0;
            for (int j = 0; j < 16; ++j)
                sum += blocks[i].qs[16 * g + j];
            blocks[i].bsums[g] = int16_t(sum);
        }
        blocks[i].d = d;
    }
}

float vecDot(int64_t n, const void *weightRow, const void *activationRow)
{
    const auto *w = static_cast<const BlockQ8_K *>(weightRow);
    const auto *a = static_cast<const BlockQ8_K *>(activationRow);
    float sum = 0;
    for (int64_t i = 0; i < n / kQK_K; ++i) {
        int isum = 0;
        for (int j = 0; j < kQK_K; ++j)
            isum += w[i].qs[j] * a[i].qs[j];
        sum += w[i].d * a[i].d * float(isum);
    }
    return sum;
}

} // namespace q8_k

} // namespace enclave::ref
