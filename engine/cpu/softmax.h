// Softmax over a row with a vectorized exponential: attention runs it over every position of the
// context for every head, which made the scalar expf a tenth of a decoding step at 512 positions.
#pragma once

#include "engine/cpu/vec_dot.h"

#include <cstdint>

namespace enclave {

using SoftmaxFn = void (*)(float *x, int64_t n);

// x[i] = exp(x[i] - max) / Σ exp(x[j] - max), in place, n >= 1. The exponential is within 2 ulp of
// expf (Cody-Waite reduction, degree-6 polynomial) and the sum runs in double, so the result stays
// within a few ulp of the scalar reference; NaN propagates, -inf gives 0.
SoftmaxFn cpuSoftmax();
// The kernel a level provides (Scalar: the reference with std::exp), or nullptr; does not check
// cpuSupports.
SoftmaxFn cpuSoftmaxAt(CpuKernelLevel level);

} // namespace enclave
