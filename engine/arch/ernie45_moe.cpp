// ERNIE 4.5 MoE (ernie4_5-moe): Llama-style blocks with RoPE on adjacent pairs, leading dense
// layers, softmax-scored experts selected with a per-expert bias and renormalised, and shared
// experts (merged into one FFN); the LM head is usually tied to the embeddings.
#include "engine/arch/architectures.h"

#include <stdexcept>
#include <string>

namespace enclave {

void configureErnie45Moe(const ConfigReader &r, ModelConfig &c)
{
    requireGguf(r, "ERNIE 4.5");
    c.rope.style = RopeStyle::Interleaved;
    c.moe.normTopK = true;
    readGgufExpertRouting(r, c);
    // Every layer after the leading dense ones is MoE; other interleavings are not read yet.
    if (const int64_t step = r.ggufInt("interleave_moe_layer_step").value_or(1); step != 1)
        throw std::runtime_error("ERNIE 4.5 with a MoE layer every " + std::to_string(step) +
                                 " layers is not supported yet");
}

} // namespace enclave
