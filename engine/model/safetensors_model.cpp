// SafetensorsModel: locating config.json, the index and the shards of a Hugging Face checkpoint,
// and checking that the index and the shards agree.
#include "engine/model/safetensors_model.h"
#include "engine/model/json_limits.h"
#include "engine/model/printable.h"

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

namespace enclave {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

constexpr uintmax_t kMaxJsonFileBytes = uintmax_t(64) << 20;

std::string joinPath(const std::string &dir, const std::string &name) { return (fs::path(dir) / name).string(); }

bool isFile(const std::string &path)
{
    std::error_code ec;
    return fs::is_regular_file(path, ec);
}

// A shard name from the index must be a plain file name inside the folder.
bool isPlainFileName(const std::string &name)
{
    return !name.empty() && name != "." && name != ".." && name.find('/') == std::string::npos &&
           name.find('\\') == std::string::npos;
}

// "model-00001-of-00003.safetensors" and the like.
bool looksLikeShardName(const std::string &fileName)
{
    const size_t of = fileName.rfind("-of-");
    return of != std::string::npos && fileName.ends_with(".safetensors");
}

} // namespace

json readJsonFile(const std::string &path)
{
    std::error_code ec;
    const uintmax_t size = fs::file_size(path, ec);
    if (ec)
        throw SafetensorsError(path + ": cannot read: " + ec.message());
    if (size > kMaxJsonFileBytes)
        throw SafetensorsError(path + ": file is " + std::to_string(size) + " bytes, more than the " +
                               std::to_string(kMaxJsonFileBytes) + " a JSON file of a checkpoint may have");
    std::ifstream in(path, std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    if (!in)
        throw SafetensorsError(path + ": cannot read");
    try {
        return parseBoundedJson(text.str());
    } catch (const std::runtime_error &e) {
        throw SafetensorsError(path + ": " + e.what());
    }
}

SafetensorsModel::SafetensorsModel(const std::string &path)
{
    std::error_code ec;
    if (fs::is_directory(path, ec)) {
        openFolder(path);
    } else {
        const fs::path p(path);
        m_directory = p.has_parent_path() ? p.parent_path().string() : std::string(".");
        const std::string index = joinPath(m_directory, kSafetensorsIndexName);
        if (looksLikeShardName(p.filename().string()) && isFile(index)) {
            readConfig(joinPath(m_directory, kHfConfigName), false);
            openIndexed(index);
        } else {
            readConfig(joinPath(m_directory, kHfConfigName), false);
            m_shards.emplace_back(path);
        }
    }
    mergeTensors();
}

void SafetensorsModel::openFolder(const std::string &folder)
{
    m_directory = folder;
    readConfig(joinPath(folder, kHfConfigName), true);
    const std::string index = joinPath(folder, kSafetensorsIndexName);
    const std::string single = joinPath(folder, kSafetensorsSingleName);
    if (isFile(index))
        openIndexed(index);
    else if (isFile(single))
        m_shards.emplace_back(single);
    else
        throw SafetensorsError(folder + ": no " + kSafetensorsSingleName + " or " + kSafetensorsIndexName +
                               " in this folder");
}

void SafetensorsModel::readConfig(const std::string &configPath, bool required)
{
    if (!isFile(configPath)) {
        if (required)
            throw SafetensorsError(configPath + ": missing (a Hugging Face model folder needs its config.json)");
        return;
    }
    m_config = readJsonFile(configPath);
    if (!m_config.is_object())
        throw SafetensorsError(configPath + ": is a JSON " + std::string(m_config.type_name()) +
                               ", expected an object");
}

void SafetensorsModel::openIndexed(const std::string &indexPath)
{
    const json index = readJsonFile(indexPath);
    const auto map = index.is_object() ? index.find("weight_map") : index.end();
    if (!index.is_object() || map == index.end() || !map->is_object())
        throw SafetensorsError(indexPath + ": expected a JSON object with a \"weight_map\" object");
    std::set<std::string> shardNames;
    for (const auto &[tensor, shard] : map->items()) {
        if (!shard.is_string() || !isPlainFileName(shard.get<std::string>()))
            throw SafetensorsError(indexPath + ": weight_map entry " + quotedName(tensor) + " is " + printable(shard.dump()) +
                                   ", expected the file name of a shard in the same folder");
        shardNames.insert(shard.get<std::string>());
    }
    for (const std::string &name : shardNames)
        if (!isFile(joinPath(m_directory, name)))
            throw SafetensorsError(joinPath(m_directory, name) + ": missing shard (named in " + kSafetensorsIndexName +
                                   ")");
    std::map<std::string, size_t> shardIndex;
    for (const std::string &name : shardNames) {
        shardIndex.emplace(name, m_shards.size());
        m_shards.emplace_back(joinPath(m_directory, name));
    }
    for (const auto &[tensor, shard] : map->items()) {
        const SafetensorsFile &file = m_shards[shardIndex.at(shard.get<std::string>())];
        if (!file.contains(tensor))
            throw SafetensorsError(file.path() + ": tensor " + quotedName(tensor) + " is missing (" + kSafetensorsIndexName +
                                   " places it in this shard)");
    }
}

void SafetensorsModel::mergeTensors()
{
    for (size_t s = 0; s < m_shards.size(); ++s) {
        const SafetensorsFile &shard = m_shards[s];
        const auto claim = [&](const std::string &name) {
            auto [it, inserted] = m_shardOf.emplace(name, s);
            if (!inserted)
                throw SafetensorsError(shard.path() + ": tensor " + quotedName(name) + " is also in " +
                                       m_shards[it->second].path());
        };
        for (const TensorView &t : shard.tensors()) {
            claim(t.name);
            m_index.emplace(t.name, m_tensors.size());
            m_tensors.push_back(t);
        }
        for (const SafetensorsFile::UnsupportedTensor &t : shard.unsupportedTensors())
            claim(t.name);
    }
}

std::string SafetensorsModel::architecture() const
{
    const auto archs = m_config.find("architectures");
    if (archs != m_config.end() && archs->is_array() && !archs->empty() && archs->front().is_string())
        return archs->front().get<std::string>();
    const auto type = m_config.find("model_type");
    if (type != m_config.end() && type->is_string())
        return type->get<std::string>();
    return "";
}

uint64_t SafetensorsModel::totalBytes() const
{
    uint64_t total = 0;
    for (const SafetensorsFile &shard : m_shards)
        total += shard.fileSize();
    return total;
}

const TensorView *SafetensorsModel::findTensor(std::string_view name) const
{
    if (auto it = m_index.find(name); it != m_index.end())
        return &m_tensors[it->second];
    if (auto it = m_shardOf.find(name); it != m_shardOf.end())
        return m_shards[it->second].findTensor(name); // throws: unsupported dtype
    return nullptr;
}

bool SafetensorsModel::contains(std::string_view name) const { return m_shardOf.find(name) != m_shardOf.end(); }

} // namespace enclave
