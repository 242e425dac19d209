// The runner's building blocks on float32 activations: matrix × activations for any
// weight format (dequantised row by row, so results match the exact float32 model),
// RMSNorm, RoPE, softmax, SwiGLU. Matmuls split their rows over the thread pool.
#pragma once

#include "engine/arch/model_config.h"
#include "engine/arch/weights.h"

#include <cstdint>
#include <span>
#include <vector>

namespace enclave {

class ThreadPool;

// Exact: float32 activations, exactly dequantised weights (matches the references to ~1e-6).
// Fast: activations are quantised to 8 bits and multiplied with integer dot products — decode
// steps in the weight format's dot type, prompt chunks of Q4_K, Q4_0 and Q8_0 weights as Q8_0 on
// AVX-512 VNNI (gemm_q8.h; other formats and CPUs run prompts exactly) — at an error comparable
// to other engines' (~1-3% relative on logits of quantised models).
enum class MatmulPrecision { Exact, Fast };

// y[t, r] = Σ_c w[r, c] · x[t, c] for t < n.  x: [n, w.cols], y: [n, w.rows].
void matmul(const Matrix &w, const float *x, int64_t n, float *y, ThreadPool &pool,
            MatmulPrecision precision = MatmulPrecision::Exact);

struct MatmulJob {
    const Matrix *w = nullptr;
    const float *x = nullptr; // [n, w->cols]
    int64_t n = 0;
    float *y = nullptr;       // [n, w->rows]
};
// Several independent matmuls in one dispatch over the pool (the experts of a token: one wake-up
// of the workers instead of one per matrix). Each result is exactly what matmul() gives.
void matmulBatch(std::span<const MatmulJob> jobs, ThreadPool &pool, MatmulPrecision precision = MatmulPrecision::Exact);
// Row r of w as float32 (FP8 block scales applied).
void dequantizeMatrixRow(const Matrix &w, int64_t r, float *out);
// Columns [first, first + count) of row r (first a multiple of the format's block size).
void dequantizeMatrixRowRange(const Matrix &w, int64_t r, int64_t first, int64_t count, float *out);
// y[c] += Σ_r x[r] · w[r, c]: w transposed times x (rows of w weighted by x).
void matmulTransposedAccumulate(const Matrix &w, const float *x, float *y, float *rowScratch);

// weight may be null: a weightless norm.
void rmsNorm(const float *x, const float *weight, float *out, int64_t n, float eps);
// In place over `count` vectors of length n, each `stride` apart.
void rmsNormRows(float *x, const float *weight, int64_t count, int64_t n, int64_t stride, float eps);
void softmax(float *x, int64_t n);
// Softmax with an attention sink: a logit that joins the denominator but has no value, so the
// n probabilities sum to less than 1 (exp(sink) / (exp(sink) + Σ exp(x)) is "attend to nothing").
void softmaxWithSink(float *x, int64_t n, float sink);
// out[i] = silu(gate[i]) * up[i]
void swiglu(const float *gate, const float *up, float *out, int64_t n);
// gpt-oss: g = min(gate, limit), u = clamp(up, -limit, limit), out = g * sigmoid(alpha g) * (u + 1).
void clampedSwiglu(const float *gate, const float *up, float *out, int64_t n, float alpha, float limit);

// RoPE for one position: cos/sin tables of rope.dims/2 entries.
class RopeTables {
public:
    explicit RopeTables(const RopeConfig &rope);
    // cos and sin of every rotated pair at position pos (computed once per position).
    void at(int64_t pos, std::vector<float> &cos, std::vector<float> &sin) const;
    const RopeConfig &config() const { return m_rope; }

private:
    RopeConfig m_rope;
    std::vector<double> m_invFreq; // per pair
    double m_mscale = 1.0;
};

// Rotates the first rope.dims entries of each of `heads` vectors (each `stride` floats apart).
void applyRope(float *x, int64_t heads, int64_t stride, RopeStyle style, int64_t dims, const float *cos,
               const float *sin);

} // namespace enclave
