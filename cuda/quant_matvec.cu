// Quantized matrix × float32 activations: R rows per warp, the lanes striding over a row's units
// (quant_decode.cuh), each activation float4 loaded once and reused for all R rows and each
// decoded weight for all N tokens (the kernels: quant_matvec_kernel.cuh). Float rows whose width
// or address breaks 16-byte loads take a scalar kernel.
#include "cuda/quant_matvec.cuh"

#include "cuda/cuda_check.h"
#include "cuda/quant_matvec_kernel.cuh"
#include "engine/quant/quant_type.h"

#include <atomic>
#include <string>

namespace enclave::cuda {

namespace matvec {
namespace {

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

} // namespace

int chooseRowsPerWarp(int64_t rows, int n)
{
    int rowsPerWarp = maxRowsPerWarp(n);
    const int64_t minWarps = kMinWarpsPerSm * multiprocessorCount();
    while (rowsPerWarp > 1 && rows / rowsPerWarp < minWarps)
        rowsPerWarp /= 2;
    return rowsPerWarp;
}

} // namespace matvec

namespace {

[[noreturn]] void throwInvalid(const std::string &what)
{
    throw CudaError(cudaErrorInvalidValue, "launchQuantMatvec: " + what);
}

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
    using namespace matvec;
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
    const Launch l{quantRowBytes(type, cols), rows, cols, int(n), 1, stream};
    const PlainSource source{static_cast<const uint8_t *>(weights), x, y};
    const bool floatType = isFloatType(type);
    if (needsScalarKernel(type, cols) || (floatType && (!aligned(weights, 16) || !aligned(x, 16)))) {
        if (!aligned(weights, type == QuantType::F32 ? 4 : 2) || !aligned(x, 4))
            throwInvalid("misaligned weights or activations");
        launchScalarType(type, l, source);
        CUDA_CHECK(cudaGetLastError());
        return;
    }
    const bool wide = type == QuantType::Q4_K || type == QuantType::Q5_K || floatType;
    if (!aligned(weights, wide ? 16 : 2) || !aligned(x, 16))
        throwInvalid(std::string("weights must be ") + (wide ? "16" : "2") + "-byte aligned, activations 16-byte");
    if (rowsPerWarp == 0)
        rowsPerWarp = chooseRowsPerWarp(rows, int(n));
    launchVectorType(type, l, source, rowsPerWarp);
    CUDA_CHECK(cudaGetLastError());
}

void launchQuantMatvec(QuantType type, const void *weights, int64_t rows, int64_t cols, const float *x, int64_t n,
                       float *y, cudaStream_t stream)
{
    launchQuantMatvecTuned(type, weights, rows, cols, x, n, y, stream, 0);
}

} // namespace enclave::cuda
