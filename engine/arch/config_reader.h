// ConfigReader: hyper-parameters from either GGUF keys ("<arch>.block_count") or
// config.json (old and new transformers key names: rope_theta/rope_scaling and
// rope_parameters, num_experts and num_local_experts, torch_dtype and dtype).
#pragma once

#include "engine/arch/model_config.h"
#include "engine/model/model_files.h"

#include <initializer_list>
#include <nlohmann/json.hpp>
#include <optional>

namespace enclave {

class ConfigReader {
public:
    explicit ConfigReader(const ModelFiles &files);

    bool isGguf() const { return m_gguf != nullptr; }
    const ModelFiles &files() const { return m_files; }
    std::string architecture() const; // GGUF general.architecture or config.json model_type

    // GGUF: "<arch>.<suffix>"; a missing required key throws naming it.
    std::optional<int64_t> ggufInt(const std::string &suffix) const;
    std::optional<double> ggufFloat(const std::string &suffix) const;
    std::optional<bool> ggufBool(const std::string &suffix) const;
    int64_t requireGgufInt(const std::string &suffix) const;
    // config.json: the first key present (null counts as absent).
    std::optional<int64_t> hfInt(std::initializer_list<const char *> keys) const;
    std::optional<double> hfFloat(std::initializer_list<const char *> keys) const;
    std::optional<bool> hfBool(std::initializer_list<const char *> keys) const;
    std::optional<std::string> hfString(std::initializer_list<const char *> keys) const;
    int64_t requireHfInt(std::initializer_list<const char *> keys) const;
    const nlohmann::json &hfConfig() const { return *m_json; }
    // rope_parameters (new) or rope_scaling (old), or null.
    const nlohmann::json *hfRopeParameters() const;

private:
    const ModelFiles &m_files;
    const GgufModel *m_gguf = nullptr;
    const nlohmann::json *m_json = nullptr;
    std::string m_arch;
};

// The fields every family shares: sizes, heads, context, norm epsilon, RoPE (incl. llama3
// frequency factors and YaRN), tied embeddings, and the basic MoE counts.
void readCommonConfig(const ConfigReader &r, ModelConfig &c);

} // namespace enclave
