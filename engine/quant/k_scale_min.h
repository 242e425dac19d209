// The scale/min super-block shared by Q4_K and Q5_K: 256 values in 8 groups of 32,
// x = d * sc[g] * q - dmin * m[g] with 6-bit sc/m packed in 12 bytes. The formats differ
// only in how the levels q are stored; each passes its own levels() unpacker.
#pragma once

#include "engine/quant/blocks.h"
#include "engine/quant/float_convert.h"
#include "engine/quant/quant_math.h"

#include <cstdint>

namespace enclave::ref {

inline constexpr int kScaleMinGroups = 8;
inline constexpr int kScaleMinGroupSize = 32;

template <typename Block, void (*Levels)(const Block &, uint8_t *)>
void dequantizeScaleMinRow(const void *src, float *dst, int64_t n)
{
    const auto *blocks = static_cast<const Block *>(src);
    for (int64_t i = 0; i < n / kQK_K; ++i, dst += kQK_K) {
        const float d = fp16ToFp32(blocks[i].d), dmin = fp16ToFp32(blocks[i].dmin);
        uint8_t q[kQK_K];
        Levels(blocks[i], q);
        for (int g = 0; g < kScaleMinGroups; ++g) {
            int sc = 0, m = 0;
            unpackScaleMinK4(blocks[i].scales, g, sc, m);
            const float dl = d * float(sc), ml = dmin * float(m);
            for (int l = 0; l < kScaleMinGroupSize; ++l)
                dst[g * kScaleMinGroupSize + l] = dl * float(q[g * kScaleMinGroupSize + l]) - ml;
        }
    }
}

// Dot product with Q8_K activations, whose per-16 sums (bsums) give the min terms.
template <typename Block, void (*Levels)(const Block &, uint8_t *)>
float vecDotScaleMinQ8K(int64_t n, const void *weightRow, const void *activationRow)
{
    const auto *w = static_cast<const Block *>(weightRow);
    const auto *a = static_cast<const BlockQ8_K *>(activationRow);
    float sum = 0;
    for (int64_t i = 0; i < n / kQK_K; ++i) {
        uint8_t q[kQK_K];
        Levels(w[i], q);
        int sumQ = 0, sumMin = 0;
        for (int g = 0; g < kScaleMinGroups; ++g) {
            int sc = 0, m = 0;
            unpackScaleMinK4(w[i].scales, g, sc, m);
            int isum = 0;
            for (int l = 0; l < kScaleMinGroupSize; ++l)
                isum += q[g * kScaleMinGroupSize + l] * a[i].qs[g * kScaleMinGroupSize + l];
            sumQ += sc * isum;
            sumMin += m * (a[i].bsums[2 * g] + a[i].bsums[2 * g + 1]);
        }
        sum += fp16ToFp32(w[i].d) * a[i].d * float(sumQ) - fp16ToFp32(w[i].dmin) * a[i].d * float(sumMin);
    }
    return sum;
}

} // namespace enclave::ref
