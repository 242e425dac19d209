// cpuRowDots: a query held against many key rows, one horizontal sum per row. cpuWeightedRowSum: column blocks of 8 (AVX2) or 16 (AVX-512) floats held in registers while every
// row is added in, one FMA per row and block; j runs in the same order at every level.
#include "engine/cpu/row_sum.h"

#include <algorithm>
#include <cmath>

#if defined(__x86_64__) || defined(__i386__)
#include "engine/cpu/x86_block_parts.h"

#include <immintrin.h>
#endif

namespace enclave {
namespace {

void weightedRowSumPortable(const float *weights, int64_t count, const float *rows, int64_t stride, int64_t width,
                            float *out)
{
    std::fill_n(out, width, 0.0f);
    for (int64_t j = 0; j < count; ++j) {
        const float p = weights[j];
        const float *row = rows + j * stride;
        for (int64_t d = 0; d < width; ++d)
            out[d] = std::fma(p, row[d], out[d]);
    }
}

void rowDotsPortable(const float *rows, int64_t count, int64_t stride, const float *x, int64_t width, float *out)
{
    for (int64_t j = 0; j < count; ++j) {
        float s = 0.0f;
        for (int64_t d = 0; d < width; ++d)
            s = std::fma(rows[j * stride + d], x[d], s);
        out[j] = s;
    }
}

#if defined(__x86_64__) || defined(__i386__)

#if !defined(__clang__)
// note: GCC 12's AVX-512 headers self-initialise their "undefined" vectors and trip these warnings.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif

// 16 columns per FMA, masked at the end of a row; one horizontal sum per row.
[[gnu::target("avx512f")]] void rowDotsAvx512(const float *rows, int64_t count, int64_t stride, const float *x,
                                              int64_t width, float *out)
{
    for (int64_t j = 0; j < count; ++j) {
        __m512 a = _mm512_setzero_ps();
        for (int64_t d = 0; d < width; d += 16) {
            const __mmask16 m = width - d >= 16 ? __mmask16(0xffff) : __mmask16((1u << (width - d)) - 1);
            a = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(m, rows + j * stride + d), _mm512_maskz_loadu_ps(m, x + d), a);
        }
        out[j] = _mm512_reduce_add_ps(a);
    }
}

#if !defined(__clang__)
#pragma GCC diagnostic pop
#endif

[[gnu::target("avx2,fma")]] void rowDotsAvx2(const float *rows, int64_t count, int64_t stride, const float *x,
                                            int64_t width, float *out)
{
    for (int64_t j = 0; j < count; ++j) {
        const float *r = rows + j * stride;
        __m256 a = _mm256_setzero_ps();
        int64_t d = 0;
        for (; d + 8 <= width; d += 8)
            a = _mm256_fmadd_ps(_mm256_loadu_ps(r + d), _mm256_loadu_ps(x + d), a);
        float s = x86::horizontalSum(a);
        for (; d < width; ++d)
            s = std::fma(r[d], x[d], s);
        out[j] = s;
    }
}

[[gnu::target("avx512f")]] void weightedRowSumAvx512(const float *weights, int64_t count, const float *rows,
                                                     int64_t stride, int64_t width, float *out)
{
    int64_t d = 0;
    for (; d + 64 <= width; d += 64) {
        __m512 a0 = _mm512_setzero_ps(), a1 = _mm512_setzero_ps(), a2 = _mm512_setzero_ps(), a3 = _mm512_setzero_ps();
        for (int64_t j = 0; j < count; ++j) {
            const float *row = rows + j * stride + d;
            const __m512 p = _mm512_set1_ps(weights[j]);
            a0 = _mm512_fmadd_ps(p, _mm512_loadu_ps(row), a0);
            a1 = _mm512_fmadd_ps(p, _mm512_loadu_ps(row + 16), a1);
            a2 = _mm512_fmadd_ps(p, _mm512_loadu_ps(row + 32), a2);
            a3 = _mm512_fmadd_ps(p, _mm512_loadu_ps(row + 48), a3);
        }
        _mm512_storeu_ps(out + d, a0);
        _mm512_storeu_ps(out + d + 16, a1);
        _mm512_storeu_ps(out + d + 32, a2);
        _mm512_storeu_ps(out + d + 48, a3);
    }
    for (; d < width; d += 16) {
        const __mmask16 m = width - d >= 16 ? __mmask16(0xffff) : __mmask16((1u << (width - d)) - 1);
        __m512 a = _mm512_setzero_ps();
        for (int64_t j = 0; j < count; ++j)
            a = _mm512_fmadd_ps(_mm512_set1_ps(weights[j]), _mm512_maskz_loadu_ps(m, rows + j * stride + d), a);
        _mm512_mask_storeu_ps(out + d, m, a);
    }
}

[[gnu::target("avx2,fma")]] void weightedRowSumAvx2(const float *weights, int64_t count, const float *rows,
                                                    int64_t stride, int64_t width, float *out)
{
    int64_t d = 0;
    for (; d + 32 <= width; d += 32) {
        __m256 a0 = _mm256_setzero_ps(), a1 = _mm256_setzero_ps(), a2 = _mm256_setzero_ps(), a3 = _mm256_setzero_ps();
        for (int64_t j = 0; j < count; ++j) {
            const float *row = rows + j * stride + d;
            const __m256 p = _mm256_broadcast_ss(weights + j);
            a0 = _mm256_fmadd_ps(p, _mm256_loadu_ps(row), a0);
            a1 = _mm256_fmadd_ps(p, _mm256_loadu_ps(row + 8), a1);
            a2 = _mm256_fmadd_ps(p, _mm256_loadu_ps(row + 16), a2);
            a3 = _mm256_fmadd_ps(p, _mm256_loadu_ps(row + 24), a3);
        }
        _mm256_storeu_ps(out + d, a0);
        _mm256_storeu_ps(out + d + 8, a1);
        _mm256_storeu_ps(out + d + 16, a2);
        _mm256_storeu_ps(out + d + 24, a3);
    }
    for (; d < width; ++d) {
        float a = 0.0f;
        for (int64_t j = 0; j < count; ++j)
            a = std::fma(weights[j], rows[j * stride + d], a);
        out[d] = a;
    }
}

#endif

} // namespace

WeightedRowSumFn cpuWeightedRowSumAt(CpuKernelLevel level)
{
    switch (level) {
#if defined(__x86_64__) || defined(__i386__)
    case CpuKernelLevel::Avx512Vnni: return weightedRowSumAvx512;
    case CpuKernelLevel::Avx2: return weightedRowSumAvx2;
#else
    case CpuKernelLevel::Avx512Vnni:
    case CpuKernelLevel::Avx2: return nullptr;
#endif
    case CpuKernelLevel::Scalar: break;
    }
    return weightedRowSumPortable;
}

RowDotsFn cpuRowDotsAt(CpuKernelLevel level)
{
    switch (level) {
#if defined(__x86_64__) || defined(__i386__)
    case CpuKernelLevel::Avx512Vnni: return rowDotsAvx512;
    case CpuKernelLevel::Avx2: return rowDotsAvx2;
#else
    case CpuKernelLevel::Avx512Vnni:
    case CpuKernelLevel::Avx2: return nullptr;
#endif
    case CpuKernelLevel::Scalar: break;
    }
    return rowDotsPortable;
}

RowDotsFn cpuRowDots()
{
    static const RowDotsFn best = cpuBestAt(cpuRowDotsAt);
    return best;
}

WeightedRowSumFn cpuWeightedRowSum()
{
    static const WeightedRowSumFn best = cpuBestAt(cpuWeightedRowSumAt);
    return best;
}

} // namespace enclave
