// Attention over a chunk: standard multi-head (GQA, optional biases and q/k norms) and
// DeepSeek's multi-head latent attention in its absorbed form, where queries are mapped
// into the latent space so the cache only ever holds the compressed latent.
#include "engine/runtime/layer_ops.h"

#include "engine/cpu/row_sum.h"
#include "engine/cpu/thread_pool.h"
#include "engine/cpu/vec_dot.h"

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
    std::vector<float> q(size_t(n * qW)), k(size_t(n * kW)), v(size_t(n * vW));
    {
        PhaseTimer timer(ctx.times, &PhaseTimes::denseSeconds);
        matmul(l.wq, x, n, q.data(), ctx.pool, ctx.precision);
        matmul(l.wk, x, n, k.data(), ctx.pool, ctx.precision);
        matmul(l.wv, x, n, v.data(), ctx.pool, ctx.precision);
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
    for (int64_t t = 0; t < n; ++t) {
        ctx.rope.at(ctx.firstPos + t, cos, sin);
        applyRope(q.data() + t * qW, c.nHead, c.headDim, c.rope.style, c.rope.dims, cos.data(), sin.data());
        applyRope(k.data() + t * kW, c.nHeadKv, c.headDim, c.rope.style, c.rope.dims, cos.data(), sin.data());
        std::copy_n(k.data() + t * kW, kW, ctx.cache.keyAt(layer, ctx.firstPos + t));
        std::copy_n(v.data() + t * vW, vW, ctx.cache.valueAt(layer, ctx.firstPos + t));
    }

    const int64_t group = c.nHead / c.nHeadKv;
    const float scale = c.attentionScale();
    const WeightedRowSumFn weightedRowSum = cpuWeightedRowSum();
    std::vector<float> heads(size_t(n * c.nHead * c.headDimV));
    PhaseTimer attentionTimer(ctx.times, &PhaseTimes::attentionSeconds);
    ctx.pool.parallelFor(n * c.nHead, [&](int64_t begin, int64_t end, int) {
        std::vector<float> scores;
        for (int64_t i = begin; i < end; ++i) {
            const int64_t t = i / c.nHead, h = i % c.nHead, kvh = h / group;
            const int64_t last = ctx.firstPos + t; // causal: positions 0..last
            const float *qh = q.data() + t * qW + h * c.headDim;
            scores.resize(size_t(last + 1));
            for (int64_t j = 0; j <= last; ++j)
                scores[size_t(j)] = dot(qh, ctx.cache.keyAt(layer, j) + kvh * c.headDim, c.headDim) * scale;
            softmax(scores.data(), last + 1);
            float *o = heads.data() + (t * c.nHead + h) * c.headDimV;
            const float *v0 = ctx.cache.valueAt(layer, 0) + kvh * c.headDimV;
            weightedRowSum(scores.data(), last + 1, v0, ctx.cache.vWidth,
                           c.headDimV, o);
        }
    });
    attentionTimer.stop();
    PhaseTimer timer(ctx.times, &PhaseTimes::denseSeconds);
    matmul(l.wo, heads.data(), n, out, ctx.pool, ctx.precision);
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
                           ctx.cache.kWidth, rank, latentOut.data());
            matvec(l.wvB[size_t(h)], latentOut.data(), heads.data() + (t * c.nHead + h) * m.vHeadDim, row);
        }
    });
    attentionTimer.stop();
    PhaseTimer timer(ctx.times, &PhaseTimes::denseSeconds);
    matmul(l.wo, heads.data(), n, out, ctx.pool, ctx.precision);
}

} // namespace enclave
