// ModelConfig → <arch>.* keys, as llama.cpp's converter names them. MLA is written in the MQA form
// the current converter uses (one kv head over latent + rope; per-head sizes in *_mla keys).
#include "engine/tools/gguf_model_keys.h"

#include "engine/model/gguf_writer.h"

#include <cmath>
#include <stdexcept>

namespace enclave {
namespace {

uint32_t u32(int64_t v) { return uint32_t(v); }

void setMoeKeys(GgufWriter &w, const ModelConfig &c, const std::string &a)
{
    const MoeConfig &m = c.moe;
    w.set(a + ".expert_count", u32(m.nExpert));
    w.set(a + ".expert_used_count", u32(m.nExpertUsed));
    w.set(a + ".expert_feed_forward_length", u32(m.nFfExpert));
    w.set(a + ".expert_weights_norm", m.normTopK);
    if (c.family == ArchFamily::Qwen2Moe && m.nFfShared > 0)
        w.set(a + ".expert_shared_feed_forward_length", u32(m.nFfShared));
    if (c.family == ArchFamily::Qwen2Moe && m.normTopK)
        throw std::invalid_argument("Qwen2-MoE with norm_topk_prob cannot be written as GGUF");
}

void setMlaKeys(GgufWriter &w, const ModelConfig &c, const std::string &a)
{
    const MlaConfig &m = c.mla;
    w.set(a + ".attention.head_count_kv", uint32_t(1));
    w.set(a + ".attention.key_length", u32(m.kvLoraRank + m.qkRopeDim));
    w.set(a + ".attention.value_length", u32(m.kvLoraRank));
    w.set(a + ".attention.key_length_mla", u32(m.qkNopeDim + m.qkRopeDim));
    w.set(a + ".attention.value_length_mla", u32(m.vHeadDim));
    w.set(a + ".attention.kv_lora_rank", u32(m.kvLoraRank));
    if (m.qLoraRank > 0)
        w.set(a + ".attention.q_lora_rank", u32(m.qLoraRank));
    w.set(a + ".rope.dimension_count", u32(m.qkRopeDim));
    w.set(a + ".leading_dense_block_count", u32(c.moe.leadingDense));
    w.set(a + ".expert_shared_count", u32(c.moe.nExpertShared));
    w.set(a + ".expert_weights_scale", float(c.moe.routedScale));
    w.set(a + ".expert_gating_func", uint32_t(c.moe.gating == ExpertGating::Sigmoid ? 2 : 1));
    if (c.moe.nGroup > 1) {
        w.set(a + ".expert_group_count", u32(c.moe.nGroup));
        w.set(a + ".expert_group_used_count", u32(c.moe.topkGroup));
    }
}

void setYarnKeys(GgufWriter &w, const RopeConfig &r, const std::string &a)
{
    if (r.yarnFactor <= 1.0)
        return;
    // The engine reads mscale = mscale_all_dim from GGUF (as llama.cpp does); a checkpoint where
    // they differ would change meaning, so it is refused rather than written wrong.
    if (std::abs(r.yarnMscale - r.yarnMscaleAllDim) > 1e-9 && r.yarnMscale != 1.0)
        throw std::invalid_argument("YaRN with mscale != mscale_all_dim cannot be written as GGUF");
    w.set(a + ".rope.scaling.type", "yarn");
    w.set(a + ".rope.scaling.factor", float(r.yarnFactor));
    w.set(a + ".rope.scaling.original_context_length", u32(r.yarnOriginalContext));
    w.set(a + ".rope.scaling.yarn_log_multiplier", float(0.1 * r.yarnMscaleAllDim));
    w.set(a + ".rope.scaling.yarn_beta_fast", float(r.yarnBetaFast));
    w.set(a + ".rope.scaling.yarn_beta_slow", float(r.yarnBetaSlow));
}

} // namespace

std::string ggufArchitectureName(ArchFamily family)
{
    switch (family) {
    case ArchFamily::Llama: return "llama";
    case ArchFamily::Qwen2: return "qwen2";
    case ArchFamily::Qwen3: return "qwen3";
    case ArchFamily::Qwen2Moe: return "qwen2moe";
    case ArchFamily::Qwen3Moe: return "qwen3moe";
    case ArchFamily::Olmoe: return "olmoe";
    case ArchFamily::Deepseek2: return "deepseek2";
    case ArchFamily::GptOss: return "gpt-oss";
    case ArchFamily::Glm4Moe: return "glm4moe";
    case ArchFamily::MinimaxM2: return "minimax-m2";
    case ArchFamily::Ernie45Moe: return "ernie4_5-moe";
    case ArchFamily::Llama4: return "llama4";
    case ArchFamily::Qwen35Moe: return "qwen35moe";
    }
    throw std::invalid_argument("ggufArchitectureName: unknown family");
}

void setGgufModelKeys(GgufWriter &w, const ModelConfig &c, const std::string &name)
{
    const std::string a = ggufArchitectureName(c.family);
    w.set("general.architecture", a);
    w.set("general.name", name);
    w.set(a + ".vocab_size", u32(c.nVocab));
    w.set(a + ".block_count", u32(c.nLayer));
    w.set(a + ".context_length", u32(c.nCtxTrain));
    w.set(a + ".embedding_length", u32(c.nEmbd));
    w.set(a + ".feed_forward_length", u32(c.nFf));
    w.set(a + ".attention.head_count", u32(c.nHead));
    w.set(a + ".attention.layer_norm_rms_epsilon", c.normEps);
    w.set(a + ".rope.freq_base", float(c.rope.theta));
    if (c.moe.nExpert > 0)
        setMoeKeys(w, c, a);
    setYarnKeys(w, c.rope, a);
    if (c.isMla()) {
        setMlaKeys(w, c, a);
        return;
    }
    w.set(a + ".attention.head_count_kv", u32(c.nHeadKv));
    w.set(a + ".attention.key_length", u32(c.headDim));
    w.set(a + ".attention.value_length", u32(c.headDimV));
    w.set(a + ".rope.dimension_count", u32(c.rope.dims));
}

} // namespace enclave
