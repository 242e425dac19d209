// The architecture registry: which family a file is (by GGUF general.architecture or
// config.json model_type), its hyper-parameters and its canonical weights.
#pragma once

#include "engine/arch/config_reader.h"
#include "engine/arch/weight_loader.h"

namespace enclave {

// The family as people name it ("Mixtral" for a llama with experts, "Qwen3 MoE"); an architecture
// no family knows is returned as it is.
std::string familyDisplayName(const std::string &architecture, int64_t experts);
// Throws naming the architecture when no family knows it.
ModelConfig readModelConfig(const ModelFiles &files);
// Every weight of the model, shape-checked; owned receives converted buffers.
ModelWeights loadModelWeights(const ModelFiles &files, const ModelConfig &config,
                              std::deque<std::vector<float>> &owned);

// Per-family hooks, one file each (llama, qwen, olmoe, deepseek2, gpt_oss, glm4_moe,
// minimax_m2, ernie45_moe, llama4, qwen35_moe).
void configureLlama(const ConfigReader &r, ModelConfig &c);
void configureQwen(const ConfigReader &r, ModelConfig &c);
void configureOlmoe(const ConfigReader &r, ModelConfig &c);
void configureDeepseek2(const ConfigReader &r, ModelConfig &c);
void configureGptOss(const ConfigReader &r, ModelConfig &c);
void configureGlm4Moe(const ConfigReader &r, ModelConfig &c);
void configureMinimaxM2(const ConfigReader &r, ModelConfig &c);
void configureErnie45Moe(const ConfigReader &r, ModelConfig &c);
void configureLlama4(const ConfigReader &r, ModelConfig &c);
void configureQwen35Moe(const ConfigReader &r, ModelConfig &c);
void loadGatedDeltaNet(const WeightLoader &w, const ModelConfig &c, int64_t layer, LayerWeights &l);
void loadMlaAttention(const WeightLoader &w, const ModelConfig &c, int64_t layer, LayerWeights &l);

// Shared building blocks.
// Families read from GGUF only: throws a clear error naming the family for a Hugging Face folder.
void requireGguf(const ConfigReader &r, const char *familyName);
// The GGUF keys of expert routing most MoE families share: leading dense layers, shared experts
// and their width, gating function, top-k normalisation and routed scaling.
void readGgufExpertRouting(const ConfigReader &r, ModelConfig &c);
void loadStandardAttention(const WeightLoader &w, const ModelConfig &c, int64_t layer, LayerWeights &l);
void loadFeedForward(const WeightLoader &w, const ModelConfig &c, int64_t layer, LayerWeights &l);

} // namespace enclave
