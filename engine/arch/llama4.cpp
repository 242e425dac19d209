// Llama 4 (text): dense and MoE layers interleaved, RoPE on adjacent pairs with llama3 frequency
// factors, a weightless RMS norm of q and k after RoPE, and every fourth layer without RoPE (NoPE,
// with a temperature on q at long positions). RoPE layers attend within chunks of 8192 positions.
// The MoE picks the top-k experts by router logit, weighs each with the sigmoid of its logit
// (no renormalisation) applied to the expert's input, and adds a shared expert. The NoPE period,
// chunk and temperature are fixed by the architecture (the GGUF does not carry them).
#include "engine/arch/architectures.h"

namespace enclave {

namespace {
constexpr int64_t kNopeInterval = 4;
constexpr int64_t kAttentionChunk = 8192;
constexpr double kNopeTempScale = 0.1;
constexpr int64_t kNopeTempFloor = 8192;
} // namespace

void configureLlama4(const ConfigReader &r, ModelConfig &c)
{
    requireGguf(r, "Llama 4");
    c.rope.style = RopeStyle::Interleaved;
    c.nopeInterval = kNopeInterval;
    c.qkL2Norm = true;
    c.nopeTempScale = kNopeTempScale;
    c.nopeTempFloor = kNopeTempFloor;
    c.attentionChunk = kAttentionChunk;
    c.chunkedLayers.resize(size_t(c.nLayer));
    for (int64_t i = 0; i < c.nLayer; ++i)
        c.chunkedLayers[size_t(i)] = c.usesRope(i);
    c.moe.interleaveStep = r.ggufInt("interleave_moe_layer_step").value_or(1);
    c.moe.gating = ExpertGating::Sigmoid;
    c.moe.normTopK = false;
    c.moe.weightBeforeExpert = true;
    c.moe.nExpertShared = 1;
    c.moe.nFfShared = c.moe.nFfExpert;
}

} // namespace enclave
