// SafetensorsModel: a Hugging Face checkpoint as one tensor table: a folder with config.json and
// model.safetensors, or with model.safetensors.index.json ("weight_map": tensor -> shard file), or a
// single .safetensors file (config.json beside it is read when present).
#pragma once

#include "engine/model/safetensors.h"

#include <nlohmann/json.hpp>

#include <map>
#include <string>
#include <vector>

namespace enclave {

inline constexpr const char *kSafetensorsSingleName = "model.safetensors";
inline constexpr const char *kSafetensorsIndexName = "model.safetensors.index.json";
inline constexpr const char *kHfConfigName = "config.json";

// Not copyable; movable. Reading is thread-safe.
class SafetensorsModel {
public:
    // `path` is a folder or a .safetensors file; a shard "model-00001-of-00003.safetensors" next to
    // an index opens the whole folder. Throws SafetensorsError naming the file and the problem
    // (a missing shard or a tensor missing from its shard names both).
    explicit SafetensorsModel(const std::string &path);

    // The folder holding the files.
    const std::string &directory() const { return m_directory; }
    // config.json, or an empty object for a lone .safetensors file without one.
    const nlohmann::json &config() const { return m_config; }
    // config.json "architectures"[0] ("Qwen3MoeForCausalLM"), else "model_type", else "".
    std::string architecture() const;
    uint64_t totalBytes() const;

    const std::vector<SafetensorsFile> &shards() const { return m_shards; }
    // Tensors of supported dtypes of all shards, shard by shard in data order.
    const std::vector<TensorView> &tensors() const { return m_tensors; }
    // nullptr when absent; throws SafetensorsError when the tensor exists with an unsupported dtype.
    const TensorView *findTensor(std::string_view name) const;
    bool contains(std::string_view name) const;

private:
    void openFolder(const std::string &folder);
    void openIndexed(const std::string &indexPath);
    void readConfig(const std::string &configPath, bool required);
    void mergeTensors();

    std::string m_directory;
    nlohmann::json m_config = nlohmann::json::object();
    std::vector<SafetensorsFile> m_shards;
    std::vector<TensorView> m_tensors;
    std::map<std::string, size_t, std::less<>> m_index;      // into m_tensors
    std::map<std::string, size_t, std::less<>> m_shardOf;    // every tensor name -> shard
};

// Reads a whole (small) JSON file; throws SafetensorsError naming the file when it is missing or invalid.
nlohmann::json readJsonFile(const std::string &path);

} // namespace enclave
