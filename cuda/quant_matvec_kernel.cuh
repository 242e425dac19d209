// The quantized matvec kernels and their launch plumbing, shared by launchQuantMatvec (one plain
// matrix) and launchExpertMatvec (one job per blockIdx.y, its matrix looked up in an expert table).
// A Source says where a block's weights, activations and outputs are; the decoding and the dot
// products are the same code for both.
#pragma once

#include "cuda/common.cuh"
#include "cuda/cuda_check.h"
#include "cuda/quant_decode.cuh"
#include "cuda/quant_matvec.cuh"
#include "engine/quant/quant_type.h"

#include <cstdint>
#include <string>

namespace enclave::cuda::matvec {

constexpr int kThreads = 128;
constexpr int kWarpsPerBlock = kThreads / kWarpSize;

// More rows per warp than this spill registers.
constexpr int maxRowsPerWarp(int) { return 4; }
// Up to this many tokens a unit's runs are unrolled; beyond, the compiler would keep every decoded
// weight and activation of the unit live at once and spill, so the run loop stays rolled.
constexpr int kUnrolledRunsMaxTokens = 1;

// One matrix for the whole grid.
struct PlainSource {
    const uint8_t *weights;
    const float *x;
    float *y;
    __device__ bool resolve(const uint8_t *&w, const float *&xs, float *&ys) const
    {
        w = weights;
        xs = x;
        ys = y;
        return true;
    }
};

// Job blockIdx.y: W = table[ids[job]] (null: nothing to do), x row (job / xShare) * xStride,
// y row job * rows.
struct ExpertSource {
    const void *const *table;
    const int32_t *ids;
    const float *x;
    int64_t xStride;
    int64_t xShare;
    float *y;
    int64_t rows;
    __device__ bool resolve(const uint8_t *&w, const float *&xs, float *&ys) const
    {
        const int64_t job = blockIdx.y;
        const void *matrix = table[ids[job]];
        if (!matrix)
            return false;
        w = static_cast<const uint8_t *>(matrix);
        xs = x + (job / xShare) * xStride;
        ys = y + job * rows;
        return true;
    }
};

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

template <class F, int N, int R, class S>
__global__ void __launch_bounds__(kThreads, kMinBlocksPerSm<N, R>)
    quantMatvecKernel(S source, int64_t rowBytes, int64_t rows, int64_t cols, int n)
{
    const uint8_t *weights = nullptr;
    const float *xs = nullptr;
    float *ys = nullptr;
    if (!source.resolve(weights, xs, ys))
        return; // the whole block leaves together
    const float *__restrict__ x = xs;
    float *__restrict__ y = ys;
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
template <QuantType kType, class S>
__global__ void __launch_bounds__(kThreads)
    floatMatvecScalarKernel(S source, int64_t rowBytes, int64_t rows, int64_t cols, int n)
{
    const uint8_t *weights = nullptr;
    const float *xs = nullptr;
    float *ys = nullptr;
    if (!source.resolve(weights, xs, ys))
        return;
    const float *__restrict__ x = xs;
    float *__restrict__ y = ys;
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

// One launch: `jobs` matrices of the same shape (blockIdx.y), n tokens each.
struct Launch {
    int64_t rowBytes, rows, cols;
    int n;
    unsigned jobs;
    cudaStream_t stream;
};

inline unsigned gridFor(int64_t rows, int rowsPerWarp)
{
    const int64_t rowsPerBlock = int64_t(rowsPerWarp) * kWarpsPerBlock;
    return unsigned((rows + rowsPerBlock - 1) / rowsPerBlock);
}

template <class F, int N, int R, class S>
void launchKernel(const Launch &l, const S &source)
{
    const dim3 grid(gridFor(l.rows, R), l.jobs);
    quantMatvecKernel<F, N, R, S><<<grid, kThreads, 0, l.stream>>>(source, l.rowBytes, l.rows, l.cols, l.n);
}

template <class F, int N, class S>
void launchRows(const Launch &l, const S &source, int rowsPerWarp)
{
    if constexpr (maxRowsPerWarp(N) >= 4) {
        if (rowsPerWarp >= 4)
            return launchKernel<F, N, 4>(l, source);
    }
    if (rowsPerWarp >= 2)
        launchKernel<F, N, 2>(l, source);
    else
        launchKernel<F, N, 1>(l, source);
}

template <class F, class S>
void launchFormat(const Launch &l, const S &source, int rowsPerWarp)
{
    if (l.n == 1)
        launchRows<F, 1>(l, source, rowsPerWarp);
    else if (l.n == 2)
        launchRows<F, 2>(l, source, rowsPerWarp);
    else if (l.n <= 4)
        launchRows<F, 4>(l, source, rowsPerWarp);
    else
        launchRows<F, 8>(l, source, rowsPerWarp);
}

template <QuantType kType, class S>
void launchScalar(const Launch &l, const S &source)
{
    const dim3 grid(gridFor(l.rows, 1), l.jobs);
    floatMatvecScalarKernel<kType, S><<<grid, kThreads, 0, l.stream>>>(source, l.rowBytes, l.rows, l.cols, l.n);
}

inline bool isFloatType(QuantType type)
{
    return type == QuantType::F32 || type == QuantType::F16 || type == QuantType::BF16;
}

// Float rows whose width breaks 16-byte loads take the scalar kernel (so do misaligned plain ones).
inline bool needsScalarKernel(QuantType type, int64_t cols)
{
    return isFloatType(type) && cols % (type == QuantType::F32 ? 4 : 8) != 0;
}

template <class S>
void launchScalarType(QuantType type, const Launch &l, const S &source)
{
    if (type == QuantType::F32)
        launchScalar<QuantType::F32>(l, source);
    else if (type == QuantType::F16)
        launchScalar<QuantType::F16>(l, source);
    else
        launchScalar<QuantType::BF16>(l, source);
}

// The vector kernel for a supported type (quantMatvecSupports).
template <class S>
void launchVectorType(QuantType type, const Launch &l, const S &source, int rowsPerWarp)
{
    switch (type) {
    case QuantType::Q4_0: launchFormat<FormatQ40>(l, source, rowsPerWarp); break;
    case QuantType::Q8_0: launchFormat<FormatQ80>(l, source, rowsPerWarp); break;
    case QuantType::Q4_K: launchFormat<FormatQ4K>(l, source, rowsPerWarp); break;
    case QuantType::Q5_K: launchFormat<FormatQ5K>(l, source, rowsPerWarp); break;
    case QuantType::Q6_K: launchFormat<FormatQ6K>(l, source, rowsPerWarp); break;
    case QuantType::F32: launchFormat<FormatF32>(l, source, rowsPerWarp); break;
    case QuantType::F16: launchFormat<FormatHalf<false>>(l, source, rowsPerWarp); break;
    default: launchFormat<FormatHalf<true>>(l, source, rowsPerWarp); break;
    }
}

// Rows per warp for `rows` rows in all (over every job) and n tokens (see quant_matvec.cu).
int chooseRowsPerWarp(int64_t rows, int n);

inline bool aligned(const void *p, int64_t bytes) { return reinterpret_cast<uintptr_t>(p) % uint64_t(bytes) == 0; }

} // namespace enclave::cuda::matvec
