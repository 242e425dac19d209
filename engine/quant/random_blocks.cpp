// Random blocks: random bytes, then each block's float scale fields overwritten (where a format has
// them: f16 d/dmin/m, Q8_K's f32 d, IQ1_M's f16 spread over four nibbles, MXFP4's exponent).
#include "engine/quant/random_blocks.h"

#include "engine/quant/blocks.h"
#include "engine/quant/float_convert.h"
#include "engine/quant/traits.h"

#include <cmath>
#include <cstddef>
#include <cstring>
#include <random>

namespace enclave {
namespace {

// Offsets of a block's f16 scale fields.
std::vector<size_t> halfScaleOffsets(QuantType type)
{
    using enum QuantType;
    switch (type) {
    case Q4_1: return {offsetof(BlockQ4_1, d), offsetof(BlockQ4_1, m)};
    case Q5_1: return {offsetof(BlockQ5_1, d), offsetof(BlockQ5_1, m)};
    case Q8_1: return {offsetof(BlockQ8_1, d), offsetof(BlockQ8_1, s)};
    case Q2_K: return {offsetof(BlockQ2_K, d), offsetof(BlockQ2_K, dmin)};
    case Q3_K: return {offsetof(BlockQ3_K, d)};
    case Q4_K: return {offsetof(BlockQ4_K, d), offsetof(BlockQ4_K, dmin)};
    case Q5_K: return {offsetof(BlockQ5_K, d), offsetof(BlockQ5_K, dmin)};
    case Q6_K: return {offsetof(BlockQ6_K, d)};
    case IQ4_XS: return {offsetof(BlockIQ4_XS, d)};
    case Q8_K: case IQ1_M: case MXFP4: return {}; // handled apart
    default: return {0}; // Q4_0, Q5_0, Q8_0, IQ4_NL, IQ1_S, IQ2_*, IQ3_*: d first
    }
}

// Varied: zero, or +-2^[-12, 2) times [1, 2) (f16 subnormals included). Normal: +-2^[-8, 0) times [1, 2).
float randomScale(std::mt19937 &rng, RandomScales scales)
{
    if (scales == RandomScales::Varied && rng() % 8 == 0)
        return 0.0f;
    const int exponent = scales == RandomScales::Varied ? int(rng() % 14) - 12 : int(rng() % 8) - 8;
    const float magnitude = std::ldexp(1.0f + float(rng() % 1024) / 1024.0f, exponent);
    return rng() % 2 ? magnitude : -magnitude;
}

} // namespace

std::vector<uint8_t> randomBlocks(QuantType type, int64_t n, uint32_t seed, RandomScales scales)
{
    const QuantTraits &t = quantTraits(type);
    std::mt19937 rng(seed);
    if (type == QuantType::F32 || type == QuantType::F16 || type == QuantType::BF16) {
        std::normal_distribution<float> dist(0.0f, 1.0f);
        std::vector<float> row(static_cast<size_t>(n));
        for (float &v : row)
            v = dist(rng);
        std::vector<uint8_t> bytes(size_t(quantRowBytes(type, n)));
        t.quantizeRow(row.data(), bytes.data(), n);
        return bytes;
    }
    std::vector<uint8_t> bytes(size_t(quantRowBytes(type, n)));
    for (uint8_t &b : bytes)
        b = uint8_t(rng());
    if (type == QuantType::F8_E4M3) {
        for (uint8_t &b : bytes)
            b = (b & 0x7f) == 0x7f ? 0 : b; // no NaN codes
        return bytes;
    }
    for (size_t block = 0; block < bytes.size(); block += size_t(t.blockBytes)) {
        if (type == QuantType::MXFP4) { // exponents around 2^0, so values stay far from overflow
            bytes[block] = uint8_t(128 - 12 + int(rng() % 16));
        } else if (type == QuantType::IQ1_M) { // the f16 scale is the top nibbles of the four scale words
            const uint16_t h = fp32ToFp16(randomScale(rng, scales));
            for (int k = 0; k < 4; ++k) {
                uint8_t &high = bytes[block + offsetof(BlockIQ1_M, scales) + 2 * k + 1];
                high = uint8_t((high & 0x0f) | (((h >> (4 * k)) & 0xf) << 4));
            }
        } else if (type == QuantType::Q8_K) {
            const float d = randomScale(rng, scales);
            std::memcpy(&bytes[block + offsetof(BlockQ8_K, d)], &d, sizeof d);
        } else {
            for (size_t offset : halfScaleOffsets(type)) {
                const uint16_t h = fp32ToFp16(randomScale(rng, scales));
                std::memcpy(&bytes[block + offset], &h, sizeof h);
            }
        }
    }
    return bytes;
}

} // namespace enclave
