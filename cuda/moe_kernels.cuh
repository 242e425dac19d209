// Small kernels of the evaluator's MoE and expert-cache plumbing: gathering the rows of the
// tokens routed to one expert, adding its weighted outputs back, and rewriting entries of the
// device tables of expert pointers in stream order.
#pragma once

#include <cstdint>
#include <cuda_runtime.h>

namespace enclave::cuda {

// dst[i, :] = src[rows[i], :] for i < count; rows of `width` floats.
void launchGatherRows(const float *src, const int32_t *rows, int64_t count, int64_t width, float *dst,
                      cudaStream_t stream);

// out[rows[i], :] += weights[i] · y[i, :] for i < count (rows distinct within one launch).
void launchScatterAddRows(const float *y, const int32_t *rows, const float *weights, int64_t count, int64_t width,
                          float *out, cudaStream_t stream);

// Up to kMaxPointerUpdates table writes, carried in the launch's arguments (no host buffer to keep
// alive): *where[i] = value[i].
constexpr int kMaxPointerUpdates = 24;
struct PointerUpdates {
    int count = 0;
    const void **where[kMaxPointerUpdates];
    const void *value[kMaxPointerUpdates];
};
void launchSetPointers(const PointerUpdates &updates, cudaStream_t stream);

} // namespace enclave::cuda
