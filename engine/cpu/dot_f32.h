// The float32-activation kernels behind cpuDotF32 / cpuDequantizeRowFast, internal to cpu/: one
// table per instruction set (dot_f32_avx512.cpp, dot_f32_avx2.cpp) and the generic fallbacks
// (dot_f32_generic.cpp). Every lookup returns nullptr for a type it has nothing for.
#pragma once

#include "engine/cpu/vec_dot.h"

namespace enclave {

namespace x86 {

// nullptr on non-x86 builds too.
DotF32Fn avx512DotF32(QuantType weightType);
DequantizeRowFn avx512DequantizeRow(QuantType type);
DotF32Fn avx2DotF32(QuantType weightType);
DequantizeRowFn avx2DequantizeRow(QuantType type);

} // namespace x86

namespace generic {

// F32 / F16 / BF16 rows: cpuVecDotAt(level, type) (their activations already are float32).
DotF32Fn floatRowDotF32(CpuKernelLevel level, QuantType weightType);
// Any other format with a dequantizer: a few blocks at a time into a stack buffer, dequantized with
// cpuDequantizeRowFastAt(level) (the reference at Scalar) and dotted with cpuVecDotAt(level, F32).
DotF32Fn chunkedDotF32(CpuKernelLevel level, QuantType weightType);

} // namespace generic

} // namespace enclave
