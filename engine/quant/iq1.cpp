// IQ1_S and IQ1_M: 1.5- and 1.75-bit codebook formats (blocks.h has the layouts). Each group of 8
// elements is one point of values -1, 0, 1, shifted by +-kIq1Delta per group (IQ1_M) or per
// sub-block (IQ1_S), and scaled by d * (2 ls + 1) with a 3-bit ls per sub-block (IQ1_S) or per
// group of 16 (IQ1_M). Dot products take Q8_K activations. No quantizer: see iq2.cpp.
#include "engine/quant/blocks.h"
#include "engine/quant/float_convert.h"
#include "engine/quant/iq_grids.h"
#include "engine/quant/reference.h"

#include <cstring>

namespace enclave::ref {
namespace {

constexpr int kGroups = kQK_K / 8;

// A decoded super-block: the grid point of every group of 8, its shift's sign, and the odd
// multiplier 2 ls + 1 of every group of 8 (repeated across the groups that share it).
struct Decoded {
    float d;
    uint64_t point[kGroups];
    bool negativeShift[kGroups];
    int multiplier[kGroups];
};

void decode(const BlockIQ1_S &b, Decoded &out)
{
    out.d = fp16ToFp32(b.d);
    for (int ib = 0; ib < kQK_K / 32; ++ib) {
        const uint16_t qh = b.qh[ib];
        for (int l = 0; l < 4; ++l) {
            const int g = 4 * ib + l;
            out.point[g] = kIq1sGrid[b.qs[g] | (((qh >> (3 * l)) & 7) << 8)];
            out.negativeShift[g] = (qh & 0x8000) != 0;
            out.multiplier[g] = 2 * ((qh >> 12) & 7) + 1;
        }
    }
}

void decode(const BlockIQ1_M &b, Decoded &out)
{
    uint16_t sc[4];
    std::memcpy(sc, b.scales, sizeof sc);
    const uint16_t dBits = uint16_t((sc[0] >> 12) | ((sc[1] >> 8) & 0x00f0) | ((sc[2] >> 4) & 0x0f00) | (sc[3] & 0xf000));
    out.d = fp16ToFp32(dBits);
    for (int ib = 0; ib < kQK_K / 32; ++ib) {
        for (int l = 0; l < 4; ++l) {
            const int g = 4 * ib + l;
            const int nibble = (b.qh[2 * ib + l / 2] >> (4 * (l % 2))) & 0xf;
            out.point[g] = kIq1sGrid[b.qs[g] | ((nibble & 7) << 8)];
            out.negativeShift[g] = (nibble & 8) != 0;
            out.multiplier[g] = 2 * ((sc[ib / 2] >> (6 * (ib % 2) + 3 * (l / 2))) & 7) + 1;
        }
    }
}

template <typename Block>
void dequantize(const void *src, float *dst, int64_t n)
{
    const auto *blocks = static_cast<const Block *>(src);
    Decoded dec;
    for (int64_t i = 0; i < n / kQK_K; ++i) {
        decode(blocks[i], dec);
        for (int g = 0; g < kGroups; ++g, dst += 8) {
            const float dl = dec.d * float(dec.multiplier[g]);
            const float delta = dec.negativeShift[g] ? -kIq1Delta : kIq1Delta;
            for (int j = 0; j < 8; ++j)
                dst[j] = dl * (float(gridSignedByte(dec.point[g], j)) + delta);
        }
    }
}

// Per group: multiplier * (sum point * a + shift * sum a), the shift 1/8 kept exact by summing 8x.
template <typename Block>
float dot(int64_t n, const void *weightRow, const void *activationRow)
{
    const auto *w = static_cast<const Block *>(weightRow);
    const auto *a = static_cast<const BlockQ8_K *>(activationRow);
    Decoded dec;
    float sum = 0;
    for (int64_t i = 0; i < n / kQK_K; ++i) {
        decode(w[i], dec);
        int64_t sumQ = 0;
        for (int g = 0; g < kGroups; ++g) {
            int pointSum = 0, activationSum = 0;
            for (int j = 0; j < 8; ++j) {
                pointSum += gridSignedByte(dec.point[g], j) * a[i].qs[8 * g + j];
                activationSum += a[i].qs[8 * g + j];
            }
            const int shifted = 8 * pointSum + (dec.negativeShift[g] ? -activationSum : activationSum);
            sumQ += int64_t(dec.multiplier[g]) * shifted;
        }
        sum += dec.d * a[i].d * 0.125f * float(sumQ);
    }
    return sum;
}

} // namespace

#define ENCLAVE_IQ1_FORMAT(ns, Block)                                                              \
    namespace ns {                                                                                 \
    void dequantizeRow(const void *src, float *dst, int64_t n) { dequantize<Block>(src, dst, n); } \
    float vecDot(int64_t n, const void *w, const void *a) { return dot<Block>(n, w, a); }          \
    }

ENCLAVE_IQ1_FORMAT(iq1_s, BlockIQ1_S)
ENCLAVE_IQ1_FORMAT(iq1_m, BlockIQ1_M)

#undef ENCLAVE_IQ1_FORMAT

} // namespace enclave::ref
