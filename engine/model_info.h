// ModelInfo: the facts a person (or `enclave-cli info`) wants about a model file before
// running it: architecture, size, parameters in total and per token, experts, context,
// vocabulary and the quantization mix. Read from GGUF metadata or config.json + shapes.
#pragma once

#include "engine/model/model_files.h"

#include <cstdint>
#include <map>
#include <string>

namespace enclave {

struct ModelInfo {
    std::string path;
    std::string format;        // gguf | safetensors
    std::string architecture;  // GGUF general.architecture, or config.json model_type
    std::string family;        // the model family as people name it ("Mixtral", "Qwen3 MoE", "gpt-oss")
    std::string fileType;      // the quantization as its file calls it ("Q4_K_M", "IQ2_XXS"); "" unknown
    std::string name;          // general.name, or the folder/file name
    int64_t totalParams = 0;   // every weight element
    int64_t activeParams = 0;  // weights one token reads: experts scaled by used/total
    int64_t layers = 0;
    int64_t experts = 0;       // routed experts per MoE layer (0: dense)
    int64_t expertsUsed = 0;   // routed experts per token
    int64_t sharedExperts = 0; // always-on experts per MoE layer
    int64_t contextLength = 0;
    int64_t vocabSize = 0;
    int64_t embeddingLength = 0;
    std::map<std::string, int> tensorTypes; // quantization name -> tensor count
    uint64_t fileBytes = 0;
};

// Throws std::runtime_error when a required hyper-parameter is missing or inconsistent.
ModelInfo describeModel(const ModelFiles &files, const std::string &path);

// "Q4_K_M" for GGUF general.file_type 15 and so on; "" for an id without a name.
std::string ggufFileTypeName(int64_t fileType);

std::string modelInfoText(const ModelInfo &info);
std::string modelInfoJson(const ModelInfo &info);

} // namespace enclave
