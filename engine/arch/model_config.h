// ModelConfig: every hyper-parameter the runner needs, the same for all families. Each
// architecture file fills it from GGUF keys or from config.json (old and new key names).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace enclave {

enum class ArchFamily { Llama, Qwen2, Qwen3, Qwen2Moe, Qwen3Moe, Olmoe, Deepseek2, GptOss, Glm4Moe, MinimaxM2, Ernie45Moe, Llama4, Qwen35Moe };

// How RoPE pairs dimensions: Interleaved rotates (x[2i], x[2i+1]) — GGUF llama (whose q/k
// rows the converter permuted) and DeepSeek; HalfSplit rotates (x[i], x[i + d/2]) — HF
// llama/mistral/qwen and GGUF qwen.
enum class RopeStyle { Interleaved, HalfSplit };

enum class ExpertGating { Softmax, Sigmoid };

// The gated activation of the routed experts: SwiGlu = silu(g) * u; ClampedSwiGlu (gpt-oss) =
// g' * sigmoid(alpha g') * (u' + 1) with g' = min(g, limit), u' = clamp(u, -limit, limit).
enum class ExpertActivation { SwiGlu, ClampedSwiGlu };

struct RopeConfig {
    RopeStyle style = RopeStyle::HalfSplit;
    int64_t dims = 0;       // rotated dimensions per head (≤ head dim)
    double theta = 10000.0;
    std::vector<float> freqFactors; // per rotated pair: divide the frequency by this (llama3); empty: none
    // YaRN (DeepSeek V2/V3, Kimi K2): active when yarnFactor > 1.
    double yarnFactor = 1.0;
    int64_t yarnOriginalContext = 0;
    double yarnBetaFast = 32.0;
    double yarnBetaSlow = 1.0;
    double yarnMscale = 1.0;        // mscale
    double yarnMscaleAllDim = 0.0;  // mscale_all_dim
};

struct MoeConfig {
    int64_t nExpert = 0;       // routed experts per MoE layer (0: dense model)
    int64_t nExpertUsed = 0;   // top-k
    int64_t nFfExpert = 0;     // width of one routed expert
    int64_t nExpertShared = 0; // shared experts (DeepSeek: merged into one FFN of width nFfShared)
    int64_t nFfShared = 0;     // width of the shared FFN
    int64_t leadingDense = 0;  // first layers with a dense FFN (DeepSeek first_k_dense_replace)
    int64_t interleaveStep = 1; // after those, every interleaveStep-th layer is MoE (Llama 4: 2)
    ExpertGating gating = ExpertGating::Softmax;
    bool normTopK = false;          // renormalise the selected weights to sum 1 (Mixtral's
                                    // softmax over the selected logits is exactly this)
    double routedScale = 1.0;       // routed_scaling_factor
    int64_t nGroup = 1;             // group-limited top-k (DeepSeek)
    int64_t topkGroup = 1;
    bool groupScoreTopTwo = false;  // V3: a group scores by the sum of its top two, V2: by its max
    bool sharedExpertGate = false;  // Qwen2-MoE: shared output × sigmoid(gate · x)
    bool expertBiases = false;      // gpt-oss: biases on every expert's gate, up and down
    bool weightBeforeExpert = false; // Llama 4: the routing weight scales the expert's input, not its output
    ExpertActivation activation = ExpertActivation::SwiGlu;
    float activationAlpha = 1.702f; // ClampedSwiGlu's sigmoid slope
    float activationLimit = 7.0f;   // ClampedSwiGlu's clamp
};

struct MlaConfig {
    int64_t qLoraRank = 0;   // 0: q_proj directly (no q compression)
    int64_t kvLoraRank = 0;  // compressed KV width (what the cache holds)
    int64_t qkNopeDim = 0;
    int64_t qkRopeDim = 0;
    int64_t vHeadDim = 0;
};

// Gated DeltaNet (Qwen3.5/Qwen3-Next linear attention): a causal depthwise convolution over the
// q/k/v channels, then per value head a 64×64-style state updated by the delta rule.
struct LinearAttentionConfig {
    int64_t convKernel = 0; // taps of the convolution (ssm.conv_kernel), the current token included
    int64_t nKHeads = 0;    // q/k heads (ssm.group_count)
    int64_t nVHeads = 0;    // value heads (ssm.time_step_rank); value head h reads q/k head h % nKHeads
    int64_t headKDim = 0;   // q/k head width (ssm.state_size)
    int64_t headVDim = 0;   // value head width (ssm.inner_size / nVHeads)
    int64_t channels() const { return 2 * nKHeads * headKDim + nVHeads * headVDim; }
    int64_t stateFloats() const { return (convKernel - 1) * channels() + nVHeads * headKDim * headVDim; }
};

struct ModelConfig {
    ArchFamily family = ArchFamily::Llama;
    std::string architecture; // as the file names it ("qwen3moe", "qwen3_moe"...)
    int64_t nVocab = 0;
    int64_t nEmbd = 0;
    int64_t nLayer = 0;
    int64_t nHead = 0;
    int64_t nHeadKv = 0;
    int64_t headDim = 0;   // q/k head width (MLA: nope + rope)
    int64_t headDimV = 0;  // v head width
    int64_t nFf = 0;       // dense FFN width
    int64_t nCtxTrain = 0;
    float normEps = 1e-6f;
    bool qkNorm = false;        // Qwen3: RMSNorm per head on q and k
    bool qkNormFull = false;    // OLMoE: RMSNorm over all heads of q and of k
    bool attnBias = false;      // Qwen2: q/k/v biases
    bool attnOutputBias = false; // gpt-oss: a bias on the output projection too
    bool attnSinks = false;     // gpt-oss: a learned logit per head joins each softmax's denominator
    int64_t slidingWindow = 0;  // tokens a sliding-window layer attends to (itself included)
    std::vector<bool> slidingLayers; // [nLayer]: which layers use the window (empty: none)
    int64_t attentionChunk = 0; // Llama 4: a chunked layer attends only within its chunk of positions
    std::vector<bool> chunkedLayers; // [nLayer]: which layers are chunked (empty: none)
    int64_t nopeInterval = 0;   // Llama 4: every nopeInterval-th layer has no RoPE (0: all rotate)
    bool qkL2Norm = false;      // Llama 4: weightless RMS norm of q and k per head after RoPE
    double nopeTempScale = 0.0; // Llama 4: NoPE layers scale q by 1 + s ln(floor((pos + 1) / floor) + 1)
    int64_t nopeTempFloor = 0;
    bool attnOutputGate = false; // Qwen3.5: q projects [query | gate] per head; heads × sigmoid(gate)
    LinearAttentionConfig linear;
    std::vector<bool> recurrentLayers; // [nLayer]: Gated DeltaNet instead of attention (empty: none)
    bool tiedEmbeddings = false;
    RopeConfig rope;
    MoeConfig moe;
    MlaConfig mla;
    bool isMla() const { return mla.kvLoraRank > 0; }
    bool isMoeLayer(int64_t layer) const
    {
        return moe.nExpert > 0 && layer >= moe.leadingDense && (layer + 1) % (moe.interleaveStep > 0 ? moe.interleaveStep : 1) == 0;
    }
    bool isRecurrentLayer(int64_t layer) const
    {
        return layer >= 0 && size_t(layer) < recurrentLayers.size() && recurrentLayers[size_t(layer)];
    }
    bool hasRecurrentLayers() const
    {
        for (bool r : recurrentLayers)
            if (r)
                return true;
        return false;
    }
    bool usesRope(int64_t layer) const { return nopeInterval <= 0 || (layer + 1) % nopeInterval != 0; }
    // The attention window of a layer in positions (0: the whole context).
    int64_t windowOf(int64_t layer) const
    {
        return layer >= 0 && size_t(layer) < slidingLayers.size() && slidingLayers[size_t(layer)] ? slidingWindow : 0;
    }
    // The first position a query at `position` of `layer` attends to (the last is its own).
    int64_t firstVisible(int64_t layer, int64_t position) const
    {
        if (const int64_t window = windowOf(layer); window > 0)
            return position + 1 > window ? position + 1 - window : 0;
        if (attentionChunk > 0 && layer >= 0 && size_t(layer) < chunkedLayers.size() && chunkedLayers[size_t(layer)])
            return position - position % attentionChunk;
        return 0;
    }
    float attentionScale() const; // softmax scale incl. YaRN mscale
};

} // namespace enclave
