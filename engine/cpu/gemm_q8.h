// Fast-precision GEMM for prompt chunks: quantized weights times 8-bit activations with AVX-512 VNNI.
// Every supported format is read as levels u ∈ [0, 255] with a scale s and an offset m per group of
// 32 weights (w = s·u − m: Q4_K's scale and min, Q4_0's d and 8·d, Q8_0's d and 128·d) or of 16
// (Q6_K: d·sc and 32·d·sc), and the
// activations as Q8_0 blocks (x ≈ d_x·q). A group's dot is then s·d_x·Σ u·q − m·d_x·Σ q, where Σ u·q
// is what vpdpbusd computes, 64 multiply-adds per instruction. The weights are unpacked once per
// panel of 32 rows and reused by every token; the error is that of 8-bit activations, as in the
// fast decode path.
#pragma once

#include "engine/quant/blocks.h"
#include "engine/quant/quant_type.h"

#include <cstdint>
#include <vector>

namespace enclave {

constexpr int kGemmQ8PanelRows = 32;
constexpr int64_t kGemmQ8Group = 32;     // activation blocks (Q8_0)
constexpr int64_t kGemmQ8MinGroup = 16;  // the smallest weight group (Q6_K)
// Depth of one panel: one Q4_K super-block, eight groups.
constexpr int64_t kGemmQ8Depth = 256;

// Rows [r0, r0 + valid) of a matrix, columns [k0, k0 + depth), as a panel: levels[k / 4][row] holds
// the row's four consecutive levels k .. k + 3 as the bytes of one float-sized word, and
// scale[group][row], offset[group][row] for groups of groupElems weights.
struct Q8Panel {
    alignas(64) float levels[kGemmQ8Depth / 4 * kGemmQ8PanelRows];
    alignas(64) float scale[kGemmQ8Depth / kGemmQ8MinGroup * kGemmQ8PanelRows];
    alignas(64) float offset[kGemmQ8Depth / kGemmQ8MinGroup * kGemmQ8PanelRows];
    int64_t depth = 0;
    int64_t groupElems = kGemmQ8Group;
};

// Activations of n tokens as Q8_0 blocks, with each block's scale, and scale · Σ q over each half
// block of 16 (the sum over a block is the two halves').
struct Q8Activations {
    std::vector<BlockQ8_0> blocks;  // [n, groups]
    std::vector<float> scale;       // [n, groups]
    std::vector<float> scaledSum16; // [n, 2 * groups]
    int64_t groups = 0;
};

// Whether this CPU and weight format have the kernel (AVX-512 VNNI; Q4_K, Q6_K, Q4_0, Q8_0).
bool cpuGemmQ8Supports(QuantType weightType);

// x: [n, cols], cols a multiple of kGemmQ8Depth.
void quantizeActivationsQ8(const float *x, int64_t n, int64_t cols, Q8Activations &out);

// rows[i] for i < valid: row pointers of the panel's rows; k0 a multiple of kGemmQ8Depth.
void packQ8Panel(QuantType type, const uint8_t *const *rows, int valid, int64_t k0, int64_t depth, Q8Panel &panel);

// y[t * ldy + i] (+)= Σ_k w[i, k0 + k] · x[t, k0 + k] for t < n, i < valid (the activations of the
// panel's columns: group k0 / 32 on).
void multiplyQ8Panel(const Q8Panel &panel, const Q8Activations &x, int64_t k0, int64_t n, float *y, int64_t ldy,
                     int valid, bool accumulate);

} // namespace enclave
