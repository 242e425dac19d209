// Gated DeltaNet, the linear attention of Qwen3.5/Qwen3-Next. Per token: the q/k/v channels go
// through a causal depthwise convolution (this token and the convKernel - 1 before it) and SiLU;
// q and k are L2-normalised per head (q also scaled by 1/sqrt(headKDim)); every value head h,
// reading q/k head h % nKHeads, decays its state S [headKDim × headVDim] by exp(g) and applies the
// delta rule S += k (beta (v - Sᵀk))ᵀ; its output Sᵀq is RMS-normalised, scaled by ssmNorm and
// gated by SiLU(z). The tokens of a chunk run in order: each one's state is the next one's input.
#include "engine/runtime/layer_ops.h"

#include <algorithm>
#include <cmath>

namespace enclave {
namespace {

float sigmoid(float x) { return 1.0f / (1.0f + std::exp(-x)); }
float silu(float x) { return x * sigmoid(x); }
float softplus(float x) { return x > 20.0f ? x : std::log1p(std::exp(x)); }

// x / sqrt(Σx² + eps), in place.
void l2Normalize(float *x, int64_t n, float eps)
{
    double sum = 0;
    for (int64_t i = 0; i < n; ++i)
        sum += double(x[i]) * double(x[i]);
    const float scale = float(1.0 / std::sqrt(sum + double(eps)));
    for (int64_t i = 0; i < n; ++i)
        x[i] *= scale;
}

// The convolution of one token: conv [channels][K] (current token's tap last) over the history
// [K - 1][channels] and the token's input; SiLU; then the history shifts the input in.
void convolve(const std::vector<float> &conv, int64_t kernel, int64_t channels, float *history, const float *input,
              float *out)
{
    for (int64_t ch = 0; ch < channels; ++ch) {
        const float *w = conv.data() + ch * kernel;
        float sum = w[kernel - 1] * input[ch];
        for (int64_t tap = 0; tap < kernel - 1; ++tap)
            sum += w[tap] * history[tap * channels + ch];
        out[ch] = silu(sum);
    }
    for (int64_t tap = 0; tap + 1 < kernel - 1; ++tap)
        std::copy_n(history + (tap + 1) * channels, channels, history + tap * channels);
    if (kernel > 1)
        std::copy_n(input, channels, history + (kernel - 2) * channels);
}

// One value head's step: decay, delta rule, output o = Sᵀq.
void deltaStep(float *S, int64_t dk, int64_t dv, const float *q, const float *k, const float *v, float beta,
               float decay, float *o, float *scratch)
{
    for (int64_t i = 0; i < dk * dv; ++i)
        S[i] *= decay;
    float *kS = scratch; // Sᵀk
    std::fill_n(kS, dv, 0.0f);
    for (int64_t i = 0; i < dk; ++i)
        for (int64_t j = 0; j < dv; ++j)
            kS[j] += S[i * dv + j] * k[i];
    for (int64_t j = 0; j < dv; ++j)
        kS[j] = beta * (v[j] - kS[j]); // now the update d
    for (int64_t i = 0; i < dk; ++i)
        for (int64_t j = 0; j < dv; ++j)
            S[i * dv + j] += k[i] * kS[j];
    std::fill_n(o, dv, 0.0f);
    for (int64_t i = 0; i < dk; ++i)
        for (int64_t j = 0; j < dv; ++j)
            o[j] += S[i * dv + j] * q[i];
}

} // namespace

void gatedDeltaNet(const ChunkContext &ctx, const LayerWeights &l, int64_t layer, const float *x, float *out)
{
    const ModelConfig &c = ctx.config;
    const LinearAttentionConfig &la = c.linear;
    const int64_t n = ctx.n, channels = la.channels(), dk = la.headKDim, dv = la.headVDim, inner = la.nVHeads * dv;
    std::vector<float> qkv(size_t(n * channels)), z(size_t(n * inner)), beta(size_t(n * la.nVHeads)),
        alpha(size_t(n * la.nVHeads));
    {
        PhaseTimer timer(ctx.times, &PhaseTimes::denseSeconds);
        const MatmulJob projections[] = {{&l.wqkv, x, n, qkv.data()},
                                         {&l.wz, x, n, z.data()},
                                         {&l.wBeta, x, n, beta.data()},
                                         {&l.wAlpha, x, n, alpha.data()}};
        matmulBatch(projections, ctx.pool, ctx.precision);
    }
    PhaseTimer timer(ctx.times, &PhaseTimes::attentionSeconds);
    RecurrentState &state = *ctx.recurrent;
    std::vector<float> mixed(static_cast<size_t>(channels)), heads(static_cast<size_t>(n * inner)),
        scratch(static_cast<size_t>(dv));
    const float qScale = 1.0f / std::sqrt(float(dk));
    for (int64_t t = 0; t < n; ++t) {
        convolve(l.conv, la.convKernel, channels, state.convHistory(layer), qkv.data() + t * channels, mixed.data());
        float *q = mixed.data(), *k = q + la.nKHeads * dk, *v = k + la.nKHeads * dk;
        for (int64_t h = 0; h < la.nKHeads; ++h) {
            l2Normalize(q + h * dk, dk, c.normEps);
            l2Normalize(k + h * dk, dk, c.normEps);
            for (int64_t i = 0; i < dk; ++i)
                q[h * dk + i] *= qScale;
        }
        for (int64_t h = 0; h < la.nVHeads; ++h) {
            const int64_t kh = h % la.nKHeads;
            const float b = sigmoid(beta[size_t(t * la.nVHeads + h)]);
            const float g = softplus(alpha[size_t(t * la.nVHeads + h)] + l.dtBias[size_t(h)]) * l.ssmA[size_t(h)];
            float *o = heads.data() + t * inner + h * dv;
            deltaStep(state.headState(layer, h), dk, dv, q + kh * dk, k + kh * dk, v + h * dv, b, std::exp(g), o,
                      scratch.data());
            rmsNorm(o, l.ssmNorm.data(), o, dv, c.normEps);
            const float *zh = z.data() + t * inner + h * dv;
            for (int64_t j = 0; j < dv; ++j)
                o[j] *= silu(zh[j]);
        }
    }
    timer.stop();
    PhaseTimer outTimer(ctx.times, &PhaseTimes::denseSeconds);
    matmul(l.ssmOut, heads.data(), n, out, ctx.pool, ctx.precision);
}

} // namespace enclave
