// GgufModel: locating, opening and cross-checking the shards of a split GGUF model.
#include "engine/model/gguf_model.h"
#include "engine/model/printable.h"

#include <cstdio>
#include <filesystem>

namespace enclave {

namespace {

constexpr std::string_view kSplitNo = "split.no";
constexpr std::string_view kSplitCount = "split.count";
constexpr std::string_view kSplitTensorsCount = "split.tensors.count";
constexpr int kMaxShards = 99999;

// Parses exactly five decimal digits.
std::optional<int> fiveDigits(std::string_view s)
{
    if (s.size() != 5)
        return std::nullopt;
    int v = 0;
    for (char c : s) {
        if (c < '0' || c > '9')
            return std::nullopt;
        v = v * 10 + (c - '0');
    }
    return v;
}

} // namespace

std::optional<GgufSplitName> parseGgufSplitName(const std::string &path)
{
    // "<prefix>-NNNNN-of-MMMMM.gguf": 5 + 4 + 5 + 5 characters after the prefix, plus the dash.
    constexpr std::string_view kSuffix = ".gguf";
    constexpr size_t kTail = 1 + 5 + 4 + 5 + kSuffix.size();
    const std::string_view p(path);
    if (p.size() <= kTail || p.substr(p.size() - kSuffix.size()) != kSuffix)
        return std::nullopt;
    const std::string_view tail = p.substr(p.size() - kTail);
    if (tail[0] != '-' || tail.substr(6, 4) != "-of-")
        return std::nullopt;
    const std::optional<int> index = fiveDigits(tail.substr(1, 5));
    const std::optional<int> count = fiveDigits(tail.substr(10, 5));
    if (!index || !count || *index < 1 || *count < 1 || *index > *count)
        return std::nullopt;
    return GgufSplitName{std::string(p.substr(0, p.size() - kTail)), *index, *count};
}

std::string ggufSplitPath(const std::string &prefix, int index, int count)
{
    char tail[32];
    std::snprintf(tail, sizeof tail, "-%05d-of-%05d.gguf", index, count);
    return prefix + tail;
}

GgufModel::GgufModel(const std::string &path)
{
    const std::optional<GgufSplitName> split = parseGgufSplitName(path);
    if (split && split->count > 1) {
        openShards(*split);
    } else {
        m_shards.emplace_back(path);
        const int64_t count = m_shards.front().getInt(kSplitCount).value_or(1);
        if (count != 1) {
            const std::string expected = count >= 1 && count <= kMaxShards ? ggufSplitPath("<name>", 1, int(count))
                                                                           : std::string("<name>-00001-of-NNNNN.gguf");
            throw GgufError(path + ": key 'split.count' is " + std::to_string(count) + " but the file is not named " +
                            expected + ", so the other shards cannot be found");
        }
    }
    mergeTensors();
}

void GgufModel::openShards(const GgufSplitName &split)
{
    // Check that every shard exists before mapping any, so the error names the first missing one.
    for (int i = 1; i <= split.count; ++i) {
        const std::string shardPath = ggufSplitPath(split.prefix, i, split.count);
        std::error_code ec;
        if (!std::filesystem::is_regular_file(shardPath, ec))
            throw GgufError(shardPath + ": missing shard " + std::to_string(i) + " of " +
                            std::to_string(split.count) + " of the split model");
    }
    m_shards.reserve(static_cast<size_t>(split.count));
    for (int i = 1; i <= split.count; ++i) {
        m_shards.emplace_back(ggufSplitPath(split.prefix, i, split.count));
        checkShardKeys(m_shards.back(), i - 1, split.count);
    }
}

void GgufModel::checkShardKeys(const GgufFile &shard, int index, int count) const
{
    const std::optional<int64_t> no = shard.getInt(kSplitNo);
    const std::optional<int64_t> n = shard.getInt(kSplitCount);
    if (!n || *n != count)
        throw GgufError(shard.path() + ": key 'split.count' is " + (n ? std::to_string(*n) : "missing") +
                        ", expected " + std::to_string(count) + " (from the file name)");
    if (!no || *no != index)
        throw GgufError(shard.path() + ": key 'split.no' is " + (no ? std::to_string(*no) : "missing") +
                        ", expected " + std::to_string(index) + " (0-based, from the file name)");
}

void GgufModel::mergeTensors()
{
    size_t total = 0;
    for (const GgufFile &shard : m_shards)
        total += shard.tensors().size();
    const GgufFile &first = m_shards.front();
    if (const std::optional<int64_t> expected = first.getInt(kSplitTensorsCount);
        expected && (*expected < 0 || static_cast<uint64_t>(*expected) != total))
        throw GgufError(first.path() + ": key 'split.tensors.count' is " + std::to_string(*expected) +
                        " but the " + std::to_string(m_shards.size()) + " shard(s) hold " + std::to_string(total) +
                        " tensors");
    m_tensors.reserve(total);
    std::vector<size_t> shardOf;
    shardOf.reserve(total);
    for (size_t s = 0; s < m_shards.size(); ++s) {
        for (const TensorView &t : m_shards[s].tensors()) {
            auto [it, inserted] = m_tensorIndex.emplace(t.name, m_tensors.size());
            if (!inserted)
                throw GgufError(m_shards[s].path() + ": tensor " + quotedName(t.name) + " is also in shard " +
                                m_shards[shardOf[it->second]].path());
            m_tensors.push_back(t);
            shardOf.push_back(s);
        }
    }
}

uint64_t GgufModel::totalBytes() const
{
    uint64_t total = 0;
    for (const GgufFile &shard : m_shards)
        total += shard.fileSize();
    return total;
}

const TensorView *GgufModel::findTensor(std::string_view name) const
{
    auto it = m_tensorIndex.find(name);
    return it == m_tensorIndex.end() ? nullptr : &m_tensors[it->second];
}

} // namespace enclave
