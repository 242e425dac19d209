// QuantMix: the storage type of every tensor when a model is quantized on import. The mixes follow
// the well-known K-quant recipes: most matrices in the main type, the output and (for *_M) the
// attn_v / ffn_down of about a third of the layers one step up, norms and routers in F32.
#pragma once

#include "engine/quant/quant_type.h"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace enclave {

enum class QuantMix { Q8_0, Q6_K, Q5_K_M, Q4_K_M };

// "q8_0", "q6_k", "q5_k_m", "q4_k_m" (case-insensitive) → mix; nothing for another name.
std::optional<QuantMix> quantMixFromName(std::string_view name);
// Lowercase name as the CLI and file names use it ("q4_k_m").
std::string_view quantMixName(QuantMix mix);
std::vector<QuantMix> allQuantMixes();
// llama_ftype of the mix (general.file_type).
uint32_t quantMixFileType(QuantMix mix);

// What a tensor is, as far as the mix cares.
enum class TensorRole {
    Vector,     // norms, biases, router bias, rope factors: always F32
    Router,     // ffn_gate_inp (routing must stay decisive): F32
    Embedding,  // token_embd
    Output,     // output (lm head)
    AttnK,
    AttnV,      // attn_v (MLA's attn_v_b is a plain Matrix, as in llama.cpp)
    AttnOutput,
    FfnDown,    // ffn_down, ffn_down_exps, ffn_down_shexp
    Matrix,     // every other matrix
};

struct MixContext {
    int64_t layer = -1;  // -1 outside the blocks
    int64_t nLayer = 1;
    int64_t nExpert = 0; // routed experts per MoE layer (0: dense)
};

// The storage type of one tensor with rows of `rowLength` elements. A type whose blocks do not tile
// the row falls back as llama.cpp does (Q4_K → Q5_0, Q5_K → Q5_1, Q6_K → Q8_0), then to F16.
QuantType quantMixType(QuantMix mix, TensorRole role, const MixContext &ctx, int64_t rowLength);

} // namespace enclave
