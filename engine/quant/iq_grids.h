// The codebooks of the GGUF IQ formats. They are part of the file format: a file of these types
// cannot be read without them. Each entry is one point, coordinate j in byte j (little-endian), so
// a kernel can load a whole point with one 64-bit (or 32-bit) read.
#pragma once

#include <array>
#include <bit>
#include <cstdint>

namespace enclave {

// Magnitudes 8, 25, 43 (IQ2_XXS, IQ2_XS, IQ2_S).
extern const std::array<uint64_t, 256> kIq2xxsGrid;
extern const std::array<uint64_t, 512> kIq2xsGrid;
extern const std::array<uint64_t, 1024> kIq2sGrid;
// Magnitudes 4, 12, ..., 52, 62 (IQ3_XXS) and 1, 3, ..., 15 (IQ3_S), four per point.
extern const std::array<uint32_t, 256> kIq3xxsGrid;
extern const std::array<uint32_t, 512> kIq3sGrid;
// Signed values -1, 0, 1 as int8 bytes (IQ1_S, IQ1_M).
extern const std::array<uint64_t, 2048> kIq1sGrid;

// Coordinate j of a point.
inline uint8_t gridByte(uint64_t point, int j) { return uint8_t(point >> (8 * j)); }
inline int8_t gridSignedByte(uint64_t point, int j) { return int8_t(uint8_t(point >> (8 * j))); }

// The 8 signs of a 7-bit IQ2_XXS/IQ2_XS/IQ3_XXS sign field: bit j set = element j negative, with
// element 7's sign the parity of the field.
constexpr uint8_t iqSigns(uint32_t field7)
{
    const uint32_t s = field7 & 127;
    return uint8_t(s | (uint32_t(std::popcount(s) & 1) << 7));
}

// iqSigns() of every field, for the kernels.
inline constexpr std::array<uint8_t, 128> kIqSignTable = [] {
    std::array<uint8_t, 128> t{};
    for (uint32_t i = 0; i < 128; ++i)
        t[i] = iqSigns(i);
    return t;
}();

} // namespace enclave
