// Element-wise and per-row stages of the forward pass: RMSNorm (a warp per row), residual adds,
// biases, SwiGLU, the Qwen2-MoE shared-expert gate (a block per token) and RoPE (a thread per
// rotated pair). All loops are grid-stride over 64-bit indices.
#include "cuda/common.cuh"
#include "cuda/cuda_check.h"
#include "cuda/forward_kernels.cuh"
#include "cuda/kernel_launch.cuh"

#include <string>

namespace enclave::cuda {
namespace {

constexpr int kThreads = 256;
constexpr int kWarpsPerBlock = kThreads / kWarpSize;

__device__ __forceinline__ int64_t globalThread() { return int64_t(blockIdx.x) * blockDim.x + threadIdx.x; }
__device__ __forceinline__ int64_t globalThreads() { return int64_t(gridDim.x) * blockDim.x; }

// Warp per row; out == x works since every lane rewrites only the elements it read.
__global__ void __launch_bounds__(kThreads)
    rmsNormKernel(const float *x, int64_t xStride, const float *__restrict__ weight, float *out, int64_t outStride,
                  int64_t rows, int64_t width, float eps)
{
    const int lane = int(threadIdx.x % kWarpSize);
    const int64_t warps = int64_t(gridDim.x) * kWarpsPerBlock;
    for (int64_t r = int64_t(blockIdx.x) * kWarpsPerBlock + threadIdx.x / kWarpSize; r < rows; r += warps) {
        const float *xr = x + r * xStride;
        float *outRow = out + r * outStride;
        float sum = 0.0f;
        for (int64_t c = lane; c < width; c += kWarpSize)
            sum = fmaf(xr[c], xr[c], sum);
        sum = warpSum(sum);
        // The scale as the CPU forms it: in double from the mean square.
        const float scale = float(1.0 / sqrt(double(sum) / double(width) + double(eps)));
        for (int64_t c = lane; c < width; c += kWarpSize)
            outRow[c] = xr[c] * scale * weight[c];
    }
}

__global__ void __launch_bounds__(kThreads) addKernel(float *y, const float *x, int64_t count)
{
    for (int64_t i = globalThread(); i < count; i += globalThreads())
        y[i] += x[i];
}

__global__ void __launch_bounds__(kThreads) addBiasKernel(float *x, const float *__restrict__ bias, int64_t count,
                                                           int64_t width)
{
    for (int64_t i = globalThread(); i < count; i += globalThreads())
        x[i] += bias[i % width];
}

__global__ void __launch_bounds__(kThreads) swigluKernel(const float *gate, const float *up, float *out, int64_t count)
{
    for (int64_t i = globalThread(); i < count; i += globalThreads()) {
        const float g = gate[i];
        out[i] = g / (1.0f + expf(-g)) * up[i];
    }
}

// Block per token: the gate dot product reduced over the block, then the scaled add.
__global__ void __launch_bounds__(kThreads)
    gatedAddKernel(const float *x, const float *__restrict__ gate, const float *y, int64_t n, int64_t width,
                   float *out)
{
    __shared__ float partial[kWarpsPerBlock];
    __shared__ float gateValue;
    const int lane = int(threadIdx.x % kWarpSize), warp = int(threadIdx.x / kWarpSize);
    for (int64_t t = blockIdx.x; t < n; t += gridDim.x) {
        const float *xt = x + t * width;
        float s = 0.0f;
        for (int64_t c = threadIdx.x; c < width; c += kThreads)
            s = fmaf(gate[c], xt[c], s);
        s = warpSum(s);
        if (lane == 0)
            partial[warp] = s;
        __syncthreads();
        if (threadIdx.x == 0) {
            float total = 0.0f;
            for (int w = 0; w < kWarpsPerBlock; ++w)
                total += partial[w];
            gateValue = 1.0f / (1.0f + expf(-total));
        }
        __syncthreads();
        const float g = gateValue;
        for (int64_t c = threadIdx.x; c < width; c += kThreads)
            out[t * width + c] += g * y[t * width + c];
        __syncthreads(); // partial and gateValue are reused by the next token
    }
}

// Thread per (token, head, pair). Products and sums rounded separately, as the CPU does.
__global__ void __launch_bounds__(kThreads)
    ropeKernel(float *x, int64_t n, int64_t heads, int64_t tokenStride, int64_t headStride, bool interleaved,
               int64_t pairs, const float *__restrict__ cosTable, const float *__restrict__ sinTable)
{
    const int64_t total = n * heads * pairs;
    for (int64_t idx = globalThread(); idx < total; idx += globalThreads()) {
        const int64_t i = idx % pairs, tokenHead = idx / pairs;
        const int64_t h = tokenHead % heads, t = tokenHead / heads;
        float *v = x + t * tokenStride + h * headStride;
        const int64_t a = interleaved ? 2 * i : i;
        const int64_t b = interleaved ? 2 * i + 1 : i + pairs;
        const float c = cosTable[t * pairs + i], s = sinTable[t * pairs + i];
        const float x0 = v[a], x1 = v[b];
        v[a] = __fsub_rn(__fmul_rn(x0, c), __fmul_rn(x1, s));
        v[b] = __fadd_rn(__fmul_rn(x0, s), __fmul_rn(x1, c));
    }
}

std::string shape(int64_t a, int64_t b) { return std::to_string(a) + " x " + std::to_string(b); }

} // namespace

void launchRmsNorm(const float *x, int64_t xStride, const float *weight, float *out, int64_t outStride,
                   int64_t rows, int64_t width, float eps, cudaStream_t stream)
{
    requireArgument(rows >= 0 && width >= 1 && xStride >= width && outStride >= width, "launchRmsNorm",
                    "bad shape " + shape(rows, width) + " with strides " + std::to_string(xStride) + ", " +
                        std::to_string(outStride));
    if (rows == 0)
        return;
    rmsNormKernel<<<gridBlocks(rows, kWarpsPerBlock), kThreads, 0, stream>>>(x, xStride, weight, out, outStride,
                                                                           rows, width, eps);
    CUDA_CHECK(cudaGetLastError());
}

void launchAdd(float *y, const float *x, int64_t count, cudaStream_t stream)
{
    requireArgument(count >= 0, "launchAdd", "negative count " + std::to_string(count));
    if (count == 0)
        return;
    addKernel<<<gridBlocks(count, kThreads), kThreads, 0, stream>>>(y, x, count);
    CUDA_CHECK(cudaGetLastError());
}

void launchAddBias(float *x, const float *bias, int64_t rows, int64_t width, cudaStream_t stream)
{
    requireArgument(rows >= 0 && width >= 0, "launchAddBias", "bad shape " + shape(rows, width));
    if (rows == 0 || width == 0)
        return;
    addBiasKernel<<<gridBlocks(rows * width, kThreads), kThreads, 0, stream>>>(x, bias, rows * width, width);
    CUDA_CHECK(cudaGetLastError());
}

void launchSwiglu(const float *gate, const float *up, float *out, int64_t count, cudaStream_t stream)
{
    requireArgument(count >= 0, "launchSwiglu", "negative count " + std::to_string(count));
    if (count == 0)
        return;
    swigluKernel<<<gridBlocks(count, kThreads), kThreads, 0, stream>>>(gate, up, out, count);
    CUDA_CHECK(cudaGetLastError());
}

void launchGatedAdd(const float *x, const float *gate, const float *y, int64_t n, int64_t width, float *out,
                    cudaStream_t stream)
{
    requireArgument(n >= 0 && width >= 0, "launchGatedAdd", "bad shape " + shape(n, width));
    if (n == 0 || width == 0)
        return;
    gatedAddKernel<<<gridBlocks(n, 1), kThreads, 0, stream>>>(x, gate, y, n, width, out);
    CUDA_CHECK(cudaGetLastError());
}

void launchRope(float *x, int64_t n, int64_t heads, int64_t tokenStride, int64_t headStride, RopeStyle style,
                int64_t dims, const float *cos, const float *sin, cudaStream_t stream)
{
    requireArgument(n >= 0 && heads >= 0 && dims >= 0 && dims % 2 == 0, "launchRope",
                    "bad shape: " + std::to_string(n) + " tokens, " + std::to_string(heads) + " heads, " +
                        std::to_string(dims) + " rotated dims (must be even)");
    const int64_t pairs = dims / 2;
    if (n == 0 || heads == 0 || pairs == 0)
        return;
    ropeKernel<<<gridBlocks(n * heads * pairs, kThreads), kThreads, 0, stream>>>(
        x, n, heads, tokenStride, headStride, style == RopeStyle::Interleaved, pairs, cos, sin);
    CUDA_CHECK(cudaGetLastError());
}

} // namespace enclave::cuda
