// Helpers shared by the quant and CPU kernel tests: the format list, seeded random rows, and
// reference quantize / dequantize of whole rows into byte vectors.
#pragma once

#include "engine/quant/blocks.h"
#include "engine/quant/float_convert.h"
#include "engine/quant/traits.h"

#include <cmath>
#include <cstddef>
#include <cstring>
#include <cstdint>
#include <random>
#include <vector>

#include <QMetaType>

Q_DECLARE_METATYPE(enclave::QuantType)

namespace quant_test {

using enclave::QuantType;

// Every format of the table, floats first.
inline const std::vector<QuantType> &allFormats()
{
    static const std::vector<QuantType> formats = {
        QuantType::F32,  QuantType::F16,  QuantType::BF16, QuantType::F8_E4M3, QuantType::Q4_0,  QuantType::Q4_1,
        QuantType::Q5_0, QuantType::Q5_1, QuantType::Q8_0, QuantType::Q8_1,    QuantType::Q2_K,  QuantType::Q3_K,
        QuantType::Q4_K, QuantType::Q5_K, QuantType::Q6_K, QuantType::Q8_K,    QuantType::IQ4_NL, QuantType::IQ4_XS,
        QuantType::IQ1_S, QuantType::IQ1_M, QuantType::IQ2_XXS, QuantType::IQ2_XS, QuantType::IQ2_S, QuantType::IQ3_XXS,
        QuantType::IQ3_S, QuantType::MXFP4,
    };
    return formats;
}

// n samples of N(0, sigma^2), reproducible from seed.
inline std::vector<float> randomRow(int64_t n, uint32_t seed, float sigma = 1.0f)
{
    std::mt19937 rng(seed);
    std::normal_distribution<float> dist(0.0f, sigma);
    std::vector<float> row(static_cast<size_t>(n));
    for (float &v : row)
        v = dist(rng);
    return row;
}

inline std::vector<uint8_t> quantizeRow(QuantType type, const std::vector<float> &row)
{
    const enclave::QuantTraits &t = enclave::quantTraits(type);
    std::vector<uint8_t> bytes(size_t(enclave::quantRowBytes(type, int64_t(row.size()))));
    t.quantizeRow(row.data(), bytes.data(), int64_t(row.size()));
    return bytes;
}

inline std::vector<float> dequantizeRow(QuantType type, const std::vector<uint8_t> &bytes, int64_t n)
{
    std::vector<float> row(static_cast<size_t>(n));
    enclave::quantTraits(type).dequantizeRow(bytes.data(), row.data(), n);
    return row;
}

// An activation row in the format `dotType` as vecDot takes it (F32 stays as floats).
inline std::vector<uint8_t> activationBytes(QuantType dotType, const std::vector<float> &row)
{
    return quantizeRow(dotType, row);
}

// sum |w_i a_i| in double: the magnitude a dot product's rounding error scales with.
inline double absDot(const std::vector<float> &w, const std::vector<float> &a)
{
    double sum = 0;
    for (size_t i = 0; i < w.size(); ++i)
        sum += std::fabs(double(w[i]) * double(a[i]));
    return sum;
}

inline double dot(const std::vector<float> &w, const std::vector<float> &a)
{
    double sum = 0;
    for (size_t i = 0; i < w.size(); ++i)
        sum += double(w[i]) * double(a[i]);
    return sum;
}

// Offsets of a block's f16 scale fields (d, dmin or m), or of the f32 scale of Q8_K.
inline std::vector<size_t> halfScaleOffsets(QuantType type)
{
    using enum enclave::QuantType;
    switch (type) {
    case Q4_1: return {offsetof(enclave::BlockQ4_1, d), offsetof(enclave::BlockQ4_1, m)};
    case Q5_1: return {offsetof(enclave::BlockQ5_1, d), offsetof(enclave::BlockQ5_1, m)};
    case Q8_1: return {offsetof(enclave::BlockQ8_1, d), offsetof(enclave::BlockQ8_1, s)};
    case Q2_K: return {offsetof(enclave::BlockQ2_K, d), offsetof(enclave::BlockQ2_K, dmin)};
    case Q3_K: return {offsetof(enclave::BlockQ3_K, d)};
    case Q4_K: return {offsetof(enclave::BlockQ4_K, d), offsetof(enclave::BlockQ4_K, dmin)};
    case Q5_K: return {offsetof(enclave::BlockQ5_K, d), offsetof(enclave::BlockQ5_K, dmin)};
    case Q6_K: return {offsetof(enclave::BlockQ6_K, d)};
    case IQ4_XS: return {offsetof(enclave::BlockIQ4_XS, d)};
    case IQ1_M: case MXFP4: return {}; // no f16 field: see randomBlocks()
    default: return {0}; // Q4_0, Q5_0, Q8_0, IQ4_NL, IQ1_S, IQ2_*, IQ3_*: d first
    }
}

// A random valid scale: zero, or +-2^[-12, 2) times [1, 2) (subnormal halves included).
inline float randomScale(std::mt19937 &rng)
{
    if (rng() % 8 == 0)
        return 0.0f;
    const float magnitude = std::ldexp(1.0f + float(rng() % 1024) / 1024.0f, int(rng() % 14) - 12);
    return rng() % 2 ? magnitude : -magnitude;
}

// n elements of random blocks: random bytes (every bit pattern of the levels and packed scales is
// valid) with the float scale fields overwritten by randomScale(). Float formats: N(0, 1) values.
inline std::vector<uint8_t> randomBlocks(QuantType type, int64_t n, uint32_t seed)
{
    const enclave::QuantTraits &t = enclave::quantTraits(type);
    if (type == QuantType::F32 || type == QuantType::F16 || type == QuantType::BF16)
        return quantizeRow(type, randomRow(n, seed));
    std::mt19937 rng(seed);
    std::vector<uint8_t> bytes(size_t(enclave::quantRowBytes(type, n)));
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
            continue;
        }
        if (type == QuantType::IQ1_M) { // the f16 scale is the top nibbles of the four scale words
            const uint16_t h = enclave::fp32ToFp16(randomScale(rng));
            for (int k = 0; k < 4; ++k) {
                uint8_t &high = bytes[block + offsetof(enclave::BlockIQ1_M, scales) + 2 * k + 1];
                high = uint8_t((high & 0x0f) | (((h >> (4 * k)) & 0xf) << 4));
            }
            continue;
        }
        if (type == QuantType::Q8_K) {
            const float d = randomScale(rng);
            std::memcpy(&bytes[block + offsetof(enclave::BlockQ8_K, d)], &d, sizeof d);
            continue;
        }
        for (size_t offset : halfScaleOffsets(type)) {
            const uint16_t h = enclave::fp32ToFp16(randomScale(rng));
            std::memcpy(&bytes[block + offset], &h, sizeof h);
        }
    }
    return bytes;
}

} // namespace quant_test
