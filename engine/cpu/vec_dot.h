// Row-level CPU kernels with runtime dispatch: the best dot product / activation quantizer this CPU
// runs (AVX-512 VNNI, AVX2, else the scalar references of quant/), picked once per process. The build
// needs no -march flag: SIMD code is compiled per function target and only called when supported.
#pragma once

#include "engine/quant/quant_type.h"
#include "engine/quant/traits.h"

#include <cstdint>

namespace enclave {

enum class CpuKernelLevel { Scalar, Avx2, Avx512Vnni };

// The best level this CPU and OS support (detected once; thread-safe).
CpuKernelLevel cpuBestKernelLevel();
bool cpuSupports(CpuKernelLevel level);

// The kernel of the best level this CPU supports that provides one, from a kernel family's
// per-level lookup (`at` returns nullptr for a level without one); nullptr if none does.
template <typename Kernel>
Kernel cpuBestAt(Kernel (*at)(CpuKernelLevel))
{
    for (CpuKernelLevel level : {CpuKernelLevel::Avx512Vnni, CpuKernelLevel::Avx2, CpuKernelLevel::Scalar})
        if (cpuSupports(level))
            if (Kernel kernel = at(level))
                return kernel;
    return nullptr;
}
// "avx512vnni", "avx2" or "scalar" for cpuBestKernelLevel().
const char *cpuKernelLevel();
const char *cpuKernelLevelName(CpuKernelLevel level);

// Weight row in weightType . activation row in quantTraits(weightType).dotType (F32 for float
// formats, Q8_0 or Q8_K otherwise). Never nullptr for a known type (falls back to the scalar
// reference); throws std::invalid_argument for an unknown one. Reentrant, no state.
VecDotFn cpuVecDot(QuantType weightType);

// Quantizes an f32 activation row to dotType (Q8_0, Q8_K, or any format with a reference
// quantizer); the SIMD versions produce exactly the bytes of the reference. Throws like cpuVecDot
// when the format has no quantizer.
QuantizeRowFn cpuQuantizeActivations(QuantType dotType);

// n elements of a row in `type` to f32 (the reference dequantizer; bit-exact with GGUF).
void cpuDequantizeRow(QuantType type, const void *src, float *dst, int64_t n);

// The kernel a given level provides, or nullptr if that level has none for the type (tests compare
// every level against Scalar; these do not check cpuSupports(level)).
VecDotFn cpuVecDotAt(CpuKernelLevel level, QuantType weightType);
QuantizeRowFn cpuQuantizeActivationsAt(CpuKernelLevel level, QuantType dotType);

// Weight row (n elements, a multiple of the block size) . float32 activation row x, without
// quantizing x and without materialising the dequantised row: equal to dequantize-then-dot up to
// float summation order. Reentrant, no state.
using DotF32Fn = float (*)(int64_t n, const void *weightRow, const float *x);

// The best fused kernel this CPU runs for weightType; for a format without a SIMD kernel, a generic
// one that dequantizes a few blocks at a time into a stack buffer and dots them. Never nullptr for
// a type with a dequantizer; throws std::invalid_argument for an unknown one.
DotF32Fn cpuDotF32(QuantType weightType);
// The kernel a level provides for weightType, or nullptr (Scalar: the generic block-by-block one).
// Does not check cpuSupports(level).
DotF32Fn cpuDotF32At(CpuKernelLevel level, QuantType weightType);

// cpuDequantizeRow with the best SIMD dequantizer of this CPU: bit-exact with the reference, falls
// back to it for formats without one. For rows reused by many tokens (prompt processing).
void cpuDequantizeRowFast(QuantType type, const void *src, float *dst, int64_t n);
// The SIMD dequantizer a level provides for type, or nullptr (Scalar: the reference).
DequantizeRowFn cpuDequantizeRowFastAt(CpuKernelLevel level, QuantType type);

} // namespace enclave
