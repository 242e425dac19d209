// Qwen family: Qwen2 (q/k/v biases), Qwen3 (per-head q/k RMSNorm), Qwen2-MoE (shared expert
// behind a sigmoid gate) and Qwen3-MoE. RoPE rotates halves in both GGUF and HF files.
#include "engine/arch/architectures.h"

namespace enclave {

void configureQwen(const ConfigReader &r, ModelConfig &c)
{
    c.rope.style = RopeStyle::HalfSplit;
    c.attnBias = c.family == ArchFamily::Qwen2 || c.family == ArchFamily::Qwen2Moe;
    c.qkNorm = c.family == ArchFamily::Qwen3 || c.family == ArchFamily::Qwen3Moe;
    if (c.family == ArchFamily::Qwen2Moe) {
        c.moe.nFfShared = r.isGguf() ? r.ggufInt("expert_shared_feed_forward_length").value_or(0)
                                     : r.hfInt({"shared_expert_intermediate_size"}).value_or(0);
        c.moe.nExpertShared = c.moe.nFfShared > 0 ? 1 : 0;
        c.moe.sharedExpertGate = c.moe.nFfShared > 0;
        c.moe.normTopK = r.isGguf() ? false : r.hfBool({"norm_topk_prob"}).value_or(false);
    }
    if (c.family == ArchFamily::Qwen3Moe)
        c.moe.normTopK = r.isGguf() ? r.ggufBool("expert_weights_norm").value_or(true)
                                    : r.hfBool({"norm_topk_prob"}).value_or(true);
}

} // namespace enclave
