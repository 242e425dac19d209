// MXFP4: blocks of 32 e2m1 values (0, 0.5, 1, 1.5, 2, 3, 4, 6 and negatives) sharing a power-of-two
// scale, x = kMxfp4Values[q] * 2^(e - 128). Dot products take Q8_0 activations (blocks of 32 too).
#include "engine/quant/blocks.h"
#include "engine/quant/float_convert.h"
#include "engine/quant/quant_math.h"
#include "engine/quant/reference.h"

#include <cmath>

namespace enclave::ref::mxfp4 {
namespace {

// The level nearest to x / scale; on a tie the lower index (so 0 is +0).
uint8_t nearestLevel(float x, float scale)
{
    int best = 0;
    float bestErr = std::fabs(float(kMxfp4Values[0]) * scale - x);
    for (int k = 1; k < 16; ++k) {
        const float err = std::fabs(float(kMxfp4Values[k]) * scale - x);
        if (err < bestErr) {
            best = k;
            bestErr = err;
        }
    }
    return uint8_t(best);
}

// The block exponent maps the largest magnitude into [4, 8) times 2^(e - 127), so it rounds to at
// most 6 (the largest e2m1 value); larger ones saturate there.
uint8_t blockExponent(const float *x)
{
    float amax = 0;
    for (int j = 0; j < kQKMxfp4; ++j)
        amax = std::fmax(amax, std::fabs(x[j]));
    if (!(amax > 0) || !std::isfinite(amax))
        return amax > 0 ? 254 : 0;
    return uint8_t(clampInt(int(std::floor(std::log2(amax))) - 2 + 127, 0, 254));
}

} // namespace

void dequantizeRow(const void *src, float *dst, int64_t n)
{
    const auto *blocks = static_cast<const BlockMXFP4 *>(src);
    for (int64_t i = 0; i < n / kQKMxfp4; ++i, dst += kQKMxfp4) {
        const float d = e8m0HalfToFp32(blocks[i].e);
        uint8_t q[kQKMxfp4];
        unpackNibbles32(blocks[i].qs, q);
        for (int j = 0; j < kQKMxfp4; ++j)
            dst[j] = float(kMxfp4Values[q[j]]) * d;
    }
}

void quantizeRow(const float *src, void *dst, int64_t n)
{
    auto *blocks = static_cast<BlockMXFP4 *>(dst);
    for (int64_t i = 0; i < n / kQKMxfp4; ++i, src += kQKMxfp4) {
        blocks[i].e = blockExponent(src);
        const float d = e8m0HalfToFp32(blocks[i].e);
        uint8_t q[kQKMxfp4];
        for (int j = 0; j < kQKMxfp4; ++j)
            q[j] = nearestLevel(src[j], d);
        packNibbles32(q, blocks[i].qs);
    }
}

float vecDot(int64_t n, const void *weightRow, const void *activationRow)
{
    const auto *w = static_cast<const BlockMXFP4 *>(weightRow);
    const auto *a = static_cast<const BlockQ8_0 *>(activationRow);
    float sum = 0;
    for (int64_t i = 0; i < n / kQKMxfp4; ++i) {
        uint8_t q[kQKMxfp4];
        unpackNibbles32(w[i].qs, q);
        int isum = 0;
        for (int j = 0; j < kQKMxfp4; ++j)
            isum += kMxfp4Values[q[j]] * a[i].qs[j];
        sum += e8m0HalfToFp32(w[i].e) * fp16ToFp32(a[i].d) * float(isum);
    }
    return sum;
}

} // namespace enclave::ref::mxfp4
