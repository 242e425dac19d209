// MiniMax-M2: RMSNorm over the whole q and k projections (not per head), NeoX RoPE on part of
// each head, and sigmoid-scored experts selected with a per-expert bias, the selected scores
// normalised to sum 1.
#include "engine/arch/architectures.h"

namespace enclave {

void configureMinimaxM2(const ConfigReader &r, ModelConfig &c)
{
    requireGguf(r, "MiniMax-M2");
    c.rope.style = RopeStyle::HalfSplit;
    c.qkNormFull = true;
    c.moe.normTopK = true;
    readGgufExpertRouting(r, c);
}

} // namespace enclave
