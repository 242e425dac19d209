// GLM-4.5/4.6 (glm4moe): q/k/v biases, per-head q/k RMSNorm, NeoX RoPE on part of each head,
// leading dense layers, then sigmoid-scored experts selected with a per-expert bias, the selected
// scores normalised and scaled, plus a shared expert. The multi-token-prediction block the real
// files carry is not part of the main forward pass.
#include "engine/arch/architectures.h"

namespace enclave {

void configureGlm4Moe(const ConfigReader &r, ModelConfig &c)
{
    requireGguf(r, "GLM-4.5");
    c.rope.style = RopeStyle::HalfSplit;
    c.attnBias = true;
    c.qkNorm = true;
    readGgufExpertRouting(r, c);
}

} // namespace enclave
