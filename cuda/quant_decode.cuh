// Per-format weight decoders for the CUDA kernels: a lane loads one "unit" of a row (a block or
// part of one) into registers and decodes it as runs of 4 consecutive columns. Every weight equals
// the CPU reference dequantizeRow bit for bit (same roundings, no fused multiply-add where it differs).
#pragma once

#include "cuda/common.cuh"
#include "engine/quant/blocks.h"

namespace enclave::cuda {

// round(dl * q) for an exact small integer q given as 2^23 + q: one FMA instead of FADD + FMUL,
// since dlMagic = dl * 2^23 is exact and the FMA rounds only the final dl * q.
__device__ __forceinline__ float scaledLevel(float dl, float dlMagic, float qMagic)
{
    return __fmaf_rn(dl, qMagic, -dlMagic);
}

// Component i of v, and the same for pairs: folds away for a constant i, a select chain otherwise
// (the kernels decode runs in a rolled loop when many tokens keep the registers busy).
__device__ __forceinline__ uint32_t wordOf(const uint4 &v, int i)
{
    return i == 0 ? v.x : (i == 1 ? v.y : (i == 2 ? v.z : v.w));
}

template <class T>
__device__ __forceinline__ T pairOf(const T (&v)[2], int i)
{
    return i ? v[1] : v[0];
}

// Byte i of the 12 packed Q4_K/Q5_K scale bytes held in three words.
__device__ __forceinline__ uint32_t packedByte(uint32_t s0, uint32_t s1, uint32_t s2, int i)
{
    const uint32_t word = i < 4 ? s0 : (i < 8 ? s1 : s2);
    return (word >> (8 * (i & 3))) & 0xffu;
}

// unpackScaleMinK4 (quant_math.h) on the device.
__device__ __forceinline__ void scaleMinK4(uint32_t s0, uint32_t s1, uint32_t s2, int g, int &sc, int &m)
{
    if (g < 4) {
        sc = int(packedByte(s0, s1, s2, g) & 63);
        m = int(packedByte(s0, s1, s2, g + 4) & 63);
    } else {
        sc = int((packedByte(s0, s1, s2, g + 4) & 0xf) | ((packedByte(s0, s1, s2, g - 4) >> 6) << 4));
        m = int((packedByte(s0, s1, s2, g + 4) >> 4) | ((packedByte(s0, s1, s2, g) >> 6) << 4));
    }
}

// Q4_K and Q5_K: 8 lanes per super-block; lane k takes qs[16k .. 16k + 15], i.e. 16 low nibbles
// (group 2j, j = k / 2) and 16 high nibbles (group 2j + 1), columns 64j + 16(k % 2) (+ 32).
struct KQuantScales {
    float dl[2], ml[2];
};

__device__ __forceinline__ KQuantScales loadKScales(const uint8_t *block, int j)
{
    const uint32_t header = __ldg(reinterpret_cast<const uint32_t *>(block));
    const auto *packed = reinterpret_cast<const uint32_t *>(block + 4);
    const uint32_t s0 = __ldg(packed), s1 = __ldg(packed + 1), s2 = __ldg(packed + 2);
    const float d = fp16BitsToF32(header & 0xffffu), dmin = fp16BitsToF32(header >> 16);
    KQuantScales s;
#pragma unroll
    for (int h = 0; h < 2; ++h) {
        int sc = 0, m = 0;
        scaleMinK4(s0, s1, s2, 2 * j + h, sc, m);
        s.dl[h] = __fmul_rn(d, float(sc));
        s.ml[h] = __fmul_rn(dmin, float(m));
    }
    return s;
}

__device__ __forceinline__ int64_t kQuantRunCol(int64_t unit, int run)
{
    const int k = int(unit & 7);
    return (unit >> 3) * kQK_K + 64 * (k >> 1) + 16 * (k & 1) + 32 * (run >> 2) + 4 * (run & 3);
}

struct FormatQ4K {
    static constexpr int kUnitElems = 32;
    static constexpr int kRuns = 8;
    static constexpr int kAlign = 16; // bytes the weights and row stride must be aligned to
    struct Unit {
        uint4 q;
        KQuantScales s;
    };
    __device__ static Unit load(const uint8_t *row, int64_t unit)
    {
        const uint8_t *block = row + (unit >> 3) * int64_t(sizeof(BlockQ4_K));
        const int k = int(unit & 7);
        return {loadStreaming16(block + offsetof(BlockQ4_K, qs) + 16 * k), loadKScales(block, k >> 1)};
    }
    __device__ static int64_t runCol(int64_t unit, int run) { return kQuantRunCol(unit, run); }
    __device__ static void decode(const Unit &u, int run, float w[4])
    {
        const int h = run >> 2;
        const uint32_t v = (wordOf(u.q, run & 3) >> (4 * h)) & 0x0f0f0f0fu;
        const float dl = pairOf(u.s.dl, h), ml = pairOf(u.s.ml, h);
#pragma unroll
        for (int e = 0; e < 4; ++e)
            w[e] = __fsub_rn(scaledLevel(dl, dl * kMagic, byteMagic(v, e)), ml);
    }
};

// Q5_K: as Q4_K plus the 5th bits, qh[16 (k % 2) .. + 15], bit 2j (low nibbles) or 2j + 1 (high).
struct FormatQ5K {
    static constexpr int kUnitElems = 32;
    static constexpr int kRuns = 8;
    static constexpr int kAlign = 16;
    struct Unit {
        uint4 q, qh;
        KQuantScales s;
        int j;
    };
    __device__ static Unit load(const uint8_t *row, int64_t unit)
    {
        const uint8_t *block = row + (unit >> 3) * int64_t(sizeof(BlockQ5_K));
        const int k = int(unit & 7);
        return {loadStreaming16(block + offsetof(BlockQ5_K, qs) + 16 * k),
                loadStreaming16(block + offsetof(BlockQ5_K, qh) + 16 * (k & 1)), loadKScales(block, k >> 1), k >> 1};
    }
    __device__ static int64_t runCol(int64_t unit, int run) { return kQuantRunCol(unit, run); }
    __device__ static void decode(const Unit &u, int run, float w[4])
    {
        const int h = run >> 2;
        const uint32_t fifth = ((wordOf(u.qh, run & 3) >> (2 * u.j + h)) & 0x01010101u) << 4;
        const uint32_t v = ((wordOf(u.q, run & 3) >> (4 * h)) & 0x0f0f0f0fu) | fifth;
        const float dl = pairOf(u.s.dl, h), ml = pairOf(u.s.ml, h);
#pragma unroll
        for (int e = 0; e < 4; ++e)
            w[e] = __fsub_rn(scaledLevel(dl, dl * kMagic, byteMagic(v, e)), ml);
    }
};

// Q6_K: 8 lanes per super-block; lane k takes half n = k / 4 and l = 8 (k % 4) .. + 7 of all four
// quarter rows j, i.e. columns 128n + 32j + l. Blocks are 210 bytes, so loads are 2-byte aligned.
struct FormatQ6K {
    static constexpr int kUnitElems = 32;
    static constexpr int kRuns = 8;
    static constexpr int kAlign = 2;
    struct Unit {
        uint32_t qlA[2], qlB[2], qh[2];
        float dl[2][2]; // [j / 2][j % 2]
    };
    __device__ static Unit load(const uint8_t *row, int64_t unit)
    {
        const uint8_t *block = row + (unit >> 3) * int64_t(sizeof(BlockQ6_K));
        const int k = int(unit & 7), n = k >> 2, l = 8 * (k & 3);
        Unit u;
        const uint8_t *ql = block + offsetof(BlockQ6_K, ql) + 64 * n + l;
        const uint8_t *qh = block + offsetof(BlockQ6_K, qh) + 32 * n + l;
#pragma unroll
        for (int i = 0; i < 2; ++i) {
            u.qlA[i] = loadU32Align2(ql + 4 * i);
            u.qlB[i] = loadU32Align2(ql + 32 + 4 * i);
            u.qh[i] = loadU32Align2(qh + 4 * i);
        }
        const auto *scales = reinterpret_cast<const int8_t *>(block + offsetof(BlockQ6_K, scales)) + 8 * n + (l >> 4);
        const float d = fp16BitsToF32(__ldg(reinterpret_cast<const uint16_t *>(block + offsetof(BlockQ6_K, d))));
#pragma unroll
        for (int j = 0; j < 4; ++j)
            u.dl[j >> 1][j & 1] = __fmul_rn(d, float(__ldg(scales + 2 * j)));
        return u;
    }
    __device__ static int64_t runCol(int64_t unit, int run)
    {
        const int k = int(unit & 7);
        return (unit >> 3) * kQK_K + 128 * (k >> 2) + 32 * (run >> 1) + 8 * (k & 3) + 4 * (run & 1);
    }
    __device__ static void decode(const Unit &u, int run, float w[4])
    {
        const int j = run >> 1, half = run & 1;
        const uint32_t lowByte = (j & 1) ? pairOf(u.qlB, half) : pairOf(u.qlA, half);
        const uint32_t low = (lowByte >> (j >= 2 ? 4 : 0)) & 0x0f0f0f0fu;
        const uint32_t v = low | (((pairOf(u.qh, half) >> (2 * j)) & 0x03030303u) << 4);
        const float dl = j < 2 ? pairOf(u.dl[0], j) : pairOf(u.dl[1], j - 2);
#pragma unroll
        for (int e = 0; e < 4; ++e)
            w[e] = __fmul_rn(dl, byteMagic(v, e) - (kMagic + 32.0f));
    }
};

// Q8_0: one 34-byte block per unit.
struct FormatQ80 {
    static constexpr int kUnitElems = kQK8_0;
    static constexpr int kRuns = 8;
    static constexpr int kAlign = 2;
    struct Unit {
        uint4 q[2];
        float d;
    };
    __device__ static Unit load(const uint8_t *row, int64_t unit)
    {
        const uint8_t *block = row + unit * int64_t(sizeof(BlockQ8_0));
        const uint8_t *qs = block + offsetof(BlockQ8_0, qs);
        Unit u;
        u.d = fp16BitsToF32(__ldg(reinterpret_cast<const uint16_t *>(block)));
        constexpr uint32_t kBias = 0x80808080u; // int8 → q + 128
#pragma unroll
        for (int i = 0; i < 2; ++i)
            u.q[i] = make_uint4(loadU32Align2(qs + 16 * i) ^ kBias, loadU32Align2(qs + 16 * i + 4) ^ kBias,
                                loadU32Align2(qs + 16 * i + 8) ^ kBias, loadU32Align2(qs + 16 * i + 12) ^ kBias);
        return u;
    }
    __device__ static int64_t runCol(int64_t unit, int run) { return unit * kQK8_0 + 4 * run; }
    __device__ static void decode(const Unit &u, int run, float w[4])
    {
#pragma unroll
        for (int e = 0; e < 4; ++e)
            w[e] = __fmul_rn(byteMagic(wordOf(pairOf(u.q, run >> 2), run & 3), e) - (kMagic + 128.0f), u.d);
    }
};

// Q4_0: one 18-byte block per unit; runs 0-3 are the low nibbles, 4-7 the high ones.
struct FormatQ40 {
    static constexpr int kUnitElems = kQK4_0;
    static constexpr int kRuns = 8;
    static constexpr int kAlign = 2;
    struct Unit {
        uint4 q;
        float d;
    };
    __device__ static Unit load(const uint8_t *row, int64_t unit)
    {
        const uint8_t *block = row + unit * int64_t(sizeof(BlockQ4_0));
        Unit u;
        u.d = fp16BitsToF32(__ldg(reinterpret_cast<const uint16_t *>(block)));
        const uint8_t *qs = block + offsetof(BlockQ4_0, qs);
        u.q = make_uint4(loadU32Align2(qs), loadU32Align2(qs + 4), loadU32Align2(qs + 8), loadU32Align2(qs + 12));
        return u;
    }
    __device__ static int64_t runCol(int64_t unit, int run) { return unit * kQK4_0 + 4 * run; }
    __device__ static void decode(const Unit &u, int run, float w[4])
    {
        const uint32_t v = (wordOf(u.q, run & 3) >> (4 * (run >> 2))) & 0x0f0f0f0fu;
#pragma unroll
        for (int e = 0; e < 4; ++e)
            w[e] = __fmul_rn(u.d, byteMagic(v, e) - (kMagic + 8.0f));
    }
};

// Float rows, 16 bytes per unit: 4 F32 or 8 F16/BF16 values. Needs cols % kUnitElems == 0.
struct FormatF32 {
    static constexpr int kUnitElems = 4;
    static constexpr int kRuns = 1;
    static constexpr int kAlign = 16;
    using Unit = uint4;
    __device__ static Unit load(const uint8_t *row, int64_t unit) { return loadStreaming16(row + 16 * unit); }
    __device__ static int64_t runCol(int64_t unit, int) { return 4 * unit; }
    __device__ static void decode(const Unit &u, int, float w[4])
    {
        w[0] = __uint_as_float(u.x);
        w[1] = __uint_as_float(u.y);
        w[2] = __uint_as_float(u.z);
        w[3] = __uint_as_float(u.w);
    }
};

template <bool kBf16>
struct FormatHalf {
    static constexpr int kUnitElems = 8;
    static constexpr int kRuns = 2;
    static constexpr int kAlign = 16;
    using Unit = uint4;
    __device__ static Unit load(const uint8_t *row, int64_t unit) { return loadStreaming16(row + 16 * unit); }
    __device__ static int64_t runCol(int64_t unit, int run) { return 8 * unit + 4 * run; }
    __device__ static float convert(uint32_t h) { return kBf16 ? bf16BitsToF32(h) : fp16BitsToF32(h); }
    __device__ static void decode(const Unit &u, int run, float w[4])
    {
        const uint32_t a = run ? u.z : u.x, b = run ? u.w : u.y;
        w[0] = convert(a & 0xffffu);
        w[1] = convert(a >> 16);
        w[2] = convert(b & 0xffffu);
        w[3] = convert(b >> 16);
    }
};

} // namespace enclave::cuda
