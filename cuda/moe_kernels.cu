// Gather, weighted scatter-add and pointer-table writes (see moe_kernels.cuh).
#include "cuda/moe_kernels.cuh"

#include "cuda/cuda_check.h"

namespace enclave::cuda {
namespace {

constexpr int kThreads = 256;

__global__ void gatherRowsKernel(const float *__restrict__ src, const int32_t *__restrict__ rows, int64_t width,
                                 float *__restrict__ dst)
{
    const int64_t i = blockIdx.x;
    const float *from = src + int64_t(rows[i]) * width;
    float *to = dst + i * width;
    for (int64_t j = threadIdx.x; j < width; j += blockDim.x)
        to[j] = from[j];
}

__global__ void scatterAddRowsKernel(const float *__restrict__ y, const int32_t *__restrict__ rows,
                                     const float *__restrict__ weights, int64_t width, float *__restrict__ out)
{
    const int64_t i = blockIdx.x;
    const float w = weights[i];
    const float *from = y + i * width;
    float *to = out + int64_t(rows[i]) * width;
    for (int64_t j = threadIdx.x; j < width; j += blockDim.x)
        to[j] += w * from[j];
}

__global__ void setPointersKernel(PointerUpdates updates)
{
    const int i = int(threadIdx.x);
    if (i < updates.count)
        *updates.where[i] = updates.value[i];
}

} // namespace

void launchGatherRows(const float *src, const int32_t *rows, int64_t count, int64_t width, float *dst,
                      cudaStream_t stream)
{
    if (count <= 0 || width <= 0)
        return;
    gatherRowsKernel<<<unsigned(count), kThreads, 0, stream>>>(src, rows, width, dst);
    CUDA_CHECK(cudaGetLastError());
}

void launchScatterAddRows(const float *y, const int32_t *rows, const float *weights, int64_t count, int64_t width,
                          float *out, cudaStream_t stream)
{
    if (count <= 0 || width <= 0)
        return;
    scatterAddRowsKernel<<<unsigned(count), kThreads, 0, stream>>>(y, rows, weights, width, out);
    CUDA_CHECK(cudaGetLastError());
}

void launchSetPointers(const PointerUpdates &updates, cudaStream_t stream)
{
    if (updates.count <= 0)
        return;
    setPointersKernel<<<1, kMaxPointerUpdates, 0, stream>>>(updates);
    CUDA_CHECK(cudaGetLastError());
}

} // namespace enclave::cuda
