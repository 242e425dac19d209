// Llama family: Llama 2/3, Mistral, and Mixtral (Llama with routed experts).
// GGUF llama files carry q/k rows permuted for interleaved RoPE; HF ones rotate halves.
#include "engine/arch/architectures.h"

namespace enclave {

void configureLlama(const ConfigReader &r, ModelConfig &c)
{
    c.rope.style = r.isGguf() ? RopeStyle::Interleaved : RopeStyle::HalfSplit;
    if (c.moe.nExpert > 0) {
        // Mixtral: softmax over the top-k router logits == softmax, top-k, renormalise.
        c.moe.gating = ExpertGating::Softmax;
        c.moe.normTopK = true;
    }
    if (r.isGguf())
        c.headDimV = r.ggufInt("attention.value_length").value_or(c.headDim);
}

} // namespace enclave
