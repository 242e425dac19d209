// Per-instruction-set kernel tables (vec_dot_avx2.cpp, vec_dot_avx512.cpp), internal to cpu/.
// They return nullptr for a type without a kernel at that level, and on non-x86 builds.
#pragma once

#include "engine/quant/traits.h"

namespace enclave::x86 {

VecDotFn avx2VecDot(QuantType weightType);
QuantizeRowFn avx2QuantizeActivations(QuantType dotType);
VecDotFn avx512VecDot(QuantType weightType);

} // namespace enclave::x86
