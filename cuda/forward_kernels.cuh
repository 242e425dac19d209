// The non-matmul stages of a forward pass on the GPU: norms, RoPE, attention (standard and
// DeepSeek's absorbed latent form), routing, SwiGLU, residual adds, embedding rows, and the
// expert matvecs whose weights are looked up per selected expert. Each launch is asynchronous on
// `stream`, checks its own launch, and computes in float32 exactly what engine/runtime does on
// the CPU (up to summation order). All pointers are device pointers; activations are row-major.
#pragma once

#include "engine/arch/model_config.h"
#include "engine/quant/quant_type.h"

#include <cstdint>
#include <cuda_runtime.h>

namespace enclave::cuda {

// out[r, :] = x[r, :] / sqrt(mean(x[r, :]²) + eps) * weight  for r < rows (rows of `width`
// floats, `xStride` / `outStride` floats apart). out == x is allowed.
void launchRmsNorm(const float *x, int64_t xStride, const float *weight, float *out, int64_t outStride,
                   int64_t rows, int64_t width, float eps, cudaStream_t stream);

// y[i] += x[i] for i < count.
void launchAdd(float *y, const float *x, int64_t count, cudaStream_t stream);

// x[r, i] += bias[i] for r < rows, i < width.
void launchAddBias(float *x, const float *bias, int64_t rows, int64_t width, cudaStream_t stream);

// out[i] = silu(gate[i]) * up[i] for i < count (out may alias gate).
void launchSwiglu(const float *gate, const float *up, float *out, int64_t count, cudaStream_t stream);

// Rotates the first `dims` entries of each head vector: token t (t < n) has `heads` vectors,
// the first at x + t * tokenStride, each `headStride` floats apart. cos/sin: [n, dims / 2] (the
// host's RopeTables values for each token's position). Interleaved: pairs (2i, 2i+1);
// HalfSplit: pairs (i, i + dims/2).
void launchRope(float *x, int64_t n, int64_t heads, int64_t tokenStride, int64_t headStride, RopeStyle style,
                int64_t dims, const float *cos, const float *sin, cudaStream_t stream);

// out[t, :] = row ids[t] of W (rows × cols in `type`, rowBytes apart) as float32, for t < n.
void launchDequantizeRows(QuantType type, const void *weights, int64_t rowBytes, int64_t cols, const int32_t *ids,
                          int64_t n, float *out, cudaStream_t stream);

// out[r, :] = row firstRow + r of W as float32, for r < rows (a tile for the prompt GEMM).
void launchDequantizeTile(QuantType type, const void *weights, int64_t rowBytes, int64_t cols, int64_t firstRow,
                          int64_t rows, float *out, cudaStream_t stream);

// Causal attention of n query tokens at positions firstPos .. firstPos + n - 1 over the cache
// positions 0 .. (own position). q: [n, nHead, headDim] (token rows qStride floats apart);
// kCache: [capacity, nHeadKv, headDim]; vCache: [capacity, nHeadKv, headDimV]; out:
// [n, nHead * headDimV]. Head h reads kv head h / (nHead / nHeadKv). softmax(scale · q·k) · v in
// float32. Long contexts are split over blocks and merged (log-sum-exp); `scratch` holds
// attentionScratchFloats(...) floats.
void launchAttention(const float *q, int64_t qStride, const float *kCache, const float *vCache, float *out,
                     int64_t n, int64_t firstPos, int64_t nHead, int64_t nHeadKv, int64_t headDim, int64_t headDimV,
                     float scale, float *scratch, cudaStream_t stream);
int64_t attentionScratchFloats(int64_t n, int64_t nHead, int64_t headDimV, int64_t maxContext);

// DeepSeek MLA, absorbed: per token t and head h, score[p] = scale · (qLatent[t, h, :] ·
// latent[p, :] + qRope[t, h, :] · rope[p, :]) for p ≤ firstPos + t; out[t, h, :] = Σ_p softmax ·
// latent[p, :]. qLatent: [n, nHead, rank]; qRope: [n, nHead, ropeDim]; latent: [capacity, rank];
// rope: [capacity, ropeDim]; out: [n, nHead, rank]. Scratch as for launchAttention with
// headDimV = rank (latentAttentionScratchFloats).
void launchLatentAttention(const float *qLatent, const float *qRope, const float *latent, const float *rope,
                           float *out, int64_t n, int64_t firstPos, int64_t nHead, int64_t rank, int64_t ropeDim,
                           float scale, float *scratch, cudaStream_t stream);
int64_t latentAttentionScratchFloats(int64_t n, int64_t nHead, int64_t rank, int64_t maxContext);

// Routing of n tokens exactly as engine routeToken(): softmax or sigmoid scores, optional
// selection bias, group-limited top-k, ties to the lower index, normalisation and scaling.
// logits: [n, nExpert]; bias: [nExpert] or null; experts/weights: [n, nExpertUsed] in the
// order routeToken returns them. nExpert ≤ 1024.
void launchRouting(const float *logits, const float *bias, int64_t n, const MoeConfig &moe, int32_t *experts,
                   float *weights, cudaStream_t stream);

// Matvecs of selected experts in one launch. For job j < jobs: W = table[ids[j]] (a device
// pointer to a rows × cols matrix in `type`; nullptr: the job is skipped and y left untouched),
// y[j, :] = W · x[(j / xShare) * xStride ...] — xShare jobs share one input row (gate/up of the
// k experts of one token: xShare = k; down projections: xShare = 1). y rows are `rows` floats.
void launchExpertMatvec(QuantType type, const void *const *table, const int32_t *ids, int64_t jobs, int64_t rows,
                        int64_t cols, const float *x, int64_t xStride, int64_t xShare, float *y,
                        cudaStream_t stream);

// out[t, :] += Σ_j weights[t, j] · y[t * k + j, :] over the j < k whose table[ids[t * k + j]]
// is non-null (experts computed elsewhere are skipped); t < n, rows of width floats.
void launchExpertCombine(const float *y, const float *weights, const int32_t *ids, const void *const *table,
                         int64_t n, int64_t k, int64_t width, float *out, cudaStream_t stream);

// out[t, :] += sigmoid(gate · x[t, :]) · y[t, :] (Qwen2-MoE shared expert gate); gate: [width].
void launchGatedAdd(const float *x, const float *gate, const float *y, int64_t n, int64_t width, float *out,
                    cudaStream_t stream);

} // namespace enclave::cuda
