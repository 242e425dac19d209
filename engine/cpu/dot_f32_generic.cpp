// Generic float32-activation dot products: float formats through their cpuVecDot kernel, every
// other format dequantized a chunk of blocks at a time into a stack buffer and dotted there. The
// functions are instantiated per (level, type) so that each resolves its parts once.
#include "engine/cpu/dot_f32.h"

#include <algorithm>

namespace enclave::generic {
namespace {

// A multiple of every block size (1, 32, 256); 1 KiB of stack.
constexpr int64_t kChunkElems = 256;

struct ChunkParts {
    DequantizeRowFn dequantize;
    VecDotFn dot; // F32 . F32
    int64_t blockElems;
    int64_t blockBytes;
};

ChunkParts chunkParts(CpuKernelLevel level, QuantType type)
{
    const QuantTraits &t = quantTraits(type);
    DequantizeRowFn dequantize = cpuDequantizeRowFastAt(level, type);
    return {dequantize ? dequantize : t.dequantizeRow, cpuVecDotAt(level, QuantType::F32), t.blockElems, t.blockBytes};
}

template <CpuKernelLevel kLevel, QuantType kType>
float chunkedDot(int64_t n, const void *weightRow, const float *x)
{
    static const ChunkParts parts = chunkParts(kLevel, kType);
    const auto *w = static_cast<const uint8_t *>(weightRow);
    float buffer[kChunkElems];
    float sum = 0;
    for (int64_t i = 0; i < n; i += kChunkElems) {
        const int64_t len = std::min(kChunkElems, n - i);
        parts.dequantize(w + i / parts.blockElems * parts.blockBytes, buffer, len);
        sum += parts.dot(len, buffer, x + i);
    }
    return sum;
}

template <CpuKernelLevel kLevel, QuantType kType>
float floatRowDot(int64_t n, const void *weightRow, const float *x)
{
    static const VecDotFn dot = cpuVecDotAt(kLevel, kType);
    return dot(n, weightRow, x);
}

template <CpuKernelLevel kLevel, QuantType... kTypes>
DotF32Fn pickChunked(QuantType type)
{
    DotF32Fn fn = nullptr;
    ((fn = type == kTypes ? chunkedDot<kLevel, kTypes> : fn), ...);
    return fn;
}

template <CpuKernelLevel kLevel>
DotF32Fn chunkedAt(QuantType type)
{
    using enum QuantType;
    return pickChunked<kLevel, F8_E4M3, Q4_0, Q4_1, Q5_0, Q5_1, Q8_0, Q8_1, Q2_K, Q3_K, Q4_K, Q5_K, Q6_K, Q8_K,
                       IQ4_NL, IQ4_XS, IQ1_S, IQ1_M, IQ2_XXS, IQ2_XS, IQ2_S, IQ3_XXS, IQ3_S, MXFP4>(type);
}

template <CpuKernelLevel kLevel>
DotF32Fn floatAt(QuantType type)
{
    switch (type) {
    case QuantType::F32: return floatRowDot<kLevel, QuantType::F32>;
    case QuantType::F16: return floatRowDot<kLevel, QuantType::F16>;
    case QuantType::BF16: return floatRowDot<kLevel, QuantType::BF16>;
    default: return nullptr;
    }
}

} // namespace

DotF32Fn floatRowDotF32(CpuKernelLevel level, QuantType weightType)
{
    switch (level) {
    case CpuKernelLevel::Avx512Vnni: return floatAt<CpuKernelLevel::Avx512Vnni>(weightType);
    case CpuKernelLevel::Avx2: return floatAt<CpuKernelLevel::Avx2>(weightType);
    case CpuKernelLevel::Scalar: break;
    }
    return floatAt<CpuKernelLevel::Scalar>(weightType);
}

DotF32Fn chunkedDotF32(CpuKernelLevel level, QuantType weightType)
{
    switch (level) {
    case CpuKernelLevel::Avx512Vnni: return chunkedAt<CpuKernelLevel::Avx512Vnni>(weightType);
    case CpuKernelLevel::Avx2: return chunkedAt<CpuKernelLevel::Avx2>(weightType);
    case CpuKernelLevel::Scalar: break;
    }
    return chunkedAt<CpuKernelLevel::Scalar>(weightType);
}

} // namespace enclave::generic
