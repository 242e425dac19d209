// The fast-precision GEMM of gemm_q8.h. Packing: each row's segment is unpacked to one level byte
// per weight (one function per format), then the 32 rows × 64 dwords are transposed with the float
// GEMM's 16×16 transposes (a dword holds four levels), so that a 64-byte load is 16 rows × 4
// levels. Multiplying: a 32-row × 4-token micro-kernel, eight vpdpbusd per group of 32 weights into
// integer accumulators, which the group's scales turn into float sums.
#include "engine/cpu/gemm_q8.h"

#include "engine/cpu/gemm_f32.h"
#include "engine/cpu/vec_dot.h"
#include "engine/quant/float_convert.h"

#include <algorithm>
#include <cstring>

#if defined(__x86_64__) || defined(__i386__)
#include "engine/cpu/x86_block_parts.h"

#include <immintrin.h>
#define ENCLAVE_GEMM_Q8_X86 1
#endif

namespace enclave {
namespace {

constexpr int64_t kGroups = kGemmQ8Depth / kGemmQ8Group;
constexpr int64_t kMaxGroups = kGemmQ8Depth / kGemmQ8MinGroup;
constexpr int64_t kWords = kGemmQ8Depth / 4; // dwords of levels per row

// One row's columns [k0, k0 + kGemmQ8Depth): levels (one byte each), and a scale and offset per group.
using UnpackFn = void (*)(const uint8_t *row, int64_t k0, uint8_t *levels, float *scale, float *offset);

struct Format {
    QuantType type;
    UnpackFn unpack;
    int64_t groupElems;
};

#if ENCLAVE_GEMM_Q8_X86
// The unpackers run only where the VNNI kernel runs, so AVX2 is always there.
#define ENCLAVE_UNPACK [[gnu::target("avx2,f16c")]]

ENCLAVE_UNPACK void unpackQ4_K(const uint8_t *row, int64_t k0, uint8_t *levels, float *scale, float *offset)
{
    const auto &b = reinterpret_cast<const BlockQ4_K *>(row)[k0 / kQK_K];
    x86::q4kScalesAndMins(b, scale, offset);
    const __m256i low4 = _mm256_set1_epi8(0x0f);
    for (int j = 0; j < 4; ++j) {
        const __m256i q = _mm256_loadu_si256(reinterpret_cast<const __m256i *>(b.qs + 32 * j));
        _mm256_storeu_si256(reinterpret_cast<__m256i *>(levels + 64 * j), _mm256_and_si256(q, low4));
        _mm256_storeu_si256(reinterpret_cast<__m256i *>(levels + 64 * j + 32),
                            _mm256_and_si256(_mm256_srli_epi16(q, 4), low4));
    }
}

ENCLAVE_UNPACK void unpackQ4_0(const uint8_t *row, int64_t k0, uint8_t *levels, float *scale, float *offset)
{
    const auto *blocks = reinterpret_cast<const BlockQ4_0 *>(row) + k0 / kGemmQ8Group;
    const __m128i low4 = _mm_set1_epi8(0x0f);
    for (int g = 0; g < int(kGroups); ++g) {
        const float d = _cvtsh_ss(blocks[g].d);
        scale[g] = d;
        offset[g] = 8.0f * d;
        const __m128i q = _mm_loadu_si128(reinterpret_cast<const __m128i *>(blocks[g].qs));
        _mm_storeu_si128(reinterpret_cast<__m128i *>(levels + 32 * g), _mm_and_si128(q, low4));
        _mm_storeu_si128(reinterpret_cast<__m128i *>(levels + 32 * g + 16), _mm_and_si128(_mm_srli_epi16(q, 4), low4));
    }
}

ENCLAVE_UNPACK void unpackQ8_0(const uint8_t *row, int64_t k0, uint8_t *levels, float *scale, float *offset)
{
    const auto *blocks = reinterpret_cast<const BlockQ8_0 *>(row) + k0 / kGemmQ8Group;
    const __m256i flip = _mm256_set1_epi8(char(0x80));
    for (int g = 0; g < int(kGroups); ++g) {
        const float d = _cvtsh_ss(blocks[g].d);
        scale[g] = d;
        offset[g] = 128.0f * d;
        const __m256i q = _mm256_loadu_si256(reinterpret_cast<const __m256i *>(blocks[g].qs));
        _mm256_storeu_si256(reinterpret_cast<__m256i *>(levels + 32 * g), _mm256_xor_si256(q, flip)); // q + 128
    }
}

// Q6_K: levels q ∈ [0, 63] (4 bits of ql, 2 of qh) with w = d·sc·(q − 32), sc per 16 weights.
ENCLAVE_UNPACK void unpackQ6_K(const uint8_t *row, int64_t k0, uint8_t *levels, float *scale, float *offset)
{
    const auto &b = reinterpret_cast<const BlockQ6_K *>(row)[k0 / kQK_K];
    const float d = _cvtsh_ss(b.d);
    for (int g = 0; g < 16; ++g) {
        scale[g] = d * float(b.scales[g]);
        offset[g] = 32.0f * scale[g];
    }
    const __m256i low4 = _mm256_set1_epi8(0x0f), bits45 = _mm256_set1_epi8(0x30);
    for (int h = 0; h < 2; ++h) {
        const __m256i qh = _mm256_loadu_si256(reinterpret_cast<const __m256i *>(b.qh + 32 * h));
        const __m256i ql0 = _mm256_loadu_si256(reinterpret_cast<const __m256i *>(b.ql + 64 * h));
        const __m256i ql1 = _mm256_loadu_si256(reinterpret_cast<const __m256i *>(b.ql + 64 * h + 32));
        const __m256i q[4] = {
            _mm256_or_si256(_mm256_and_si256(ql0, low4), _mm256_and_si256(_mm256_slli_epi16(qh, 4), bits45)),
            _mm256_or_si256(_mm256_and_si256(ql1, low4), _mm256_and_si256(_mm256_slli_epi16(qh, 2), bits45)),
            _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(ql0, 4), low4), _mm256_and_si256(qh, bits45)),
            _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(ql1, 4), low4),
                            _mm256_and_si256(_mm256_srli_epi16(qh, 2), bits45)),
        };
        for (int k = 0; k < 4; ++k)
            _mm256_storeu_si256(reinterpret_cast<__m256i *>(levels + 128 * h + 32 * k), q[k]);
    }
}

constexpr Format kFormats[] = {
    {QuantType::Q4_K, unpackQ4_K, 32},
    {QuantType::Q6_K, unpackQ6_K, 16},
    {QuantType::Q4_0, unpackQ4_0, 32},
    {QuantType::Q8_0, unpackQ8_0, 32},
};

const Format *formatOf(QuantType type)
{
    for (const Format &f : kFormats)
        if (f.type == type)
            return &f;
    return nullptr;
}
#else
const Format *formatOf(QuantType) { return nullptr; }
#endif

#if ENCLAVE_GEMM_Q8_X86

#if !defined(__clang__)
// note: GCC 12's AVX-512 headers self-initialise their "undefined" vectors and trip these warnings.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif

#define ENCLAVE_VNNI [[gnu::target("avx512f,avx512bw,avx512vl,avx512vnni,avx2,fma")]]

// kGroup: weights per scale (32, or 16 for Q6_K); g0: the panel's first activation block.
template <int kN, int kGroup>
ENCLAVE_VNNI inline void tile(const Q8Panel &panel, const Q8Activations &x, int64_t g0, int64_t t0, float *y,
                              int64_t ldy, __mmask16 low, __mmask16 high, bool accumulate)
{
    __m512 sums[kN][2];
#pragma GCC unroll 8
    for (int j = 0; j < kN; ++j)
        sums[j][0] = sums[j][1] = _mm512_setzero_ps();
    const int64_t groups = panel.depth / kGroup;
    for (int64_t g = 0; g < groups; ++g) {
        __m512i dots[kN][2];
        const int8_t *qs[kN];
        const int64_t block = g0 + g * kGroup / kGemmQ8Group, half = g0 * 2 + g * kGroup / 16;
#pragma GCC unroll 8
        for (int j = 0; j < kN; ++j) {
            dots[j][0] = dots[j][1] = _mm512_setzero_si512();
            qs[j] = x.blocks[size_t((t0 + j) * x.groups + block)].qs + (g * kGroup) % kGemmQ8Group;
        }
        const float *words = panel.levels + g * (kGroup / 4) * kGemmQ8PanelRows;
#pragma GCC unroll 8
        for (int q = 0; q < kGroup / 4; ++q) {
            const __m512i w0 = _mm512_loadu_si512(words + q * kGemmQ8PanelRows);
            const __m512i w1 = _mm512_loadu_si512(words + q * kGemmQ8PanelRows + 16);
#pragma GCC unroll 8
            for (int j = 0; j < kN; ++j) {
                int32_t four;
                std::memcpy(&four, qs[j] + 4 * q, 4);
                const __m512i b = _mm512_set1_epi32(four);
                dots[j][0] = _mm512_dpbusd_epi32(dots[j][0], w0, b);
                dots[j][1] = _mm512_dpbusd_epi32(dots[j][1], w1, b);
            }
        }
        const __m512 s0 = _mm512_load_ps(panel.scale + g * kGemmQ8PanelRows);
        const __m512 s1 = _mm512_load_ps(panel.scale + g * kGemmQ8PanelRows + 16);
        const __m512 o0 = _mm512_load_ps(panel.offset + g * kGemmQ8PanelRows);
        const __m512 o1 = _mm512_load_ps(panel.offset + g * kGemmQ8PanelRows + 16);
#pragma GCC unroll 8
        for (int j = 0; j < kN; ++j) {
            const __m512 xs = _mm512_set1_ps(x.scale[size_t((t0 + j) * x.groups + block)]);
            float sum = x.scaledSum16[size_t((t0 + j) * 2 * x.groups + half)];
            if constexpr (kGroup == 32)
                sum += x.scaledSum16[size_t((t0 + j) * 2 * x.groups + half + 1)];
            const __m512 xsum = _mm512_set1_ps(sum);
            sums[j][0] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(dots[j][0]), _mm512_mul_ps(s0, xs), sums[j][0]);
            sums[j][1] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(dots[j][1]), _mm512_mul_ps(s1, xs), sums[j][1]);
            sums[j][0] = _mm512_fnmadd_ps(o0, xsum, sums[j][0]);
            sums[j][1] = _mm512_fnmadd_ps(o1, xsum, sums[j][1]);
        }
    }
#pragma GCC unroll 8
    for (int j = 0; j < kN; ++j) {
        float *out = y + (t0 + j) * ldy;
        if (accumulate) {
            sums[j][0] = _mm512_add_ps(_mm512_maskz_loadu_ps(low, out), sums[j][0]);
            sums[j][1] = _mm512_add_ps(_mm512_maskz_loadu_ps(high, out + 16), sums[j][1]);
        }
        _mm512_mask_storeu_ps(out, low, sums[j][0]);
        _mm512_mask_storeu_ps(out + 16, high, sums[j][1]);
    }
}

template <int kGroup>
ENCLAVE_VNNI void multiplyAvx512(const Q8Panel &panel, const Q8Activations &x, int64_t k0, int64_t n, float *y,
                                 int64_t ldy, int valid, bool accumulate)
{
    const __mmask16 low = valid >= 16 ? __mmask16(0xffff) : __mmask16((1u << valid) - 1);
    const __mmask16 high = valid >= 32 ? __mmask16(0xffff) : valid <= 16 ? __mmask16(0)
                                                                          : __mmask16((1u << (valid - 16)) - 1);
    const int64_t g0 = k0 / kGemmQ8Group;
    int64_t t = 0;
    for (; t + 4 <= n; t += 4)
        tile<4, kGroup>(panel, x, g0, t, y, ldy, low, high, accumulate);
    switch (n - t) {
    case 3: tile<3, kGroup>(panel, x, g0, t, y, ldy, low, high, accumulate); break;
    case 2: tile<2, kGroup>(panel, x, g0, t, y, ldy, low, high, accumulate); break;
    case 1: tile<1, kGroup>(panel, x, g0, t, y, ldy, low, high, accumulate); break;
    default: break;
    }
}

#if !defined(__clang__)
#pragma GCC diagnostic pop
#endif

#endif // ENCLAVE_GEMM_Q8_X86

} // namespace

bool cpuGemmQ8Supports(QuantType weightType)
{
#if ENCLAVE_GEMM_Q8_X86
    return cpuSupports(CpuKernelLevel::Avx512Vnni) && formatOf(weightType) != nullptr;
#else
    (void)weightType;
    return false;
#endif
}

void quantizeActivationsQ8(const float *x, int64_t n, int64_t cols, Q8Activations &out)
{
    const QuantizeRowFn quantize = cpuQuantizeActivations(QuantType::Q8_0);
    out.groups = cols / kGemmQ8Group;
    out.blocks.resize(size_t(n * out.groups));
    out.scale.resize(out.blocks.size());
    out.scaledSum16.resize(2 * out.blocks.size());
    for (int64_t t = 0; t < n; ++t)
        quantize(x + t * cols, out.blocks.data() + t * out.groups, cols);
    for (size_t i = 0; i < out.blocks.size(); ++i) {
        out.scale[i] = fp16ToFp32(out.blocks[i].d);
        for (int half = 0; half < 2; ++half) {
            int sum = 0;
            for (int l = 0; l < 16; ++l)
                sum += out.blocks[i].qs[16 * half + l];
            out.scaledSum16[2 * i + size_t(half)] = out.scale[i] * float(sum);
        }
    }
}

void packQ8Panel(QuantType type, const uint8_t *const *rows, int valid, int64_t k0, int64_t depth, Q8Panel &panel)
{
#if ENCLAVE_GEMM_Q8_X86
    const Format &format = *formatOf(type);
    const int64_t groups = depth / format.groupElems;
    // Row-major levels, 4 per float-sized word, for the transposition.
    alignas(64) float words[kGemmQ8PanelRows * kWords];
    float scale[kMaxGroups], offset[kMaxGroups];
    for (int i = 0; i < valid; ++i) {
        format.unpack(rows[i], k0, reinterpret_cast<uint8_t *>(words + i * kWords), scale, offset);
        for (int64_t g = 0; g < groups; ++g) {
            panel.scale[g * kGemmQ8PanelRows + i] = scale[g];
            panel.offset[g * kGemmQ8PanelRows + i] = offset[g];
        }
    }
    for (int i = valid; i < kGemmQ8PanelRows; ++i)
        for (int64_t g = 0; g < groups; ++g)
            panel.scale[g * kGemmQ8PanelRows + i] = panel.offset[g * kGemmQ8PanelRows + i] = 0.0f;
    cpuGemmF32().pack(words, kWords, valid, depth / 4, panel.levels);
    panel.depth = depth;
    panel.groupElems = format.groupElems;
#else
    (void)type, (void)rows, (void)valid, (void)k0, (void)depth, (void)panel;
#endif
}

void multiplyQ8Panel(const Q8Panel &panel, const Q8Activations &x, int64_t k0, int64_t n, float *y, int64_t ldy,
                     int valid, bool accumulate)
{
#if ENCLAVE_GEMM_Q8_X86
    if (panel.groupElems == 16)
        multiplyAvx512<16>(panel, x, k0, n, y, ldy, valid, accumulate);
    else
        multiplyAvx512<32>(panel, x, k0, n, y, ldy, valid, accumulate);
#else
    (void)panel, (void)x, (void)k0, (void)n, (void)y, (void)ldy, (void)valid, (void)accumulate;
#endif
}

} // namespace enclave
