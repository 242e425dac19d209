// IQ3_XXS and IQ3_S: 3-bit codebook formats (blocks.h has the layouts). Each group of 4 elements is
// one point of a codebook of magnitudes, signed per element; a sub-block of 32 shares a 4-bit scale:
// IQ3_XXS x = d * (0.5 + ls) * 0.5 * point * sign, IQ3_S x = d * (1 + 2 ls) * point * sign.
// Dot products take Q8_K activations. No quantizer: see iq2.cpp.
#include "engine/quant/blocks.h"
#include "engine/quant/float_convert.h"
#include "engine/quant/iq_grids.h"
#include "engine/quant/reference.h"

#include <cstring>

namespace enclave::ref {
namespace {

constexpr int kSubBlocks = kQK_K / 32;

void signedPoint4(uint32_t point, uint8_t signs, int8_t *out)
{
    for (int j = 0; j < 4; ++j) {
        const int v = gridByte(point, j);
        out[j] = int8_t((signs >> j) & 1 ? -v : v);
    }
}

// A decoded super-block: signed levels and each sub-block's 4-bit scale.
struct Decoded {
    int8_t q[kQK_K];
    uint8_t ls[kSubBlocks];
};

void decode(const BlockIQ3_XXS &b, Decoded &out)
{
    const uint8_t *scalesAndSigns = b.qs + kQK_K / 4;
    for (int ib = 0; ib < kSubBlocks; ++ib) {
        uint32_t aux;
        std::memcpy(&aux, scalesAndSigns + 4 * ib, sizeof aux);
        for (int l = 0; l < 4; ++l) {
            const uint8_t signs = iqSigns(aux >> (7 * l));
            int8_t *q = out.q + 32 * ib + 8 * l;
            signedPoint4(kIq3xxsGrid[b.qs[8 * ib + 2 * l]], signs, q);
            signedPoint4(kIq3xxsGrid[b.qs[8 * ib + 2 * l + 1]], uint8_t(signs >> 4), q + 4);
        }
        out.ls[ib] = uint8_t(aux >> 28);
    }
}

void decode(const BlockIQ3_S &b, Decoded &out)
{
    for (int ib = 0; ib < kSubBlocks; ++ib) {
        for (int k = 0; k < 8; ++k) {
            const int index = b.qs[8 * ib + k] | (((b.qh[ib] >> k) & 1) << 8);
            signedPoint4(kIq3sGrid[index], uint8_t(b.signs[4 * ib + k / 2] >> (4 * (k % 2))), out.q + 32 * ib + 4 * k);
        }
        out.ls[ib] = (b.scales[ib / 2] >> (4 * (ib % 2))) & 0xf;
    }
}

// The float scale of a sub-block, computed as the format defines it (bit-exact dequantization).
float subBlockScale(const BlockIQ3_XXS &, float d, int ls) { return d * (0.5f + float(ls)) * 0.5f; }
float subBlockScale(const BlockIQ3_S &, float d, int ls) { return d * float(1 + 2 * ls); }

// The same scale as an integer multiplier (2 ls + 1) and a common factor: 1/4 (IQ3_XXS), 1 (IQ3_S).
template <typename Block>
constexpr float kDotFactor = 1.0f;
template <>
constexpr float kDotFactor<BlockIQ3_XXS> = 0.25f;

template <typename Block>
void dequantize(const void *src, float *dst, int64_t n)
{
    const auto *blocks = static_cast<const Block *>(src);
    Decoded dec;
    for (int64_t i = 0; i < n / kQK_K; ++i, dst += kQK_K) {
        decode(blocks[i], dec);
        const float d = fp16ToFp32(blocks[i].d);
        for (int ib = 0; ib < kSubBlocks; ++ib) {
            const float dl = subBlockScale(blocks[i], d, dec.ls[ib]);
            for (int j = 0; j < 32; ++j)
                dst[32 * ib + j] = dl * float(dec.q[32 * ib + j]);
        }
    }
}

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
        for (int ib = 0; ib < kSubBlocks; ++ib) {
            int isum = 0;
            for (int j = 0; j < 32; ++j)
                isum += dec.q[32 * ib + j] * a[i].qs[32 * ib + j];
            sumQ += (2 * dec.ls[ib] + 1) * isum;
        }
        sum += fp16ToFp32(w[i].d) * a[i].d * kDotFactor<Block> * float(sumQ);
    }
    return sum;
}

} // namespace

#define ENCLAVE_IQ3_FORMAT(ns, Block)                                                              \
    namespace ns {                                                                                 \
    void dequantizeRow(const void *src, float *dst, int64_t n) { dequantize<Block>(src, dst, n); } \
    float vecDot(int64_t n, const void *w, const void *a) { return dot<Block>(n, w, a); }          \
    }

ENCLAVE_IQ3_FORMAT(iq3_xxs, BlockIQ3_XXS)
ENCLAVE_IQ3_FORMAT(iq3_s, BlockIQ3_S)

#undef ENCLAVE_IQ3_FORMAT

} // namespace enclave::ref
