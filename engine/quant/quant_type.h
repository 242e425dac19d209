// QuantType: every tensor storage format the engine knows, numbered as GGUF numbers them
// (ggml_type), so a GGUF tensor-info type field converts with quantTypeFromGguf().
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace enclave {

enum class QuantType : uint32_t {
    F32 = 0,
    F16 = 1,
    Q4_0 = 2,
    Q4_1 = 3,
    Q5_0 = 6,
    Q5_1 = 7,
    Q8_0 = 8,
    Q8_1 = 9,
    Q2_K = 10,
    Q3_K = 11,
    Q4_K = 12,
    Q5_K = 13,
    Q6_K = 14,
    Q8_K = 15,
    IQ2_XXS = 16,
    IQ2_XS = 17,
    IQ3_XXS = 18,
    IQ1_S = 19,
    IQ4_NL = 20,
    IQ3_S = 21,
    IQ2_S = 22,
    IQ4_XS = 23,
    IQ1_M = 29,
    BF16 = 30,
    MXFP4 = 39,
    // Engine-only formats: not GGUF ids, so quantTypeFromGguf() never returns them.
    F8_E4M3 = 0x1000, // float8 e4m3fn (DeepSeek-V3 safetensors)
};

// The GGUF type id as a QuantType, or nothing when the engine does not support it.
std::optional<QuantType> quantTypeFromGguf(uint32_t ggmlType);
// "Q4_K", "BF16"...; "unknown" for an id outside the enum.
std::string_view quantTypeName(QuantType type);
// Elements per block (1 for F32/F16/BF16/F8_E4M3, 32 or 256 for quantized formats).
// Throws std::invalid_argument for an id outside the enum, like quantBlockBytes().
int64_t quantBlockElems(QuantType type);
// Bytes per block.
int64_t quantBlockBytes(QuantType type);
// Byte alignment the kernels need for a tensor's data: 4 for F32 (read as float), 1 for the
// single-byte F8_E4M3 and for MXFP4 (17-byte blocks), 2 for everything else (16-bit fields).
int64_t quantDataAlignment(QuantType type);
// Bytes of a row of n elements; n must be a multiple of quantBlockElems(type).
inline int64_t quantRowBytes(QuantType type, int64_t n) { return n / quantBlockElems(type) * quantBlockBytes(type); }

} // namespace enclave
