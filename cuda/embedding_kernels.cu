// Weight rows as float32: embedding lookups (rows chosen by token id) and tiles of consecutive
// rows for the prompt GEMM. A thread decodes one unit of a row with the matvec's decoders
// (quant_decode.cuh), so every value equals the CPU dequantizeRow bit for bit; float rows of odd
// width or alignment take a thread per element.
#include "cuda/common.cuh"
#include "cuda/cuda_check.h"
#include "cuda/forward_kernels.cuh"
#include "cuda/kernel_launch.cuh"
#include "cuda/quant_decode.cuh"
#include "cuda/quant_matvec.cuh"
#include "engine/quant/quant_type.h"

#include <string>

namespace enclave::cuda {
namespace {

constexpr int kThreads = 256;

// Source row of output row r: ids[r], or firstRow + r without ids.
__device__ __forceinline__ int64_t sourceRow(const int32_t *ids, int64_t firstRow, int64_t r)
{
    return ids ? int64_t(ids[r]) : firstRow + r;
}

template <class F>
__global__ void __launch_bounds__(kThreads)
    dequantizeUnitsKernel(const uint8_t *weights, int64_t rowBytes, int64_t cols, const int32_t *ids,
                          int64_t firstRow, int64_t rows, float *out, bool vectorStores)
{
    const int64_t units = cols / F::kUnitElems;
    const int64_t total = rows * units;
    for (int64_t idx = int64_t(blockIdx.x) * blockDim.x + threadIdx.x; idx < total;
         idx += int64_t(gridDim.x) * blockDim.x) {
        const int64_t r = idx / units, unit = idx % units;
        const typename F::Unit u = F::load(weights + sourceRow(ids, firstRow, r) * rowBytes, unit);
        float *outRow = out + r * cols;
#pragma unroll
        for (int run = 0; run < F::kRuns; ++run) {
            float w[4];
            F::decode(u, run, w);
            float *o = outRow + F::runCol(unit, run); // 4 consecutive columns, a multiple of 4
            if (vectorStores) {
                *reinterpret_cast<float4 *>(o) = make_float4(w[0], w[1], w[2], w[3]);
            } else {
#pragma unroll
                for (int e = 0; e < 4; ++e)
                    o[e] = w[e];
            }
        }
    }
}

template <QuantType kType>
__global__ void __launch_bounds__(kThreads)
    dequantizeFloatKernel(const uint8_t *weights, int64_t rowBytes, int64_t cols, const int32_t *ids,
                          int64_t firstRow, int64_t rows, float *out)
{
    const int64_t total = rows * cols;
    for (int64_t idx = int64_t(blockIdx.x) * blockDim.x + threadIdx.x; idx < total;
         idx += int64_t(gridDim.x) * blockDim.x) {
        const int64_t r = idx / cols, c = idx % cols;
        const uint8_t *row = weights + sourceRow(ids, firstRow, r) * rowBytes;
        if constexpr (kType == QuantType::F32)
            out[idx] = __ldg(reinterpret_cast<const float *>(row) + c);
        else if constexpr (kType == QuantType::F16)
            out[idx] = fp16BitsToF32(__ldg(reinterpret_cast<const uint16_t *>(row) + c));
        else
            out[idx] = bf16BitsToF32(__ldg(reinterpret_cast<const uint16_t *>(row) + c));
    }
}

struct Job {
    const uint8_t *weights;
    int64_t rowBytes, cols;
    const int32_t *ids;
    int64_t firstRow, rows;
    float *out;
    cudaStream_t stream;
};

template <class F>
void launchUnits(const Job &j)
{
    const bool vectorStores = reinterpret_cast<uintptr_t>(j.out) % 16 == 0;
    dequantizeUnitsKernel<F><<<gridBlocks(j.rows * (j.cols / F::kUnitElems), kThreads), kThreads, 0, j.stream>>>(
        j.weights, j.rowBytes, j.cols, j.ids, j.firstRow, j.rows, j.out, vectorStores);
}

template <QuantType kType>
void launchElements(const Job &j)
{
    dequantizeFloatKernel<kType><<<gridBlocks(j.rows * j.cols, kThreads), kThreads, 0, j.stream>>>(
        j.weights, j.rowBytes, j.cols, j.ids, j.firstRow, j.rows, j.out);
}

bool aligned(const void *p, int64_t bytes) { return reinterpret_cast<uintptr_t>(p) % uint64_t(bytes) == 0; }

void launchDequantize(const char *launcher, QuantType type, const void *weights, int64_t rowBytes, int64_t cols,
                      const int32_t *ids, int64_t firstRow, int64_t rows, float *out, cudaStream_t stream)
{
    if (!quantMatvecSupports(type))
        throw CudaError(cudaErrorNotSupported,
                        std::string(launcher) + ": unsupported on CUDA: " + std::string(quantTypeName(type)));
    requireArgument(rows >= 0 && cols >= 0 && cols % quantBlockElems(type) == 0 && firstRow >= 0 &&
                        rowBytes >= quantRowBytes(type, cols),
                    launcher,
                    "bad shape " + std::to_string(rows) + " x " + std::to_string(cols) + " (rows " +
                        std::to_string(rowBytes) + " bytes apart) for " + std::string(quantTypeName(type)));
    if (rows == 0 || cols == 0)
        return;
    const Job j{static_cast<const uint8_t *>(weights), rowBytes, cols, ids, firstRow, rows, out, stream};
    const bool floatType = type == QuantType::F32 || type == QuantType::F16 || type == QuantType::BF16;
    const int64_t elementBytes = type == QuantType::F32 ? 4 : 2;
    const int64_t unitElems = type == QuantType::F32 ? 4 : 8;
    if (floatType && (cols % unitElems != 0 || !aligned(weights, 16) || rowBytes % 16 != 0)) {
        requireArgument(aligned(weights, elementBytes) && rowBytes % elementBytes == 0, launcher,
                        "float rows must be aligned to their element size");
        if (type == QuantType::F32)
            launchElements<QuantType::F32>(j);
        else if (type == QuantType::F16)
            launchElements<QuantType::F16>(j);
        else
            launchElements<QuantType::BF16>(j);
        CUDA_CHECK(cudaGetLastError());
        return;
    }
    const int64_t alignment = (type == QuantType::Q4_K || type == QuantType::Q5_K || floatType) ? 16 : 2;
    requireArgument(aligned(weights, alignment) && rowBytes % alignment == 0, launcher,
                    std::string(quantTypeName(type)) + " rows must start " + std::to_string(alignment) +
                        "-byte aligned");
    switch (type) {
    case QuantType::Q4_0: launchUnits<FormatQ40>(j); break;
    case QuantType::Q8_0: launchUnits<FormatQ80>(j); break;
    case QuantType::Q4_K: launchUnits<FormatQ4K>(j); break;
    case QuantType::Q5_K: launchUnits<FormatQ5K>(j); break;
    case QuantType::Q6_K: launchUnits<FormatQ6K>(j); break;
    case QuantType::F32: launchUnits<FormatF32>(j); break;
    case QuantType::F16: launchUnits<FormatHalf<false>>(j); break;
    default: launchUnits<FormatHalf<true>>(j); break;
    }
    CUDA_CHECK(cudaGetLastError());
}

} // namespace

void launchDequantizeRows(QuantType type, const void *weights, int64_t rowBytes, int64_t cols, const int32_t *ids,
                          int64_t n, float *out, cudaStream_t stream)
{
    requireArgument(ids || n <= 0, "launchDequantizeRows", "no ids");
    launchDequantize("launchDequantizeRows", type, weights, rowBytes, cols, ids, 0, n, out, stream);
}

void launchDequantizeTile(QuantType type, const void *weights, int64_t rowBytes, int64_t cols, int64_t firstRow,
                          int64_t rows, float *out, cudaStream_t stream)
{
    launchDequantize("launchDequantizeTile", type, weights, rowBytes, cols, nullptr, firstRow, rows, out, stream);
}

} // namespace enclave::cuda
