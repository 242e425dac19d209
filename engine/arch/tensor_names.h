// Tensor names: the one table that maps each canonical weight role to its name in GGUF
// files and in Hugging Face checkpoints. {L} is the layer, {E} the expert.
#pragma once

#include "engine/arch/model_config.h"

#include <string>

namespace enclave {

enum class WeightRole {
    TokenEmbd, OutputNorm, Output,
    AttnNorm, Wq, Wk, Wv, Wo, Bq, Bk, Bv, Bo, AttnSinks, QNorm, KNorm,
    WqA, QANorm, WqB, WkvA, KvANorm, WkvB, WkB, WvB,
    Wqkv, Wz, SsmConv, SsmDtBias, SsmA, SsmBeta, SsmAlpha, SsmNorm, SsmOut,
    FfnNorm, PostAttnNorm, FfnGate, FfnUp, FfnDown,
    Router, RouterBias, RouterLogitBias, ExpGateBias, ExpUpBias, ExpDownBias, ExpGate, ExpUp, ExpDown, ExpGateStacked, ExpUpStacked, ExpDownStacked,
    SharedGate, SharedUp, SharedDown, SharedGateInp,
};

// The name of a role in a GGUF file ("blk.3.attn_q.weight") or a HF checkpoint
// ("model.layers.3.self_attn.q_proj.weight"); "" when the format has no such tensor.
std::string ggufTensorName(WeightRole role, int64_t layer = 0);
std::string hfTensorName(ArchFamily family, WeightRole role, int64_t layer = 0, int64_t expert = 0);

} // namespace enclave
