// GgufModel: a GGUF model as one table of tensors, whether it is one file or split into shards
// named <prefix>-00001-of-00003.gguf ... (split.no / split.count / split.tensors.count keys).
// Metadata comes from the first shard, as the splitting tool writes it there only.
#pragma once

#include "engine/model/gguf.h"

#include <optional>
#include <string>
#include <vector>

namespace enclave {

// A parsed shard name: "dir/model-00002-of-00003.gguf" -> {"dir/model", 2, 3}.
struct GgufSplitName {
    std::string prefix;
    int index = 0; // 1-based, as in the file name
    int count = 0;
};
std::optional<GgufSplitName> parseGgufSplitName(const std::string &path);
// The path of shard `index` (1-based) of a split model: "<prefix>-%05d-of-%05d.gguf".
std::string ggufSplitPath(const std::string &prefix, int index, int count);

// Not copyable; movable. Reading is thread-safe.
class GgufModel {
public:
    // Opens `path`; when it is any shard of a split model, opens every shard (from the first).
    // Throws GgufError naming the file and the problem (a missing shard names the missing path).
    explicit GgufModel(const std::string &path);

    const std::vector<GgufFile> &shards() const { return m_shards; }
    // The metadata of the first shard.
    const GgufMetadata &metadata() const { return m_shards.front().metadata(); }
    std::string architecture() const { return m_shards.front().architecture(); }
    uint64_t totalBytes() const;

    // All tensors of all shards, shard by shard in file order. Data pointers stay valid while this lives.
    const std::vector<TensorView> &tensors() const { return m_tensors; }
    const TensorView *findTensor(std::string_view name) const;

    // Metadata getters of the first shard (see GgufMetadata).
    const GgufValue *find(std::string_view key) const { return metadata().find(key); }
    std::optional<std::string> getString(std::string_view key) const { return metadata().getString(key); }
    std::optional<int64_t> getInt(std::string_view key) const { return metadata().getInt(key); }
    std::optional<double> getFloat(std::string_view key) const { return metadata().getFloat(key); }
    std::optional<bool> getBool(std::string_view key) const { return metadata().getBool(key); }
    const GgufArray *getArray(std::string_view key) const { return metadata().getArray(key); }
    std::optional<std::vector<std::string_view>> getStringArray(std::string_view key) const
    {
        return metadata().getStringArray(key);
    }
    std::optional<std::vector<int64_t>> getIntArray(std::string_view key) const { return metadata().getIntArray(key); }
    std::optional<std::vector<double>> getFloatArray(std::string_view key) const
    {
        return metadata().getFloatArray(key);
    }

private:
    void openShards(const GgufSplitName &split);
    void checkShardKeys(const GgufFile &shard, int index, int count) const;
    void mergeTensors();

    std::vector<GgufFile> m_shards;
    std::vector<TensorView> m_tensors;
    std::map<std::string, size_t, std::less<>> m_tensorIndex;
};

} // namespace enclave
