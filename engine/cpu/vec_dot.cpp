// Runtime dispatch of the CPU row kernels: detect the instruction set once, then hand out the best
// kernel per format, falling back level by level down to the scalar references of quant/.
#include "engine/cpu/vec_dot.h"

#include "engine/cpu/dot_f32.h"
#include "engine/cpu/x86_kernels.h"

#include <array>
#include <stdexcept>
#include <string>

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#endif

namespace enclave {
namespace {

CpuKernelLevel detectLevel()
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_cpu_init();
    unsigned eax = 0, ebx = 0, ecx = 0, edx = 0;
    const bool f16c = __get_cpuid(1, &eax, &ebx, &ecx, &edx) && (ecx & bit_F16C); // not every compiler's builtin knows f16c
    const bool avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") && f16c;
    const bool avx512 = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw")
        && __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512vnni");
    if (avx2 && avx512)
        return CpuKernelLevel::Avx512Vnni;
    if (avx2)
        return CpuKernelLevel::Avx2;
#endif
    return CpuKernelLevel::Scalar;
}

constexpr CpuKernelLevel kLevelsBestFirst[] = {CpuKernelLevel::Avx512Vnni, CpuKernelLevel::Avx2, CpuKernelLevel::Scalar};

[[noreturn]] void throwNoKernel(const char *what, QuantType type)
{
    throw std::invalid_argument(std::string(what) + ": no kernel for quant type " + std::string(quantTypeName(type)));
}

DequantizeRowFn bestDequantizer(QuantType type)
{
    for (CpuKernelLevel level : kLevelsBestFirst) {
        if (cpuSupports(level)) {
            if (DequantizeRowFn fn = cpuDequantizeRowFastAt(level, type))
                return fn;
        }
    }
    throwNoKernel("cpuDequantizeRowFast", type);
}

} // namespace

CpuKernelLevel cpuBestKernelLevel()
{
    static const CpuKernelLevel level = detectLevel();
    return level;
}

bool cpuSupports(CpuKernelLevel level) { return level <= cpuBestKernelLevel(); }

const char *cpuKernelLevelName(CpuKernelLevel level)
{
    switch (level) {
    case CpuKernelLevel::Avx512Vnni: return "avx512vnni";
    case CpuKernelLevel::Avx2: return "avx2";
    case CpuKernelLevel::Scalar: break;
    }
    return "scalar";
}

const char *cpuKernelLevel() { return cpuKernelLevelName(cpuBestKernelLevel()); }

VecDotFn cpuVecDotAt(CpuKernelLevel level, QuantType weightType)
{
    switch (level) {
    case CpuKernelLevel::Avx512Vnni: return x86::avx512VecDot(weightType);
    case CpuKernelLevel::Avx2: return x86::avx2VecDot(weightType);
    case CpuKernelLevel::Scalar: break;
    }
    return quantTraits(weightType).vecDot;
}

QuantizeRowFn cpuQuantizeActivationsAt(CpuKernelLevel level, QuantType dotType)
{
    switch (level) {
    case CpuKernelLevel::Avx512Vnni: return nullptr;
    case CpuKernelLevel::Avx2: return x86::avx2QuantizeActivations(dotType);
    case CpuKernelLevel::Scalar: break;
    }
    return quantTraits(dotType).quantizeRow;
}

VecDotFn cpuVecDot(QuantType weightType)
{
    for (CpuKernelLevel level : kLevelsBestFirst) {
        if (cpuSupports(level)) {
            if (VecDotFn fn = cpuVecDotAt(level, weightType))
                return fn;
        }
    }
    throwNoKernel("cpuVecDot", weightType);
}

QuantizeRowFn cpuQuantizeActivations(QuantType dotType)
{
    for (CpuKernelLevel level : kLevelsBestFirst) {
        if (cpuSupports(level)) {
            if (QuantizeRowFn fn = cpuQuantizeActivationsAt(level, dotType))
                return fn;
        }
    }
    throwNoKernel("cpuQuantizeActivations", dotType);
}

void cpuDequantizeRow(QuantType type, const void *src, float *dst, int64_t n)
{
    quantTraits(type).dequantizeRow(src, dst, n);
}

DotF32Fn cpuDotF32At(CpuKernelLevel level, QuantType weightType)
{
    if (DotF32Fn fn = generic::floatRowDotF32(level, weightType))
        return fn;
    switch (level) {
    case CpuKernelLevel::Avx512Vnni: return x86::avx512DotF32(weightType);
    case CpuKernelLevel::Avx2: return x86::avx2DotF32(weightType);
    case CpuKernelLevel::Scalar: break;
    }
    return generic::chunkedDotF32(CpuKernelLevel::Scalar, weightType);
}

DotF32Fn cpuDotF32(QuantType weightType)
{
    for (CpuKernelLevel level : kLevelsBestFirst) {
        if (level != CpuKernelLevel::Scalar && cpuSupports(level)) {
            if (DotF32Fn fn = cpuDotF32At(level, weightType))
                return fn;
        }
    }
    // No SIMD kernel: the generic one, with this CPU's best dequantizer and F32 dot inside.
    if (DotF32Fn fn = generic::chunkedDotF32(cpuBestKernelLevel(), weightType))
        return fn;
    if (DotF32Fn fn = generic::floatRowDotF32(cpuBestKernelLevel(), weightType))
        return fn;
    throwNoKernel("cpuDotF32", weightType);
}

DequantizeRowFn cpuDequantizeRowFastAt(CpuKernelLevel level, QuantType type)
{
    switch (level) {
    case CpuKernelLevel::Avx512Vnni: return x86::avx512DequantizeRow(type);
    case CpuKernelLevel::Avx2: return x86::avx2DequantizeRow(type);
    case CpuKernelLevel::Scalar: break;
    }
    const QuantTraits *t = findQuantTraits(type);
    return t ? t->dequantizeRow : nullptr;
}

void cpuDequantizeRowFast(QuantType type, const void *src, float *dst, int64_t n)
{
    // Every GGUF id the engine knows is below kCached; the lookup runs once per row.
    constexpr uint32_t kCached = 32;
    static const std::array<DequantizeRowFn, kCached> cache = [] {
        std::array<DequantizeRowFn, kCached> fns{};
        for (uint32_t id = 0; id < kCached; ++id) {
            if (findQuantTraits(QuantType(id)))
                fns[id] = bestDequantizer(QuantType(id));
        }
        return fns;
    }();
    const auto id = uint32_t(type);
    const DequantizeRowFn fn = id < kCached && cache[id] ? cache[id] : bestDequantizer(type);
    fn(src, dst, n);
}

} // namespace enclave
