// The matvecs of the selected experts in one launch (a job per blockIdx.y, its matrix looked up in
// the device table of expert matrices, the same kernels as launchQuantMatvec), and the weighted
// sum of the experts' outputs into the residual stream.
#include "cuda/cuda_check.h"
#include "cuda/forward_kernels.cuh"
#include "cuda/kernel_launch.cuh"
#include "cuda/quant_matvec.cuh"
#include "cuda/quant_matvec_kernel.cuh"

#include <string>

namespace enclave::cuda {
namespace {

constexpr int kCombineThreads = 256;
constexpr int64_t kMaxJobs = 65535; // gridDim.y

// Thread per output element: out += Σ_j w[t, j] · y[t·k + j] over the experts present, in j order.
__global__ void __launch_bounds__(kCombineThreads)
    expertCombineKernel(const float *__restrict__ y, const float *__restrict__ weights,
                        const int32_t *__restrict__ ids, const void *const *__restrict__ table, int64_t n, int64_t k,
                        int64_t width, float *out)
{
    const int64_t total = n * width;
    for (int64_t idx = int64_t(blockIdx.x) * blockDim.x + threadIdx.x; idx < total;
         idx += int64_t(gridDim.x) * blockDim.x) {
        const int64_t t = idx / width, c = idx % width;
        float o = out[idx];
        for (int64_t j = 0; j < k; ++j) {
            const int64_t job = t * k + j;
            if (table[ids[job]])
                o += weights[job] * y[job * width + c];
        }
        out[idx] = o;
    }
}

} // namespace

void launchExpertMatvec(QuantType type, const void *const *table, const int32_t *ids, int64_t jobs, int64_t rows,
                        int64_t cols, const float *x, int64_t xStride, int64_t xShare, float *y, cudaStream_t stream)
{
    using namespace matvec;
    const char *launcher = "launchExpertMatvec";
    if (!quantMatvecSupports(type))
        throw CudaError(cudaErrorNotSupported,
                        std::string(launcher) + ": unsupported on CUDA: " + std::string(quantTypeName(type)));
    requireArgument(jobs >= 0 && jobs <= kMaxJobs && rows >= 0 && cols >= 0 && cols % quantBlockElems(type) == 0 &&
                        xShare >= 1 && xStride >= cols,
                    launcher,
                    "bad shape: " + std::to_string(jobs) + " jobs (at most " + std::to_string(kMaxJobs) + ") of " +
                        std::to_string(rows) + " x " + std::to_string(cols) + " " + std::string(quantTypeName(type)) +
                        ", x stride " + std::to_string(xStride) + ", shared by " + std::to_string(xShare));
    if (jobs == 0 || rows == 0)
        return;
    const Launch l{quantRowBytes(type, cols), rows, cols, 1, unsigned(jobs), stream};
    const ExpertSource source{table, ids, x, xStride, xShare, y, rows};
    // Every row of x starts 16-byte aligned for the vector kernels' float4 loads.
    const bool vectorX = aligned(x, 16) && xStride % 4 == 0;
    if (needsScalarKernel(type, cols) || (isFloatType(type) && !vectorX)) {
        requireArgument(aligned(x, 4), launcher, "misaligned activations");
        launchScalarType(type, l, source);
    } else {
        requireArgument(vectorX, launcher, "activation rows must start 16-byte aligned");
        launchVectorType(type, l, source, chooseRowsPerWarp(rows * jobs, 1));
    }
    CUDA_CHECK(cudaGetLastError());
}

void launchExpertCombine(const float *y, const float *weights, const int32_t *ids, const void *const *table,
                         int64_t n, int64_t k, int64_t width, float *out, cudaStream_t stream)
{
    requireArgument(n >= 0 && k >= 0 && width >= 0, "launchExpertCombine",
                    "bad shape: " + std::to_string(n) + " tokens, " + std::to_string(k) + " experts, width " +
                        std::to_string(width));
    if (n == 0 || k == 0 || width == 0)
        return;
    expertCombineKernel<<<gridBlocks(n * width, kCombineThreads), kCombineThreads, 0, stream>>>(
        y, weights, ids, table, n, k, width, out);
    CUDA_CHECK(cudaGetLastError());
}

} // namespace enclave::cuda
