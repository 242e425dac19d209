// The group-sum dots of dot_f32_factored.h: Q4_K at AVX-512 and AVX2, and a portable version.
// Per group of 32 weights: the levels as float times x, summed; then scale_g times that sum.
#include "engine/cpu/dot_f32_factored.h"

#include "engine/quant/blocks.h"
#include "engine/quant/float_convert.h"
#include "engine/quant/quant_math.h"

#include <cstring>

#if defined(__x86_64__) || defined(__i386__)
#include "engine/cpu/x86_block_parts.h"

#include <immintrin.h>
#endif

namespace enclave {
namespace {

constexpr int kGroups = kQK_K / kDotGroupElems; // per Q4_K block

// d·sc_g and dmin·m_g of a block's 8 groups.
void scalesAndMins(const BlockQ4_K &b, float *scales, float *mins)
{
    const float d = fp16ToFp32(b.d), dmin = fp16ToFp32(b.dmin);
    for (int g = 0; g < kGroups; ++g) {
        int sc = 0, m = 0;
        ref::unpackScaleMinK4(b.scales, g, sc, m);
        scales[g] = d * float(sc);
        mins[g] = dmin * float(m);
    }
}

float dotQ4KPortable(int64_t n, const void *weightRow, const float *x, const float *groupSums)
{
    const auto *blocks = static_cast<const BlockQ4_K *>(weightRow);
    float sum = 0.0f, minSum = 0.0f;
    for (int64_t i = 0; i < n / kQK_K; ++i, x += kQK_K, groupSums += kGroups) {
        float scales[kGroups], mins[kGroups];
        scalesAndMins(blocks[i], scales, mins);
        for (int j = 0; j < kGroups / 2; ++j) {
            float low = 0.0f, high = 0.0f;
            for (int l = 0; l < 32; ++l) {
                const uint8_t q = blocks[i].qs[32 * j + l];
                low += float(q & 0x0f) * x[64 * j + l];
                high += float(q >> 4) * x[64 * j + 32 + l];
            }
            sum += scales[2 * j] * low + scales[2 * j + 1] * high;
            minSum += mins[2 * j] * groupSums[2 * j] + mins[2 * j + 1] * groupSums[2 * j + 1];
        }
    }
    return sum - minSum;
}

// Q6_K: element 128 h + 32 k + l of a block has level (4 bits of ql, 2 of qh) - 32 and scale
// sc[8 h + 2 k + l / 16].
int q6Level(const BlockQ6_K &b, int h, int k, int l)
{
    const uint8_t ql = b.ql[64 * h + 32 * (k & 1) + l], qh = b.qh[32 * h + l];
    return int(((k < 2 ? ql : ql >> 4) & 0x0f) | (((qh >> (2 * k)) & 3) << 4)) - 32;
}

float dotQ6KPortable(int64_t n, const void *weightRow, const float *x, const float *)
{
    const auto *blocks = static_cast<const BlockQ6_K *>(weightRow);
    float sum = 0.0f;
    for (int64_t i = 0; i < n / kQK_K; ++i, x += kQK_K) {
        const float d = fp16ToFp32(blocks[i].d);
        for (int h = 0; h < 2; ++h)
            for (int k = 0; k < 4; ++k)
                for (int half = 0; half < 2; ++half) {
                    float part = 0.0f;
                    for (int l = 16 * half; l < 16 * half + 16; ++l)
                        part += float(q6Level(blocks[i], h, k, l)) * x[128 * h + 32 * k + l];
                    sum += d * float(blocks[i].scales[8 * h + 2 * k + half]) * part;
                }
    }
    return sum;
}

#if defined(__x86_64__) || defined(__i386__)

// The 4 × 32 centred levels of half h of a Q6_K block as signed bytes: q[k] holds elements
// 128 h + 32 k .. + 31.
[[gnu::target("avx2")]] inline void q6Levels(const BlockQ6_K &b, int h, __m256i *q)
{
    const __m256i low4 = _mm256_set1_epi8(0x0f), bits45 = _mm256_set1_epi8(0x30), offset = _mm256_set1_epi8(32);
    const __m256i qh = _mm256_loadu_si256(reinterpret_cast<const __m256i *>(b.qh + 32 * h));
    const __m256i ql0 = _mm256_loadu_si256(reinterpret_cast<const __m256i *>(b.ql + 64 * h));
    const __m256i ql1 = _mm256_loadu_si256(reinterpret_cast<const __m256i *>(b.ql + 64 * h + 32));
    q[0] = _mm256_or_si256(_mm256_and_si256(ql0, low4), _mm256_and_si256(_mm256_slli_epi16(qh, 4), bits45));
    q[1] = _mm256_or_si256(_mm256_and_si256(ql1, low4), _mm256_and_si256(_mm256_slli_epi16(qh, 2), bits45));
    q[2] = _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(ql0, 4), low4), _mm256_and_si256(qh, bits45));
    q[3] = _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(ql1, 4), low4),
                           _mm256_and_si256(_mm256_srli_epi16(qh, 2), bits45));
    for (int k = 0; k < 4; ++k)
        q[k] = _mm256_sub_epi8(q[k], offset);
}

#if !defined(__clang__)
// note: GCC 12's AVX-512 headers self-initialise their "undefined" vectors and trip these warnings.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif

[[gnu::target("avx512f,avx512bw,avx512vl,avx2,fma,f16c")]] float dotQ4KAvx512(int64_t n, const void *weightRow,
                                                                              const float *x, const float *groupSums)
{
    const auto *blocks = static_cast<const BlockQ4_K *>(weightRow);
    __m512 accLow = _mm512_setzero_ps(), accHigh = _mm512_setzero_ps();
    __m256 accMin = _mm256_setzero_ps();
    const __m512i low4 = _mm512_set1_epi32(0x0f);
    for (int64_t i = 0; i < n / kQK_K; ++i, x += kQK_K) {
        alignas(32) float scales[kGroups], mins[kGroups];
        x86::q4kScalesAndMins(blocks[i], scales, mins);
        accMin = _mm256_fmadd_ps(_mm256_load_ps(mins), _mm256_loadu_ps(groupSums + i * kGroups), accMin);
        for (int j = 0; j < kGroups / 2; ++j) {
            const uint8_t *qs = blocks[i].qs + 32 * j;
            const __m512i q0 = _mm512_cvtepu8_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i *>(qs)));
            const __m512i q1 = _mm512_cvtepu8_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i *>(qs + 16)));
            const float *xj = x + 64 * j;
            __m512 low = _mm512_mul_ps(_mm512_cvtepi32_ps(_mm512_and_si512(q0, low4)), _mm512_loadu_ps(xj));
            low = _mm512_fmadd_ps(_mm512_cvtepi32_ps(_mm512_and_si512(q1, low4)), _mm512_loadu_ps(xj + 16), low);
            __m512 high = _mm512_mul_ps(_mm512_cvtepi32_ps(_mm512_srli_epi32(q0, 4)), _mm512_loadu_ps(xj + 32));
            high = _mm512_fmadd_ps(_mm512_cvtepi32_ps(_mm512_srli_epi32(q1, 4)), _mm512_loadu_ps(xj + 48), high);
            accLow = _mm512_fmadd_ps(_mm512_set1_ps(scales[2 * j]), low, accLow);
            accHigh = _mm512_fmadd_ps(_mm512_set1_ps(scales[2 * j + 1]), high, accHigh);
        }
    }
    return _mm512_reduce_add_ps(_mm512_add_ps(accLow, accHigh)) - x86::horizontalSum(accMin);
}

#if !defined(__clang__)
#pragma GCC diagnostic pop
#endif

[[gnu::target("avx2,fma,f16c")]] float dotQ4KAvx2(int64_t n, const void *weightRow, const float *x,
                                                 const float *groupSums)
{
    const auto *blocks = static_cast<const BlockQ4_K *>(weightRow);
    __m256 accLow = _mm256_setzero_ps(), accHigh = _mm256_setzero_ps(), accMin = _mm256_setzero_ps();
    const __m256i low4 = _mm256_set1_epi32(0x0f);
    for (int64_t i = 0; i < n / kQK_K; ++i, x += kQK_K) {
        alignas(32) float scales[kGroups], mins[kGroups];
        x86::q4kScalesAndMins(blocks[i], scales, mins);
        accMin = _mm256_fmadd_ps(_mm256_load_ps(mins), _mm256_loadu_ps(groupSums + i * kGroups), accMin);
        for (int j = 0; j < kGroups / 2; ++j) {
            const uint8_t *qs = blocks[i].qs + 32 * j;
            const float *xj = x + 64 * j;
            __m256 low = _mm256_setzero_ps(), high = _mm256_setzero_ps();
            for (int part = 0; part < 4; ++part) {
                const __m256i q = _mm256_cvtepu8_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i *>(qs + 8 * part)));
                low = _mm256_fmadd_ps(_mm256_cvtepi32_ps(_mm256_and_si256(q, low4)), _mm256_loadu_ps(xj + 8 * part), low);
                high = _mm256_fmadd_ps(_mm256_cvtepi32_ps(_mm256_srli_epi32(q, 4)), _mm256_loadu_ps(xj + 32 + 8 * part),
                                       high);
            }
            accLow = _mm256_fmadd_ps(_mm256_set1_ps(scales[2 * j]), low, accLow);
            accHigh = _mm256_fmadd_ps(_mm256_set1_ps(scales[2 * j + 1]), high, accHigh);
        }
    }
    return x86::horizontalSum(_mm256_sub_ps(_mm256_add_ps(accLow, accHigh), accMin));
}

[[gnu::target("avx2,fma,f16c")]] float dotQ6KAvx2(int64_t n, const void *weightRow, const float *x, const float *)
{
    const auto *blocks = static_cast<const BlockQ6_K *>(weightRow);
    __m256 acc0 = _mm256_setzero_ps(), acc1 = _mm256_setzero_ps();
    for (int64_t i = 0; i < n / kQK_K; ++i, x += kQK_K) {
        const float d = _cvtsh_ss(blocks[i].d);
        for (int h = 0; h < 2; ++h) {
            __m256i q[4];
            q6Levels(blocks[i], h, q);
            for (int k = 0; k < 4; ++k) {
                const float *xk = x + 128 * h + 32 * k;
                alignas(32) int8_t bytes[32];
                _mm256_store_si256(reinterpret_cast<__m256i *>(bytes), q[k]);
                for (int half = 0; half < 2; ++half) {
                    __m256 part = _mm256_setzero_ps();
                    for (int e = 0; e < 2; ++e) {
                        const __m256 levels = _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(
                            _mm_loadl_epi64(reinterpret_cast<const __m128i *>(bytes + 16 * half + 8 * e))));
                        part = _mm256_fmadd_ps(levels, _mm256_loadu_ps(xk + 16 * half + 8 * e), part);
                    }
                    const __m256 scale = _mm256_set1_ps(d * float(blocks[i].scales[8 * h + 2 * k + half]));
                    if (half == 0)
                        acc0 = _mm256_fmadd_ps(scale, part, acc0);
                    else
                        acc1 = _mm256_fmadd_ps(scale, part, acc1);
                }
            }
        }
    }
    return x86::horizontalSum(_mm256_add_ps(acc0, acc1));
}

#endif

} // namespace

void cpuGroupSums(const float *x, int64_t n, float *sums)
{
    for (int64_t g = 0; g < n / kDotGroupElems; ++g) {
        float s = 0.0f;
        for (int64_t i = 0; i < kDotGroupElems; ++i)
            s += x[g * kDotGroupElems + i];
        sums[g] = s;
    }
}

DotF32FactoredFn cpuDotF32FactoredAt(CpuKernelLevel level, QuantType weightType)
{
    struct Kernels {
        QuantType type;
        DotF32FactoredFn portable, avx2, avx512;
    };
#if defined(__x86_64__) || defined(__i386__)
    static constexpr Kernels kKernels[] = {
        {QuantType::Q4_K, dotQ4KPortable, dotQ4KAvx2, dotQ4KAvx512},
        // At AVX-512 the fused kernel of dot_f32_avx512.cpp is as fast: Q6_K has no minimum to save.
        {QuantType::Q6_K, dotQ6KPortable, dotQ6KAvx2, nullptr},
    };
#else
    static constexpr Kernels kKernels[] = {
        {QuantType::Q4_K, dotQ4KPortable, nullptr, nullptr},
        {QuantType::Q6_K, dotQ6KPortable, nullptr, nullptr},
    };
#endif
    for (const Kernels &k : kKernels) {
        if (k.type != weightType)
            continue;
        switch (level) {
        case CpuKernelLevel::Avx512Vnni: return k.avx512;
        case CpuKernelLevel::Avx2: return k.avx2;
        case CpuKernelLevel::Scalar: return k.portable;
        }
    }
    return nullptr;
}

DotF32FactoredFn cpuDotF32Factored(QuantType weightType)
{
    // Only this CPU's best level: a lower level's factored kernel is slower than the best fused one.
    const CpuKernelLevel best = cpuBestKernelLevel();
    return best == CpuKernelLevel::Scalar ? nullptr : cpuDotF32FactoredAt(best, weightType);
}

} // namespace enclave
