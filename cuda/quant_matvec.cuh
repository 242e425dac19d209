// Quantized weight matrix × float32 activations for a few tokens (the decode hot path): weights
// are dequantized exactly as the CPU reference does and dotted in float32; activations stay float.
#pragma once

#include "engine/quant/quant_type.h"

#include <cstdint>
#include <cuda_runtime.h>

namespace enclave::cuda {

constexpr int64_t kMatvecMaxTokens = 8;

// y[t, r] = Σ_c W[r, c] · x[t, c] for t < n, r < rows. Asynchronous on `stream`.
// weights: device, rows × rowBytes (rowBytes = quantRowBytes(type, cols)), 16-byte aligned for
// Q4_K/Q5_K/F32/F16/BF16 (F32/F16/BF16 with other alignments take a slower path), 2 otherwise;
// x: device [n, cols], 16-byte aligned; y: device [n, rows]; 1 <= n <= kMatvecMaxTokens.
// Supports Q4_0, Q8_0, Q4_K, Q5_K, Q6_K, F32, F16, BF16; any other type throws CudaError
// "unsupported on CUDA: <type>" before launching anything. Reentrant; no host synchronization.
void launchQuantMatvec(QuantType type, const void *weights, int64_t rows, int64_t cols, const float *x,
                       int64_t n, float *y, cudaStream_t stream);

// True for the types launchQuantMatvec accepts.
bool quantMatvecSupports(QuantType type);

// As launchQuantMatvec with a fixed number of rows per warp (1, 2 or 4; 0 = the built-in choice),
// for the tests and benchmarks that tune that choice.
void launchQuantMatvecTuned(QuantType type, const void *weights, int64_t rows, int64_t cols, const float *x,
                            int64_t n, float *y, cudaStream_t stream, int rowsPerWarp);

} // namespace enclave::cuda
