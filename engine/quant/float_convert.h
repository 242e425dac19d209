// Scalar conversions between float32 and the 16/8-bit float formats, on raw bit patterns.
// f32 -> f16/bf16 round to nearest even (NaN stays NaN, quieted); f16/bf16/e4m3fn -> f32 are exact.
// Branchy bit arithmetic on purpose: it is the reference the SIMD conversions are tested against.
#pragma once

#include <bit>
#include <cstdint>

namespace enclave {

inline float fp16ToFp32(uint16_t h)
{
    const uint32_t sign = uint32_t(h & 0x8000) << 16;
    const uint32_t exp = (h >> 10) & 0x1f;
    const uint32_t mant = h & 0x3ff;
    if (exp == 0) { // zero or subnormal: mant * 2^-24, exact in float
        const float v = float(mant) * 0x1p-24f;
        return sign ? -v : v;
    }
    if (exp == 31)
        return std::bit_cast<float>(sign | 0x7f800000u | (mant << 13));
    return std::bit_cast<float>(sign | ((exp + 112) << 23) | (mant << 13));
}

// Rounds away the low `shift` bits of v to nearest, ties to even.
inline uint32_t roundShiftRightEven(uint32_t v, int shift)
{
    const uint32_t rest = v & ((1u << shift) - 1);
    const uint32_t halfway = 1u << (shift - 1);
    uint32_t r = v >> shift;
    if (rest > halfway || (rest == halfway && (r & 1)))
        ++r;
    return r;
}

inline uint16_t fp32ToFp16(float f)
{
    const uint32_t x = std::bit_cast<uint32_t>(f);
    const auto sign = uint16_t((x >> 16) & 0x8000);
    const uint32_t a = x & 0x7fffffff;
    if (a > 0x7f800000)
        return sign | 0x7e00 | uint16_t((a >> 13) & 0x3ff); // NaN, quiet
    if (a >= 0x477ff000)
        return sign | 0x7c00; // >= 65520 rounds to infinity
    if (a >= 0x38800000) // normal half: rebias the exponent, round 13 mantissa bits (a carry is correct)
        return sign | uint16_t(roundShiftRightEven(a - 0x38000000, 13));
    if (a <= 0x33000000)
        return sign; // <= 2^-25 rounds to zero
    const uint32_t mant = (a & 0x7fffff) | 0x800000; // subnormal half: units of 2^-24
    const int shift = 126 - int(a >> 23);
    return sign | uint16_t(roundShiftRightEven(mant, shift));
}

inline float bf16ToFp32(uint16_t h) { return std::bit_cast<float>(uint32_t(h) << 16); }

inline uint16_t fp32ToBf16(float f)
{
    const uint32_t x = std::bit_cast<uint32_t>(f);
    if ((x & 0x7fffffff) > 0x7f800000)
        return uint16_t((x >> 16) | 0x40); // NaN, quiet
    return uint16_t((x + 0x7fff + ((x >> 16) & 1)) >> 16);
}

// float8 e4m3fn (no infinities; S.1111.111 is NaN; max 448), as in DeepSeek-V3 checkpoints.
inline float e4m3ToFp32(uint8_t v)
{
    const uint32_t exp = (v >> 3) & 0xf;
    const uint32_t mant = v & 0x7;
    float r;
    if (exp == 0xf && mant == 0x7)
        r = std::bit_cast<float>(0x7fc00000u);
    else if (exp == 0)
        r = float(mant) * 0x1p-9f;
    else
        r = std::bit_cast<float>(((exp + 120) << 23) | (mant << 20));
    return (v & 0x80) ? -r : r;
}

// MXFP4's block scale: e8m0 e is 2^(e - 127); the stored values are doubled, so the scale applied
// to them is 2^(e - 128) (subnormal for e < 2). Exact.
inline float e8m0HalfToFp32(uint8_t e)
{
    const uint32_t bits = e < 2 ? 0x00200000u << e : uint32_t(e - 1) << 23;
    return std::bit_cast<float>(bits);
}

} // namespace enclave
