// OLMoE: Llama-style blocks with routed experts (no renormalisation of the top-k weights)
// and RMSNorm over the whole q and k projections (not per head).
#include "engine/arch/architectures.h"

namespace enclave {

void configureOlmoe(const ConfigReader &r, ModelConfig &c)
{
    c.rope.style = RopeStyle::HalfSplit;
    c.qkNormFull = true;
    c.moe.gating = ExpertGating::Softmax;
    c.moe.normTopK = r.isGguf() ? r.ggufBool("expert_weights_norm").value_or(false)
                                : r.hfBool({"norm_topk_prob"}).value_or(false);
}

} // namespace enclave
