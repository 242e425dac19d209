// Device helpers shared by the CUDA ops: warp reductions, raw-bit float conversions that are
// bit-exact with engine/quant/float_convert.h (no hardware cvt, so NaN payloads survive too),
// exact small-integer → float conversion without the slow I2F path, and non-caching loads.
#pragma once

#include <cstdint>
#include <cuda_runtime.h>

namespace enclave::cuda {

constexpr int kWarpSize = 32;
constexpr unsigned kFullMask = 0xffffffffu;

__device__ __forceinline__ float warpSum(float v)
{
#pragma unroll
    for (int offset = kWarpSize / 2; offset > 0; offset >>= 1)
        v += __shfl_xor_sync(kFullMask, v, offset);
    return v;
}

__device__ __forceinline__ float warpMax(float v)
{
#pragma unroll
    for (int offset = kWarpSize / 2; offset > 0; offset >>= 1)
        v = fmaxf(v, __shfl_xor_sync(kFullMask, v, offset));
    return v;
}

// IEEE half bits → float, as fp16ToFp32: subnormals exact, infinities and NaN payloads kept.
__device__ __forceinline__ float fp16BitsToF32(uint32_t h)
{
    const uint32_t sign = (h & 0x8000u) << 16;
    const uint32_t magnitude = h & 0x7fffu;
    const uint32_t exp = magnitude >> 10;
    uint32_t bits = (magnitude << 13) + 0x38000000u; // rebias the exponent by 112
    if (exp == 31)
        bits = 0x7f800000u | ((magnitude & 0x3ffu) << 13);
    float v = __uint_as_float(bits);
    if (exp == 0) // subnormal: mant * 2^-24, built as (0.5 + mant * 2^-24) - 0.5, exact
        v = __uint_as_float(0x3f000000u | magnitude) - 0.5f;
    return __uint_as_float(__float_as_uint(v) | sign);
}

__device__ __forceinline__ float bf16BitsToF32(uint32_t h) { return __uint_as_float(h << 16); }

// 2^23 + byte i of v, as a float: subtracting 2^23 (+ an offset) gives the byte's value exactly
// with one FADD, where an int→float conversion runs at a fraction of the FP32 rate.
__device__ __forceinline__ float byteMagic(uint32_t v, int i)
{
    return __uint_as_float(__byte_perm(v, 0x4b000000u, 0x7540u | uint32_t(i)));
}

constexpr float kMagic = 8388608.0f; // 2^23

// Weight streams are read once: 16-byte loads that bypass L1, leaving it to the activations.
__device__ __forceinline__ uint4 loadStreaming16(const void *p)
{
    uint4 v;
    asm volatile("ld.global.nc.L1::no_allocate.v4.u32 {%0, %1, %2, %3}, [%4];"
                 : "=r"(v.x), "=r"(v.y), "=r"(v.z), "=r"(v.w)
                 : "l"(p));
    return v;
}

// Little-endian 32 bits from an address that is only 2-byte aligned (blocks of 18, 34, 210 bytes).
__device__ __forceinline__ uint32_t loadU32Align2(const uint8_t *p)
{
    const auto *h = reinterpret_cast<const uint16_t *>(p);
    return uint32_t(__ldg(h)) | (uint32_t(__ldg(h + 1)) << 16);
}

} // namespace enclave::cuda
