// Helpers shared by the quant and CPU kernel tests: the format list, seeded random rows, and
// reference quantize / dequantize of whole rows into byte vectors.
#pragma once

#include "engine/quant/blocks.h"
#include "engine/quant/float_convert.h"
#include "engine/quant/random_blocks.h"
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

// Random valid blocks of any format: enclave::randomBlocks (engine/quant/random_blocks.h), found
// by argument-dependent lookup.

} // namespace quant_test
