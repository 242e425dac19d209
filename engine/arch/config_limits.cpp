// Hyper-parameter checks: one line per value, each naming the GGUF key and the config.json key.
#include "engine/arch/config_limits.h"

#include <cmath>
#include <stdexcept>

namespace enclave {
namespace {

void inRange(int64_t v, int64_t lo, int64_t hi, const char *what)
{
    if (v < lo || v > hi)
        throw std::runtime_error("hyper-parameter out of range: " + std::string(what) + " is " + std::to_string(v) +
                                 ", expected " + std::to_string(lo) + ".." + std::to_string(hi));
}

void finiteIn(double v, double lo, double hi, const char *what)
{
    if (!std::isfinite(v) || v < lo || v > hi)
        throw std::runtime_error("hyper-parameter out of range: " + std::string(what) + " is " + std::to_string(v) +
                                 ", expected a number in " + std::to_string(lo) + ".." + std::to_string(hi));
}

void checkMoe(const ModelConfig &c)
{
    const MoeConfig &m = c.moe;
    inRange(m.nExpert, 0, kMaxExperts, "expert count (expert_count, num_experts)");
    if (m.nExpert == 0)
        return;
    inRange(m.nExpertUsed, 1, m.nExpert, "used experts per token (expert_used_count, num_experts_per_tok)");
    inRange(m.nFfExpert, 1, kMaxFeedForward, "expert width (expert_feed_forward_length, moe_intermediate_size)");
    inRange(m.nExpertShared, 0, kMaxSharedExperts, "shared experts (expert_shared_count, n_shared_experts)");
    inRange(m.nFfShared, 0, kMaxFeedForward * kMaxSharedExperts, "shared expert width");
    inRange(m.leadingDense, 0, c.nLayer, "leading dense layers (leading_dense_block_count, first_k_dense_replace)");
    inRange(m.nGroup, 1, m.nExpert, "expert groups (expert_group_count, n_group)");
    if (m.nExpert % m.nGroup != 0)
        throw std::runtime_error("hyper-parameters inconsistent: " + std::to_string(m.nGroup) +
                                 " expert groups do not divide the " + std::to_string(m.nExpert) + " experts");
    inRange(m.topkGroup, 1, m.nGroup, "expert groups used (expert_group_used_count, topk_group)");
    if (m.topkGroup * (m.nExpert / m.nGroup) < m.nExpertUsed)
        throw std::runtime_error("hyper-parameters inconsistent: " + std::to_string(m.topkGroup) + " groups of " +
                                 std::to_string(m.nExpert / m.nGroup) + " experts hold fewer than the " +
                                 std::to_string(m.nExpertUsed) + " experts used per token");
    finiteIn(m.routedScale, -1e6, 1e6, "routed expert scale (expert_weights_scale, routed_scaling_factor)");
}

void checkMla(const ModelConfig &c)
{
    const MlaConfig &m = c.mla;
    inRange(m.qLoraRank, 0, kMaxLoraRank, "q compression rank (attention.q_lora_rank, q_lora_rank)");
    inRange(m.kvLoraRank, 1, kMaxLoraRank, "kv compression rank (attention.kv_lora_rank, kv_lora_rank)");
    inRange(m.qkNopeDim, 1, kMaxHeadDim, "non-rotated key width (qk_nope_head_dim)");
    inRange(m.qkRopeDim, 1, kMaxHeadDim, "rotated key width (rope.dimension_count, qk_rope_head_dim)");
    inRange(m.vHeadDim, 1, kMaxHeadDim, "value head width (attention.value_length, v_head_dim)");
}

void checkRope(const ModelConfig &c)
{
    const RopeConfig &r = c.rope;
    inRange(r.dims, 0, c.headDim, "rotated dimensions per head (rope.dimension_count, partial_rotary_factor)");
    if (!r.freqFactors.empty() && int64_t(r.freqFactors.size()) != r.dims / 2)
        throw std::runtime_error("hyper-parameters inconsistent: " + std::to_string(r.freqFactors.size()) +
                                 " RoPE frequency factors for " + std::to_string(r.dims / 2) + " rotated pairs");
    for (float f : r.freqFactors)
        finiteIn(f, 1e-30, 1e30, "RoPE frequency factor (rope_freqs.weight, rope_scaling)");
    finiteIn(r.theta, 1e-3, 1e30, "RoPE base (rope.freq_base, rope_theta)");
    finiteIn(r.yarnFactor, 1e-6, 1e9, "RoPE scaling factor (rope.scaling.factor, rope_scaling.factor)");
    if (r.yarnFactor > 1.0)
        inRange(r.yarnOriginalContext, 1, kMaxContext,
                "original context of YaRN (rope.scaling.original_context_length, original_max_position_embeddings)");
    finiteIn(r.yarnBetaFast, -1e6, 1e6, "YaRN beta_fast");
    finiteIn(r.yarnBetaSlow, -1e6, 1e6, "YaRN beta_slow");
    finiteIn(r.yarnMscale, -1e6, 1e6, "YaRN mscale");
    finiteIn(r.yarnMscaleAllDim, -1e6, 1e6, "YaRN mscale_all_dim");
}

} // namespace

int64_t integerFrom(double v, int64_t lo, int64_t hi, const std::string &what)
{
    if (!std::isfinite(v) || v != std::floor(v) || v < double(lo) || v > double(hi))
        throw std::runtime_error("hyper-parameter out of range: " + what + " is " + std::to_string(v) +
                                 ", expected a whole number in " + std::to_string(lo) + ".." + std::to_string(hi));
    return int64_t(v);
}

void checkBasicSizes(const ModelConfig &c)
{
    inRange(c.nLayer, 1, kMaxLayers, "layers (block_count, num_hidden_layers)");
    inRange(c.nEmbd, 1, kMaxEmbedding, "embedding width (embedding_length, hidden_size)");
    inRange(c.nHead, 1, kMaxHeads, "attention heads (attention.head_count, num_attention_heads)");
    inRange(c.nHeadKv, 1, c.nHead, "key/value heads (attention.head_count_kv, num_key_value_heads)");
    if (c.nHead % c.nHeadKv != 0)
        throw std::runtime_error("hyper-parameters inconsistent: " + std::to_string(c.nHeadKv) +
                                 " key/value heads do not divide the " + std::to_string(c.nHead) + " attention heads");
    inRange(c.headDim, 1, kMaxHeadDim, "key head width (attention.key_length, head_dim)");
    inRange(c.headDimV, 1, kMaxHeadDim, "value head width (attention.value_length, head_dim)");
    inRange(c.rope.dims, 0, c.headDim, "rotated dimensions per head (rope.dimension_count, partial_rotary_factor)");
    inRange(c.nVocab, 1, kMaxVocab, "vocabulary (token_embd.weight rows, vocab_size)");
    inRange(c.nFf, 0, kMaxFeedForward, "feed-forward width (feed_forward_length, intermediate_size)");
    inRange(c.nCtxTrain, 1, kMaxContext, "training context (context_length, max_position_embeddings)");
    inRange(c.moe.nExpert, 0, kMaxExperts, "expert count (expert_count, num_experts)");
    if (!std::isfinite(c.normEps) || c.normEps < 0.0f || c.normEps > 1.0f)
        throw std::runtime_error("hyper-parameter out of range: norm epsilon (attention.layer_norm_rms_epsilon, "
                                 "rms_norm_eps) is " + std::to_string(c.normEps) + ", expected 0..1");
}

void validateModelConfig(const ModelConfig &c)
{
    checkBasicSizes(c);
    checkMoe(c);
    if (c.isMla())
        checkMla(c);
    checkRope(c);
    inRange(c.slidingWindow, 0, kMaxContext, "sliding window (attention.sliding_window)");
    inRange(c.attentionChunk, 0, kMaxContext, "attention chunk");
    if (!c.recurrentLayers.empty()) {
        if (int64_t(c.recurrentLayers.size()) != c.nLayer)
            throw std::runtime_error("hyper-parameters inconsistent: the recurrent layer pattern has " +
                                     std::to_string(c.recurrentLayers.size()) + " entries for " +
                                     std::to_string(c.nLayer) + " layers");
        const LinearAttentionConfig &la = c.linear;
        inRange(la.convKernel, 1, 64, "linear-attention convolution taps (ssm.conv_kernel)");
        inRange(la.nKHeads, 1, kMaxHeads, "linear-attention q/k heads (ssm.group_count)");
        inRange(la.nVHeads, la.nKHeads, kMaxHeads, "linear-attention value heads (ssm.time_step_rank)");
        if (la.nVHeads % la.nKHeads != 0)
            throw std::runtime_error("hyper-parameters inconsistent: " + std::to_string(la.nKHeads) +
                                     " linear-attention q/k heads do not divide its " + std::to_string(la.nVHeads) +
                                     " value heads");
        inRange(la.headKDim, 1, 1024, "linear-attention q/k head width (ssm.state_size)");
        inRange(la.headVDim, 1, 1024, "linear-attention value head width (ssm.inner_size / value heads)");
    }
    inRange(c.moe.interleaveStep, 1, c.nLayer, "MoE layer interval (interleave_moe_layer_step)");
    if (!c.chunkedLayers.empty() && int64_t(c.chunkedLayers.size()) != c.nLayer)
        throw std::runtime_error("hyper-parameters inconsistent: the chunked-attention layer pattern has " +
                                 std::to_string(c.chunkedLayers.size()) + " entries for " + std::to_string(c.nLayer) +
                                 " layers");
    if (!c.slidingLayers.empty() && int64_t(c.slidingLayers.size()) != c.nLayer)
        throw std::runtime_error("hyper-parameters inconsistent: the sliding-window layer pattern has " +
                                 std::to_string(c.slidingLayers.size()) + " entries for " + std::to_string(c.nLayer) +
                                 " layers");
    const bool hasDenseLayer = c.moe.nExpert == 0 || c.moe.leadingDense > 0;
    if (hasDenseLayer && c.nFf <= 0)
        throw std::runtime_error("hyper-parameter out of range: feed-forward width (feed_forward_length, "
                                 "intermediate_size) is " + std::to_string(c.nFf) + ", but the model has dense layers");
}

} // namespace enclave
