// Qwen3.5 MoE (qwen35moe): a hybrid of Gated DeltaNet layers (linear attention with a recurrent
// state, runtime/linear_attention.cpp) and, every full_attention_interval-th layer, gated full
// attention (q projects a query and a gate per head; per-head q/k RMSNorm; NeoX RoPE on part of
// each head; the heads are multiplied by sigmoid(gate) before the output projection). Every layer
// is MoE: softmax routing renormalised over the top-k, plus a shared expert behind a sigmoid gate.
// Interleaved M-RoPE sections reduce to plain RoPE for text (every section gets the position).
#include "engine/arch/architectures.h"

namespace enclave {

namespace {
constexpr int64_t kDefaultFullAttentionInterval = 4;
}

void configureQwen35Moe(const ConfigReader &r, ModelConfig &c)
{
    requireGguf(r, "Qwen3.5 MoE");
    c.rope.style = RopeStyle::HalfSplit;
    c.qkNorm = true;
    c.attnOutputGate = true;
    c.moe.gating = ExpertGating::Softmax;
    c.moe.normTopK = true;
    readGgufExpertRouting(r, c);
    c.moe.nExpertShared = c.moe.nFfShared > 0 ? 1 : 0;
    c.moe.sharedExpertGate = c.moe.nFfShared > 0;
    LinearAttentionConfig &la = c.linear;
    la.convKernel = r.requireGgufInt("ssm.conv_kernel");
    la.headKDim = r.requireGgufInt("ssm.state_size");
    la.nKHeads = r.requireGgufInt("ssm.group_count");
    la.nVHeads = r.requireGgufInt("ssm.time_step_rank");
    const int64_t inner = r.requireGgufInt("ssm.inner_size");
    la.headVDim = la.nVHeads > 0 && inner % la.nVHeads == 0 ? inner / la.nVHeads : 0;
    const int64_t interval = r.ggufInt("full_attention_interval").value_or(kDefaultFullAttentionInterval);
    c.recurrentLayers.resize(size_t(c.nLayer));
    for (int64_t i = 0; i < c.nLayer; ++i)
        c.recurrentLayers[size_t(i)] = interval <= 0 || (i + 1) % interval != 0;
}

void loadGatedDeltaNet(const WeightLoader &w, const ModelConfig &c, int64_t layer, LayerWeights &l)
{
    const LinearAttentionConfig &la = c.linear;
    const int64_t channels = la.channels(), inner = la.nVHeads * la.headVDim;
    l.wqkv = w.matrix(WeightRole::Wqkv, layer, channels, c.nEmbd);
    l.wz = w.matrix(WeightRole::Wz, layer, inner, c.nEmbd);
    l.conv = w.vector(WeightRole::SsmConv, layer, channels * la.convKernel);
    l.dtBias = w.vector(WeightRole::SsmDtBias, layer, la.nVHeads);
    l.ssmA = w.vector(WeightRole::SsmA, layer, la.nVHeads);
    l.wBeta = w.matrix(WeightRole::SsmBeta, layer, la.nVHeads, c.nEmbd);
    l.wAlpha = w.matrix(WeightRole::SsmAlpha, layer, la.nVHeads, c.nEmbd);
    l.ssmNorm = w.vector(WeightRole::SsmNorm, layer, la.headVDim);
    l.ssmOut = w.matrix(WeightRole::SsmOut, layer, c.nEmbd, inner);
}

} // namespace enclave
