// Tensor names of every family in GGUF and Hugging Face form. Families share the common
// Llama-style names; the rows of kOverrides hold where a family differs.
#include "engine/arch/tensor_names.h"

namespace enclave {
namespace {

struct RoleNames {
    WeightRole role;
    const char *gguf;
    const char *hf;
};

constexpr RoleNames kNames[] = {
    {WeightRole::TokenEmbd, "token_embd.weight", "model.embed_tokens.weight"},
    {WeightRole::OutputNorm, "output_norm.weight", "model.norm.weight"},
    {WeightRole::Output, "output.weight", "lm_head.weight"},
    {WeightRole::AttnNorm, "blk.{L}.attn_norm.weight", "model.layers.{L}.input_layernorm.weight"},
    {WeightRole::Wq, "blk.{L}.attn_q.weight", "model.layers.{L}.self_attn.q_proj.weight"},
    {WeightRole::Wk, "blk.{L}.attn_k.weight", "model.layers.{L}.self_attn.k_proj.weight"},
    {WeightRole::Wv, "blk.{L}.attn_v.weight", "model.layers.{L}.self_attn.v_proj.weight"},
    {WeightRole::Wo, "blk.{L}.attn_output.weight", "model.layers.{L}.self_attn.o_proj.weight"},
    {WeightRole::Bq, "blk.{L}.attn_q.bias", "model.layers.{L}.self_attn.q_proj.bias"},
    {WeightRole::Bk, "blk.{L}.attn_k.bias", "model.layers.{L}.self_attn.k_proj.bias"},
    {WeightRole::Bv, "blk.{L}.attn_v.bias", "model.layers.{L}.self_attn.v_proj.bias"},
    {WeightRole::Bo, "blk.{L}.attn_output.bias", "model.layers.{L}.self_attn.o_proj.bias"},
    {WeightRole::AttnSinks, "blk.{L}.attn_sinks.weight", "model.layers.{L}.self_attn.sinks"},
    {WeightRole::QNorm, "blk.{L}.attn_q_norm.weight", "model.layers.{L}.self_attn.q_norm.weight"},
    {WeightRole::KNorm, "blk.{L}.attn_k_norm.weight", "model.layers.{L}.self_attn.k_norm.weight"},
    {WeightRole::WqA, "blk.{L}.attn_q_a.weight", "model.layers.{L}.self_attn.q_a_proj.weight"},
    {WeightRole::QANorm, "blk.{L}.attn_q_a_norm.weight", "model.layers.{L}.self_attn.q_a_layernorm.weight"},
    {WeightRole::WqB, "blk.{L}.attn_q_b.weight", "model.layers.{L}.self_attn.q_b_proj.weight"},
    {WeightRole::WkvA, "blk.{L}.attn_kv_a_mqa.weight", "model.layers.{L}.self_attn.kv_a_proj_with_mqa.weight"},
    {WeightRole::KvANorm, "blk.{L}.attn_kv_a_norm.weight", "model.layers.{L}.self_attn.kv_a_layernorm.weight"},
    {WeightRole::WkvB, "blk.{L}.attn_kv_b.weight", "model.layers.{L}.self_attn.kv_b_proj.weight"},
    {WeightRole::WkB, "blk.{L}.attn_k_b.weight", ""},
    {WeightRole::WvB, "blk.{L}.attn_v_b.weight", ""},
    {WeightRole::Wqkv, "blk.{L}.attn_qkv.weight", ""},
    {WeightRole::Wz, "blk.{L}.attn_gate.weight", ""},
    {WeightRole::SsmConv, "blk.{L}.ssm_conv1d.weight", ""},
    {WeightRole::SsmDtBias, "blk.{L}.ssm_dt.bias", ""},
    {WeightRole::SsmA, "blk.{L}.ssm_a", ""},
    {WeightRole::SsmBeta, "blk.{L}.ssm_beta.weight", ""},
    {WeightRole::SsmAlpha, "blk.{L}.ssm_alpha.weight", ""},
    {WeightRole::SsmNorm, "blk.{L}.ssm_norm.weight", ""},
    {WeightRole::SsmOut, "blk.{L}.ssm_out.weight", ""},
    {WeightRole::FfnNorm, "blk.{L}.ffn_norm.weight", "model.layers.{L}.post_attention_layernorm.weight"},
    {WeightRole::PostAttnNorm, "blk.{L}.post_attention_norm.weight", ""},
    {WeightRole::FfnGate, "blk.{L}.ffn_gate.weight", "model.layers.{L}.mlp.gate_proj.weight"},
    {WeightRole::FfnUp, "blk.{L}.ffn_up.weight", "model.layers.{L}.mlp.up_proj.weight"},
    {WeightRole::FfnDown, "blk.{L}.ffn_down.weight", "model.layers.{L}.mlp.down_proj.weight"},
    {WeightRole::Router, "blk.{L}.ffn_gate_inp.weight", "model.layers.{L}.mlp.gate.weight"},
    {WeightRole::RouterBias, "blk.{L}.exp_probs_b.bias", "model.layers.{L}.mlp.gate.e_score_correction_bias"},
    {WeightRole::RouterLogitBias, "blk.{L}.ffn_gate_inp.bias", "model.layers.{L}.mlp.router.bias"},
    {WeightRole::ExpGateBias, "blk.{L}.ffn_gate_exps.bias", ""},
    {WeightRole::ExpUpBias, "blk.{L}.ffn_up_exps.bias", ""},
    {WeightRole::ExpDownBias, "blk.{L}.ffn_down_exps.bias", ""},
    {WeightRole::ExpGate, "", "model.layers.{L}.mlp.experts.{E}.gate_proj.weight"},
    {WeightRole::ExpUp, "", "model.layers.{L}.mlp.experts.{E}.up_proj.weight"},
    {WeightRole::ExpDown, "", "model.layers.{L}.mlp.experts.{E}.down_proj.weight"},
    {WeightRole::ExpGateStacked, "blk.{L}.ffn_gate_exps.weight", ""},
    {WeightRole::ExpUpStacked, "blk.{L}.ffn_up_exps.weight", ""},
    {WeightRole::ExpDownStacked, "blk.{L}.ffn_down_exps.weight", ""},
    {WeightRole::SharedGate, "blk.{L}.ffn_gate_shexp.weight", "model.layers.{L}.mlp.shared_experts.gate_proj.weight"},
    {WeightRole::SharedUp, "blk.{L}.ffn_up_shexp.weight", "model.layers.{L}.mlp.shared_experts.up_proj.weight"},
    {WeightRole::SharedDown, "blk.{L}.ffn_down_shexp.weight", "model.layers.{L}.mlp.shared_experts.down_proj.weight"},
    {WeightRole::SharedGateInp, "blk.{L}.ffn_gate_inp_shexp.weight", "model.layers.{L}.mlp.shared_expert_gate.weight"},
};

struct FamilyOverride {
    ArchFamily family;
    WeightRole role;
    const char *hf;
};

// Where a family's Hugging Face names differ from the common ones.
constexpr FamilyOverride kOverrides[] = {
    // Mixtral keeps the original block_sparse_moe naming (w1 = gate, w3 = up, w2 = down).
    {ArchFamily::Llama, WeightRole::Router, "model.layers.{L}.block_sparse_moe.gate.weight"},
    {ArchFamily::Llama, WeightRole::ExpGate, "model.layers.{L}.block_sparse_moe.experts.{E}.w1.weight"},
    {ArchFamily::Llama, WeightRole::ExpUp, "model.layers.{L}.block_sparse_moe.experts.{E}.w3.weight"},
    {ArchFamily::Llama, WeightRole::ExpDown, "model.layers.{L}.block_sparse_moe.experts.{E}.w2.weight"},
    // Qwen2-MoE has one shared expert, singular.
    {ArchFamily::Qwen2Moe, WeightRole::SharedGate, "model.layers.{L}.mlp.shared_expert.gate_proj.weight"},
    {ArchFamily::Qwen2Moe, WeightRole::SharedUp, "model.layers.{L}.mlp.shared_expert.up_proj.weight"},
    {ArchFamily::Qwen2Moe, WeightRole::SharedDown, "model.layers.{L}.mlp.shared_expert.down_proj.weight"},
};

std::string substitute(const char *pattern, int64_t layer, int64_t expert)
{
    std::string s = pattern;
    for (const auto &[key, value] : {std::pair{"{L}", layer}, std::pair{"{E}", expert}}) {
        const size_t at = s.find(key);
        if (at != std::string::npos)
            s.replace(at, 3, std::to_string(value));
    }
    return s;
}

const RoleNames &namesOf(WeightRole role)
{
    for (const RoleNames &n : kNames) {
        if (n.role == role)
            return n;
    }
    return kNames[0]; // unreachable: every role has a row
}

} // namespace

std::string ggufTensorName(WeightRole role, int64_t layer) { return substitute(namesOf(role).gguf, layer, 0); }

std::string hfTensorName(ArchFamily family, WeightRole role, int64_t layer, int64_t expert)
{
    for (const FamilyOverride &o : kOverrides) {
        if (o.family == family && o.role == role)
            return substitute(o.hf, layer, expert);
    }
    return substitute(namesOf(role).hf, layer, expert);
}

} // namespace enclave
