// Attention over a chunk: standard multi-head (GQA, optional biases and q/k norms) and
// DeepSeek's multi-head latent attention in its absorbed form, where queries are mapped
// into the latent space so the cache only ever holds the compressed latent.
#include "engine/runtime/layer_ops.h"

#include "engine/cpu/gemm_f32.h"
#include "engine/cpu/row_sum.h"
#include "engine/cpu/thread_pool.h"
#include "engine/cpu/vec_dot.h"

#include <algorithm>
#include <cmath>

namespace enclave {
namespace {

float dot(const float *a, const float *b, int64_t n)
{
    static const VecDotFn dotF32 = cpuVecDot(QuantType::F32);
    return dotF32(n, a, b);
}

// y = w · x for a small matrix, on the calling thread.
void matvec(const Matrix &w, const float *x, float *y, std::vector<float> &row)
{
    row.resize(size_t(w.cols));
    const VecDotFn dotF32 = cpuVecDot(QuantType::F32);
    for (int64_t r = 0; r < w.rows; ++r) {
        dequantizeMatrixRow(w, r, row.data());
        y[r] = dotF32(w.cols, row.data(), x);
    }
}

// From this many tokens on, a chunk's attention runs as matrix multiplications (scores = Q·Kᵀ,
// out = P·V) on the GEMM kernels, a block of queries at a time; below, query by query.
constexpr int64_t kMinChunkForGemmAttention = 8;
// Queries per block: the keys a block sees are packed once for all of its queries, and a block
// computes scores only up to its last query's position (the causal waste is under a block).
constexpr int64_t kQueryBlock = 64;
constexpr int64_t kDepthBlock = 256;

// Scaled scores of positions [first, end) into probabilities, with the head's sink if it has one.
void normalizeScores(float *scores, int64_t first, int64_t end, float scale, const float *sink)
{
    for (int64_t j = first; j < end; ++j)
        scores[j] *= scale;
    if (sink)
        softmaxWithSink(scores + first, end - first, *sink);
    else
        softmax(scores + first, end - first);
}

// Standard attention of a chunk's queries q [n, nHead·headDim] (after RoPE; the chunk's keys and
// values are in the cache) into heads [n, nHead·headDimV].
void chunkAttention(const ChunkContext &ctx, const LayerWeights &l, int64_t layer, const float *q, float *heads)
{
    const ModelConfig &c = ctx.config;
    const int64_t n = ctx.n, qW = c.nHead * c.headDim, outW = c.nHead * c.headDimV, group = c.nHead / c.nHeadKv;
    const int64_t blocks = (n + kQueryBlock - 1) / kQueryBlock;
    const float scale = c.attentionScale();
    const GemmF32Kernels &gemm = cpuGemmF32();
    ctx.pool.parallelFor(blocks * c.nHead, [&](int64_t begin, int64_t end, int) {
        thread_local std::vector<float> scores, panel;
        for (int64_t task = begin; task < end; ++task) {
            const int64_t h = task % c.nHead, kvh = h / group, t0 = (task / c.nHead) * kQueryBlock;
            const int64_t queries = std::min(kQueryBlock, n - t0);
            const int64_t seen = ctx.firstPos + t0 + queries; // positions the block's last query sees
            const int64_t ld = (seen + kGemmPanelRows - 1) / kGemmPanelRows * kGemmPanelRows;
            // Keys before the block's first visible position (sliding or chunked layers) are skipped:
            // columns [0, from) of scores are never written nor read.
            const int64_t from = c.firstVisible(layer, ctx.firstPos + t0) / kGemmPanelRows * kGemmPanelRows;
            scores.resize(size_t(queries * ld));
            panel.resize(size_t(kGemmPanelRows * kDepthBlock));
            // scores[r, j] = q_r · k_j: the keys are the "weight rows", the queries the "tokens".
            for (int64_t j0 = from; j0 < seen; j0 += kGemmPanelRows) {
                const int valid = int(std::min<int64_t>(kGemmPanelRows, seen - j0));
                for (int64_t d0 = 0; d0 < c.headDim; d0 += kDepthBlock) {
                    const int64_t depth = std::min(kDepthBlock, c.headDim - d0);
                    gemm.pack(ctx.cache.keyAt(layer, j0, kvh) + d0, ctx.cache.kHeadWidth, valid, depth, panel.data());
                    gemm.multiply(panel.data(), depth, q + t0 * qW + h * c.headDim + d0, qW, queries,
                                  scores.data() + j0, ld, valid, d0 > 0);
                }
            }
            for (int64_t r = 0; r < queries; ++r) {
                float *row = scores.data() + r * ld;
                const int64_t visible = ctx.firstPos + t0 + r + 1, first = c.firstVisible(layer, visible - 1);
                normalizeScores(row, first, visible, scale, l.sinks.empty() ? nullptr : &l.sinks[size_t(h)]);
                std::fill(row + from, row + first, 0.0f);
                std::fill(row + visible, row + ld, 0.0f);
            }
            // out[r, d] = Σ_j p[r, j] · v_j[d]: the value columns are the "weight rows", stored
            // position-major in the cache, which is already a panel's layout.
            for (int64_t d0 = 0; d0 < c.headDimV; d0 += kGemmPanelRows) {
                const int valid = int(std::min<int64_t>(kGemmPanelRows, c.headDimV - d0));
                for (int64_t j0 = from; j0 < seen; j0 += kDepthBlock) {
                    const int64_t depth = std::min(kDepthBlock, seen - j0);
                    for (int64_t j = 0; j < depth; ++j) {
                        const float *v = ctx.cache.valueAt(layer, j0 + j, kvh) + d0;
                        float *column = panel.data() + j * kGemmPanelRows;
                        std::copy_n(v, valid, column);
                        std::fill(column + valid, column + kGemmPanelRows, 0.0f);
                    }
                    gemm.multiply(panel.data(), depth, scores.data() + j0, ld, queries,
                                  heads + t0 * outW + h * c.headDimV + d0, outW, valid, j0 > from);
                }
            }
        }
    });
}

void addBias(float *x, const std::vector<float> &bias, int64_t n)
{
    if (bias.empty())
        return;
    const int64_t width = int64_t(bias.size());
    for (int64_t t = 0; t < n; ++t)
        for (int64_t i = 0; i < width; ++i)
            x[t * width + i] += bias[size_t(i)];
}

} // namespace

void standardAttention(const ChunkContext &ctx, const LayerWeights &l, int64_t layer, const float *x, float *out)
{
    const ModelConfig &c = ctx.config;
    const int64_t n = ctx.n, qW = c.nHead * c.headDim, kW = c.nHeadKv * c.headDim, vW = c.nHeadKv * c.headDimV;
    std::vector<float> q(size_t(n * qW)), k(size_t(n * kW)), v(size_t(n * vW)), gate;
    {
        PhaseTimer timer(ctx.times, &PhaseTimes::denseSeconds);
        std::vector<float> queryAndGate(c.attnOutputGate ? size_t(2 * n * qW) : 0);
        float *qOut = c.attnOutputGate ? queryAndGate.data() : q.data();
        const MatmulJob projections[] = {{&l.wq, x, n, qOut}, {&l.wk, x, n, k.data()}, {&l.wv, x, n, v.data()}};
        matmulBatch(projections, ctx.pool, ctx.precision);
        if (c.attnOutputGate) { // per head [query | gate]
            gate.resize(size_t(n * qW));
            for (int64_t t = 0; t < n; ++t)
                for (int64_t h = 0; h < c.nHead; ++h) {
                    const float *src = queryAndGate.data() + (t * c.nHead + h) * 2 * c.headDim;
                    std::copy_n(src, c.headDim, q.data() + t * qW + h * c.headDim);
                    std::copy_n(src + c.headDim, c.headDim, gate.data() + t * qW + h * c.headDim);
                }
        }
    }
    addBias(q.data(), l.bq, n);
    addBias(k.data(), l.bk, n);
    addBias(v.data(), l.bv, n);
    if (c.qkNorm) {
        rmsNormRows(q.data(), l.qNorm.data(), n * c.nHead, c.headDim, c.headDim, c.normEps);
        rmsNormRows(k.data(), l.kNorm.data(), n * c.nHeadKv, c.headDim, c.headDim, c.normEps);
    } else if (c.qkNormFull) {
        rmsNormRows(q.data(), l.qNorm.data(), n, qW, qW, c.normEps);
        rmsNormRows(k.data(), l.kNorm.data(), n, kW, kW, c.normEps);
    }
    std::vector<float> cos, sin;
    const bool rotate = c.usesRope(layer);
    for (int64_t t = 0; t < n; ++t) {
        const int64_t position = ctx.firstPos + t;
        if (rotate) {
            ctx.rope.at(position, cos, sin);
            applyRope(q.data() + t * qW, c.nHead, c.headDim, c.rope.style, c.rope.dims, cos.data(), sin.data());
            applyRope(k.data() + t * kW, c.nHeadKv, c.headDim, c.rope.style, c.rope.dims, cos.data(), sin.data());
            if (c.qkL2Norm) {
                rmsNormRows(q.data() + t * qW, nullptr, c.nHead, c.headDim, c.headDim, c.normEps);
                rmsNormRows(k.data() + t * kW, nullptr, c.nHeadKv, c.headDim, c.headDim, c.normEps);
            }
        } else if (c.nopeTempScale > 0.0 && c.nopeTempFloor > 0) {
            const double temperature =
                1.0 + c.nopeTempScale * std::log(std::floor(double(position + 1) / double(c.nopeTempFloor)) + 1.0);
            for (int64_t i = 0; i < qW; ++i)
                q[size_t(t * qW + i)] *= float(temperature);
        }
        for (int64_t kvh = 0; kvh < c.nHeadKv; ++kvh) {
            std::copy_n(k.data() + t * kW + kvh * c.headDim, c.headDim, ctx.cache.keyAt(layer, ctx.firstPos + t, kvh));
            std::copy_n(v.data() + t * vW + kvh * c.headDimV, c.headDimV,
                        ctx.cache.valueAt(layer, ctx.firstPos + t, kvh));
        }
    }

    const int64_t group = c.nHead / c.nHeadKv;
    const float scale = c.attentionScale();
    std::vector<float> heads(size_t(n * c.nHead * c.headDimV));
    PhaseTimer attentionTimer(ctx.times, &PhaseTimes::attentionSeconds);
    if (n >= kMinChunkForGemmAttention) {
        chunkAttention(ctx, l, layer, q.data(), heads.data());
    } else {
        const WeightedRowSumFn weightedRowSum = cpuWeightedRowSum();
        const RowDotsFn rowDots = cpuRowDots();
        ctx.pool.parallelFor(n * c.nHead, [&](int64_t begin, int64_t end, int) {
            std::vector<float> scores;
            for (int64_t i = begin; i < end; ++i) {
                const int64_t t = i / c.nHead, h = i % c.nHead, kvh = h / group;
                const int64_t last = ctx.firstPos + t; // causal: positions first..last
                const int64_t first = c.firstVisible(layer, last), count = last + 1 - first;
                const float *qh = q.data() + t * qW + h * c.headDim;
                scores.resize(size_t(count));
                rowDots(ctx.cache.keyAt(layer, first, kvh), count, ctx.cache.kHeadWidth, qh, c.headDim, scores.data());
                normalizeScores(scores.data(), 0, count, scale, l.sinks.empty() ? nullptr : &l.sinks[size_t(h)]);
                weightedRowSum(scores.data(), count, ctx.cache.valueAt(layer, first, kvh), ctx.cache.vHeadWidth,
                               c.headDimV, heads.data() + (t * c.nHead + h) * c.headDimV);
            }
        });
    }
    attentionTimer.stop();
    if (c.attnOutputGate) // heads and gate are both [n, nHead·headDim] (headDimV == headDim)
        for (size_t i = 0; i < heads.size(); ++i)
            heads[i] *= 1.0f / (1.0f + std::exp(-gate[i]));
    PhaseTimer timer(ctx.times, &PhaseTimes::denseSeconds);
    matmul(l.wo, heads.data(), n, out, ctx.pool, ctx.precision);
    addBias(out, l.bo, n);
}

void latentAttention(const ChunkContext &ctx, const LayerWeights &l, int64_t layer, const float *x, float *out)
{
    const ModelConfig &c = ctx.config;
    const MlaConfig &m = c.mla;
    const int64_t n = ctx.n, qHead = m.qkNopeDim + m.qkRopeDim, qW = c.nHead * qHead;
    const int64_t rank = m.kvLoraRank, kvW = rank + m.qkRopeDim;
    std::vector<float> q(size_t(n * qW)), kvA(size_t(n * kvW));
    PhaseTimer projectionTimer(ctx.times, &PhaseTimes::denseSeconds);
    if (m.qLoraRank > 0) {
        std::vector<float> qa(size_t(n * m.qLoraRank));
        matmul(l.wqA, x, n, qa.data(), ctx.pool, ctx.precision);
        rmsNormRows(qa.data(), l.qANorm.data(), n, m.qLoraRank, m.qLoraRank, c.normEps);
        matmul(l.wqB, qa.data(), n, q.data(), ctx.pool, ctx.precision);
    } else {
        matmul(l.wq, x, n, q.data(), ctx.pool, ctx.precision);
    }
    matmul(l.wkvA, x, n, kvA.data(), ctx.pool, ctx.precision);
    projectionTimer.stop();
    std::vector<float> cos, sin;
    for (int64_t t = 0; t < n; ++t) {
        float *kv = kvA.data() + t * kvW;
        rmsNorm(kv, l.kvANorm.data(), kv, rank, c.normEps);
        ctx.rope.at(ctx.firstPos + t, cos, sin);
        applyRope(kv + rank, 1, m.qkRopeDim, c.rope.style, m.qkRopeDim, cos.data(), sin.data());
        applyRope(q.data() + t * qW + m.qkNopeDim, c.nHead, qHead, c.rope.style, m.qkRopeDim, cos.data(),
                  sin.data());
        std::copy_n(kv, kvW, ctx.cache.keyAt(layer, ctx.firstPos + t));
    }

    const float scale = c.attentionScale();
    const WeightedRowSumFn weightedRowSum = cpuWeightedRowSum();
    std::vector<float> heads(size_t(n * c.nHead * m.vHeadDim));
    PhaseTimer attentionTimer(ctx.times, &PhaseTimes::attentionSeconds);
    ctx.pool.parallelFor(n * c.nHead, [&](int64_t begin, int64_t end, int) {
        std::vector<float> qLatent(static_cast<size_t>(rank)), latentOut(static_cast<size_t>(rank)), scores, row;
        for (int64_t i = begin; i < end; ++i) {
            const int64_t t = i / c.nHead, h = i % c.nHead, last = ctx.firstPos + t;
            const float *qh = q.data() + t * qW + h * qHead;
            // Absorb k_b: the query's no-rope part expressed in the latent space.
            if (l.wkBTransposed) {
                std::fill(qLatent.begin(), qLatent.end(), 0.0f);
                row.resize(size_t(rank));
                matmulTransposedAccumulate(l.wkB[size_t(h)], qh, qLatent.data(), row.data());
            } else {
                matvec(l.wkB[size_t(h)], qh, qLatent.data(), row);
            }
            scores.resize(size_t(last + 1));
            for (int64_t j = 0; j <= last; ++j) {
                const float *kj = ctx.cache.keyAt(layer, j);
                scores[size_t(j)] =
                    (dot(qLatent.data(), kj, rank) + dot(qh + m.qkNopeDim, kj + rank, m.qkRopeDim)) * scale;
            }
            softmax(scores.data(), last + 1);
            weightedRowSum(scores.data(), last + 1, ctx.cache.keyAt(layer, 0),
                           ctx.cache.kHeadWidth, rank, latentOut.data());
            matvec(l.wvB[size_t(h)], latentOut.data(), heads.data() + (t * c.nHead + h) * m.vHeadDim, row);
        }
    });
    attentionTimer.stop();
    PhaseTimer timer(ctx.times, &PhaseTimes::denseSeconds);
    matmul(l.wo, heads.data(), n, out, ctx.pool, ctx.precision);
}

} // namespace enclave
