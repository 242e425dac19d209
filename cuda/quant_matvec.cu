// Quantized matrix × float32 activations: R rows per warp, the lanes striding over a row's units
// (quant_decode.cuh), each activation float4 loaded once and reused for all R rows and each
// decoded weight for all N tokens. Float rows whose width or address breaks 16-byte loads take
// a scalar kernel.
#include "cuda/quant_matvec.cuh"

#include "cuda/common.cuh"
#include "cuda/cuda_check.h"
#include "cuda/quant_decode.cuh"
#include "engine/quant/quant_type.h"

#include <atomic>
#include <string>

namespace enclave::cuda {
namespace {

constexpr int kThreads = 128;
constexpr int kWarpsPerBlock = kThreads / kWarpSize;

// More rows per warp than this spill registers.
constexpr int maxRowsPerWarp(int) { return 4; }
// Up to this many tokens a unit's runs are unrolled; beyond, the compiler would keep every decoded
// weight and activation of the unit live at once and spill, so the run loop stays rolled.
constexpr int kUnrolledRunsMaxTokens = 1;

// acc[r][t] += the run's 4 weights of row r · the same 4 columns of token t.
template <class F, int N, int R>
__device__ __forceinline__ void accumulateRun(const typename F::Unit (&u)[R], int64_t unit, int run,
                                              const float *__restrict__ x, int64_t cols, int n, float (&acc)[R][N])
{
    const int64_t col = F::runCol(unit, run);
    float4 xv[N];
#pragma unroll
    for (int t = 0; t < N; ++t)
        xv[t] = t < n ? __ldg(reinterpret_cast<const float4 *>(x + t * cols + col)) : make_float4(0, 0, 0, 0);
#pragma unroll
    for (int r = 0; r < R; ++r) {
        float w[4];
        F::decode(u[r], run, w);
#pragma unroll
        for (int t = 0; t < N; ++t) {
            float a = acc[r][t];
            a = fmaf(w[0], xv[t].x, a);
            a = fmaf(w[1], xv[t].y, a);
            a = fmaf(w[2], xv[t].z, a);
            acc[r][t] = fmaf(w[3], xv[t].w, a);
        }
    }
}

// At most 128 registers per thread (16 warps per multiprocessor keep enough loads in flight),
// 168 where many rows and tokens would otherwise spill.
template <int N, int R>
constexpr int kMinBlocksPerSm = R * N >= 16 ? 3 : 4;

template <class F, int N, int R>
__global__ void __launch_bounds__(kThreads, kMinBlocksPerSm<N, R>)
    quantMatvecKernel(const uint8_t *__restrict__ weights, int64_t rowBytes, int64_t rows, int64_t cols,
                      const float *__restrict__ x, int n, float *__restrict__ y)
{
    const int lane = int(threadIdx.x % kWarpSize);
    const int64_t row0 = (int64_t(blockIdx.x) * kWarpsPerBlock + threadIdx.x / kWarpSize) * R;
    if (row0 >= rows)
        return; // the whole warp leaves together
    const uint8_t *rowPtr[R];
#pragma unroll
    for (int r = 0; r < R; ++r) // past the end: read the last row again, write nothing
        rowPtr[r] = weights + (row0 + r < rows ? row0 + r : rows - 1) * rowBytes;

    float acc[R][N] = {};
    const int64_t units = cols / F::kUnitElems;
#pragma unroll 1
    // note: no software prefetch of the next unit: on an H100 it lowered throughput (the decode
    // instructions, not the load latency, are the limit for the quantized formats).
    for (int64_t unit = lane; unit < units; unit += kWarpSize) {
        typename F::Unit u[R];
#pragma unroll
        for (int r = 0; r < R; ++r)
            u[r] = F::load(rowPtr[r], unit);
        if constexpr (N <= kUnrolledRunsMaxTokens) {
#pragma unroll
            for (int run = 0; run < F::kRuns; ++run)
                accumulateRun<F, N, R>(u, unit, run, x, cols, n, acc);
        } else {
#pragma unroll 1
            for (int run = 0; run < F::kRuns; ++run)
                accumulateRun<F, N, R>(u, unit, run, x, cols, n, acc);
        }
    }
#pragma unroll
    for (int r = 0; r < R; ++r) {
#pragma unroll
        for (int t = 0; t < N; ++t) {
            const float sum = warpSum(acc[r][t]);
            if (lane == 0 && t < n && row0 + r < rows)
                y[t * rows + row0 + r] = sum;
        }
    }
}

// One warp per row, one element per lane step: any width, 4-byte (F32) or 2-byte aligned rows.
template <QuantType kType>
__global__ void __launch_bounds__(kThreads)
    floatMatvecScalarKernel(const uint8_t *__restrict__ weights, int64_t rowBytes, int64_t rows, int64_t cols,
                            const float *__restrict__ x, int n, float *__restrict__ y)
{
    const int lane = int(threadIdx.x % kWarpSize);
    const int64_t row = int64_t(blockIdx.x) * kWarpsPerBlock + threadIdx.x / kWarpSize;
    if (row >= rows)
        return;
    const uint8_t *rowPtr = weights + row * rowBytes;
    float acc[kMatvecMaxTokens] = {};
    for (int64_t c = lane; c < cols; c += kWarpSize) {
        float w;
        if constexpr (kType == QuantType::F32)
            w = __ldg(reinterpret_cast<const float *>(rowPtr) + c);
        else if constexpr (kType == QuantType::F16)
            w = fp16BitsToF32(__ldg(reinterpret_cast<const uint16_t *>(rowPtr) + c));
        else
            w = bf16BitsToF32(__ldg(reinterpret_cast<const uint16_t *>(rowPtr) + c));
#pragma unroll
        for (int t = 0; t < kMatvecMaxTokens; ++t)
            if (t < n)
                acc[t] = fmaf(w, __ldg(x + t * cols + c), acc[t]);
    }
#pragma unroll
    for (int t = 0; t < kMatvecMaxTokens; ++t) {
        const float sum = warpSum(acc[t]);
        if (lane == 0 && t < n)
            y[t * rows + row] = sum;
    }
}

struct Launch {
    const uint8_t *weights;
    int64_t rowBytes, rows, cols;
    const float *x;
    int n;
    float *y;
    cudaStream_t stream;
};

unsigned gridFor(int64_t rows, int rowsPerWarp)
{
    const int64_t rowsPerBlock = int64_t(rowsPerWarp) * kWarpsPerBlock;
    return unsigned((rows + rowsPerBlock - 1) / rowsPerBlock);
}

template <class F, int N, int R>
void launchKernel(const Launch &l)
{
    quantMatvecKernel<F, N, R><<<gridFor(l.rows, R), kThreads, 0, l.stream>>>(l.weights, l.rowBytes, l.rows, l.cols,
                                                                             l.x, l.n, l.y);
}

template <class F, int N>
void launchRows(const Launch &l, int rowsPerWarp)
{
    if constexpr (maxRowsPerWarp(N) >= 4) {
        if (rowsPerWarp >= 4)
            return launchKernel<F, N, 4>(l);
    }
    if (rowsPerWarp >= 2)
        launchKernel<F, N, 2>(l);
    else
        launchKernel<F, N, 1>(l);
}

template <class F>
void launchFormat(const Launch &l, int rowsPerWarp)
{
    if (l.n == 1)
        launchRows<F, 1>(l, rowsPerWarp);
    else if (l.n == 2)
        launchRows<F, 2>(l, rowsPerWarp);
    else if (l.n <= 4)
        launchRows<F, 4>(l, rowsPerWarp);
    else
        launchRows<F, 8>(l, rowsPerWarp);
}

template <QuantType kType>
void launchScalar(const Launch &l)
{
    floatMatvecScalarKernel<kType><<<gridFor(l.rows, 1), kThreads, 0, l.stream>>>(l.weights, l.rowBytes, l.rows,
                                                                                  l.cols, l.x, l.n, l.y);
}

int multiprocessorCount()
{
    // note: cached for the first device asked; only the rows-per-warp heuristic depends on it.
    static std::atomic<int> cached{0};
    int count = cached.load(std::memory_order_relaxed);
    if (count == 0) {
        int device = 0;
        CUDA_CHECK(cudaGetDevice(&device));
        CUDA_CHECK(cudaDeviceGetAttribute(&count, cudaDevAttrMultiProcessorCount, device));
        cached.store(count, std::memory_order_relaxed);
    }
    return count;
}

// More rows per warp reuse each activation load more often but leave fewer warps to hide the
// memory latency: keep at least kMinWarpsPerSm warps per multiprocessor.
constexpr int64_t kMinWarpsPerSm = 6;

int chooseRowsPerWarp(int64_t rows, int n)
{
    int rowsPerWarp = maxRowsPerWarp(n);
    const int64_t minWarps = kMinWarpsPerSm * multiprocessorCount();
    while (rowsPerWarp > 1 && rows / rowsPerWarp < minWarps)
        rowsPerWarp /= 2;
    return rowsPerWarp;
}

[[noreturn]] void throwInvalid(const std::string &what)
{
    throw CudaError(cudaErrorInvalidValue, "launchQuantMatvec: " + what);
}

bool aligned(const void *p, int64_t bytes) { return reinterpret_cast<uintptr_t>(p) % uint64_t(bytes) == 0; }

} // namespace

bool quantMatvecSupports(QuantType type)
{
    switch (type) {
    case QuantType::Q4_0:
    case QuantType::Q8_0:
    case QuantType::Q4_K:
    case QuantType::Q5_K:
    case QuantType::Q6_K:
    case QuantType::F32:
    case QuantType::F16:
    case QuantType::BF16: return true;
    default: return false;
    }
}

void launchQuantMatvecTuned(QuantType type, const void *weights, int64_t rows, int64_t cols, const float *x,
                            int64_t n, float *y, cudaStream_t stream, int rowsPerWarp)
{
    if (!quantMatvecSupports(type))
        throw CudaError(cudaErrorNotSupported,
                        "launchQuantMatvec: unsupported on CUDA: " + std::string(quantTypeName(type)));
    if (n < 1 || n > kMatvecMaxTokens)
        throwInvalid("n = " + std::to_string(n) + " tokens, expected 1.." + std::to_string(kMatvecMaxTokens));
    if (rows < 0 || cols < 0 || cols % quantBlockElems(type) != 0)
        throwInvalid("bad shape " + std::to_string(rows) + " x " + std::to_string(cols) + " for " +
                     std::string(quantTypeName(type)));
    if (rows == 0)
        return;
    const Launch l{static_cast<const uint8_t *>(weights), quantRowBytes(type, cols), rows, cols, x, int(n), y, stream};
    const bool floatType = type == QuantType::F32 || type == QuantType::F16 || type == QuantType::BF16;
    const int64_t vectorElems = type == QuantType::F32 ? 4 : 8;
    if (floatType && (cols % vectorElems != 0 || !aligned(weights, 16) || !aligned(x, 16))) {
        if (!aligned(weights, type == QuantType::F32 ? 4 : 2) || !aligned(x, 4))
            throwInvalid("misaligned weights or activations");
        if (type == QuantType::F32)
            launchScalar<QuantType::F32>(l);
        else if (type == QuantType::F16)
            launchScalar<QuantType::F16>(l);
        else
            launchScalar<QuantType::BF16>(l);
        CUDA_CHECK(cudaGetLastError());
        return;
    }
    const bool wide = type == QuantType::Q4_K || type == QuantType::Q5_K || floatType;
    if (!aligned(weights, wide ? 16 : 2) || !aligned(x, 16))
        throwInvalid(std::string("weights must be ") + (wide ? "16" : "2") + "-byte aligned, activations 16-byte");
    if (rowsPerWarp == 0)
        rowsPerWarp = chooseRowsPerWarp(rows, int(n));
    switch (type) {
    case QuantType::Q4_0: launchFormat<FormatQ40>(l, rowsPerWarp); break;
    case QuantType::Q8_0: launchFormat<FormatQ80>(l, rowsPerWarp); break;
    case QuantType::Q4_K: launchFormat<FormatQ4K>(l, rowsPerWarp); break;
    case QuantType::Q5_K: launchFormat<FormatQ5K>(l, rowsPerWarp); break;
    case QuantType::Q6_K: launchFormat<FormatQ6K>(l, rowsPerWarp); break;
    case QuantType::F32: launchFormat<FormatF32>(l, rowsPerWarp); break;
    case QuantType::F16: launchFormat<FormatHalf<false>>(l, rowsPerWarp); break;
    default: launchFormat<FormatHalf<true>>(l, rowsPerWarp); break;
    }
    CUDA_CHECK(cudaGetLastError());
}

void launchQuantMatvec(QuantType type, const void *weights, int64_t rows, int64_t cols, const float *x, int64_t n,
                       float *y, cudaStream_t stream)
{
    launchQuantMatvecTuned(type, weights, rows, cols, x, n, y, stream, 0);
}

} // namespace enclave::cuda
