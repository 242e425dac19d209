// IQ2_XXS, IQ2_XS and IQ2_S: 2-bit codebook formats (blocks.h has the layouts). Each group of 8
// elements is one point of magnitudes 8/25/43 with 8 signs; a sub-block of 32 (IQ2_XXS) or half
// of one (IQ2_XS, IQ2_S) shares a 4-bit scale ls, x = d * (0.5 + ls) * 0.25 * point * sign.
// Dot products take Q8_K activations. There is no quantizer: making these files needs an
// importance matrix and a codebook search, and Enclave reads them.
#include "engine/quant/blocks.h"
#include "engine/quant/float_convert.h"
#include "engine/quant/iq_grids.h"
#include "engine/quant/reference.h"

#include <cstring>

namespace enclave::ref {
namespace {

constexpr int kSubBlocks = kQK_K / 32;

// One group of 8 as signed integers (magnitude times sign).
void signedPoint(uint64_t point, uint8_t signs, int8_t *out)
{
    for (int j = 0; j < 8; ++j) {
        const int v = gridByte(point, j);
        out[j] = int8_t((signs >> j) & 1 ? -v : v);
    }
}

// A decoded super-block: signed levels and the 4-bit scale of every group of 16.
struct Decoded {
    int8_t q[kQK_K];
    uint8_t ls[kQK_K / 16];
};

void decode(const BlockIQ2_XXS &b, Decoded &out)
{
    for (int ib = 0; ib < kSubBlocks; ++ib) {
        uint32_t a[2];
        std::memcpy(a, b.qs + 4 * ib, sizeof a);
        for (int l = 0; l < 4; ++l)
            signedPoint(kIq2xxsGrid[(a[0] >> (8 * l)) & 255], iqSigns(a[1] >> (7 * l)), out.q + 32 * ib + 8 * l);
        out.ls[2 * ib] = out.ls[2 * ib + 1] = uint8_t(a[1] >> 28);
    }
}

void decode(const BlockIQ2_XS &b, Decoded &out)
{
    for (int ib = 0; ib < kSubBlocks; ++ib) {
        for (int l = 0; l < 4; ++l) {
            const uint16_t v = b.qs[4 * ib + l];
            signedPoint(kIq2xsGrid[v & 511], iqSigns(v >> 9), out.q + 32 * ib + 8 * l);
        }
        out.ls[2 * ib] = b.scales[ib] & 0xf;
        out.ls[2 * ib + 1] = b.scales[ib] >> 4;
    }
}

void decode(const BlockIQ2_S &b, Decoded &out)
{
    const uint8_t *signs = b.qs + kQK_K / 8;
    for (int ib = 0; ib < kSubBlocks; ++ib) {
        for (int l = 0; l < 4; ++l) {
            const int index = b.qs[4 * ib + l] | (((b.qh[ib] >> (2 * l)) & 3) << 8);
            signedPoint(kIq2sGrid[index], signs[4 * ib + l], out.q + 32 * ib + 8 * l);
        }
        out.ls[2 * ib] = b.scales[ib] & 0xf;
        out.ls[2 * ib + 1] = b.scales[ib] >> 4;
    }
}

template <typename Block>
void dequantize(const void *src, float *dst, int64_t n)
{
    const auto *blocks = static_cast<const Block *>(src);
    Decoded dec;
    for (int64_t i = 0; i < n / kQK_K; ++i, dst += kQK_K) {
        decode(blocks[i], dec);
        const float d = fp16ToFp32(blocks[i].d);
        for (int g = 0; g < kQK_K / 16; ++g) {
            const float dl = d * (0.5f + float(dec.ls[g])) * 0.25f;
            for (int j = 0; j < 16; ++j)
                dst[16 * g + j] = dl * float(dec.q[16 * g + j]);
        }
    }
}

// (0.5 + ls) * 0.25 = (2 ls + 1) / 8: integer sums, one float scale per super-block.
template <typename Block>
float dot(int64_t n, const void *weightRow, const void *activationRow)
{
    const auto *w = static_cast<const Block *>(weightRow);
    const auto *a = static_cast<const BlockQ8_K *>(activationRow);
    Decoded dec;
    float sum = 0;
    for (int64_t i = 0; i < n / kQK_K; ++i) {
        decode(w[i], dec);
        int sumQ = 0;
        for (int g = 0; g < kQK_K / 16; ++g) {
            int isum = 0;
            for (int j = 0; j < 16; ++j)
                isum += dec.q[16 * g + j] * a[i].qs[16 * g + j];
            sumQ += (2 * dec.ls[g] + 1) * isum;
        }
        sum += fp16ToFp32(w[i].d) * a[i].d * 0.125f * float(sumQ);
    }
    return sum;
}

} // namespace

#define ENCLAVE_IQ2_FORMAT(ns, Block)                                                              \
    namespace ns {                                                                                 \
    void dequantizeRow(const void *src, float *dst, int64_t n) { dequantize<Block>(src, dst, n); } \
    float vecDot(int64_t n, const void *w, const void *a) { return dot<Block>(n, w, a); }          \
    }

ENCLAVE_IQ2_FORMAT(iq2_xxs, BlockIQ2_XXS)
ENCLAVE_IQ2_FORMAT(iq2_xs, BlockIQ2_XS)
ENCLAVE_IQ2_FORMAT(iq2_s, BlockIQ2_S)

#undef ENCLAVE_IQ2_FORMAT

} // namespace enclave::ref
