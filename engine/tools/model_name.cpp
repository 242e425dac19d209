// Naming a checkpoint: config.json's _name_or_path, then the path's components from the last one up.
#include "engine/tools/model_name.h"
#include "engine/model/json_limits.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <array>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string_view>

namespace enclave {
namespace fs = std::filesystem;
namespace {

constexpr int kMaxFoldersUp = 2; // "<hash>" -> "snapshots" -> "models--Org--Name"

std::string lower(std::string_view s)
{
    std::string out(s);
    std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return char(std::tolower(c)); });
    return out;
}

bool isCommitHash(std::string_view s)
{
    return s.size() >= 7 && std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isxdigit(c); });
}

// Names that say where weights are kept, not which model they are.
bool isGeneric(std::string_view name)
{
    static constexpr std::array<std::string_view, 16> kGeneric = {
        "", ".", "..", "hf", "huggingface", "hub", "model", "models", "checkpoint", "checkpoints",
        "weights", "safetensors", "snapshots", "main", "original", "config"};
    const std::string l = lower(name);
    if (std::find(kGeneric.begin(), kGeneric.end(), l) != kGeneric.end())
        return true;
    // Shards ("model-00001-of-00002"), the index ("model.safetensors.index"), trainer steps.
    return l.starts_with("model-") || l.starts_with("model.") || l.starts_with("pytorch_model") ||
           l.starts_with("checkpoint-") || isCommitHash(l);
}

// "models--Qwen--Qwen3-8B" (the hub cache's folder) -> "Qwen3-8B"; anything else unchanged.
std::string hubCacheName(const std::string &name)
{
    if (!name.starts_with("models--"))
        return name;
    return name.substr(name.rfind("--") + 2);
}

// The last non-generic component of `p` within kMaxFoldersUp folders above it; "" when none is.
std::string lastMeaningful(fs::path p)
{
    for (int up = 0; up <= kMaxFoldersUp && !p.empty(); ++up, p = p.parent_path()) {
        const std::string name = hubCacheName(p.filename().string());
        if (!isGeneric(name))
            return name;
        if (p == p.parent_path())
            break;
    }
    return {};
}

std::string fileSafe(std::string name)
{
    for (char &c : name)
        if (std::string_view("/\\:*?\"<>|").find(c) != std::string_view::npos || std::iscntrl(static_cast<unsigned char>(c)))
            c = '_';
    return name;
}

std::string nameInConfig(const fs::path &folder)
{
    std::ifstream in(folder / "config.json");
    if (!in)
        return {};
    std::stringstream text;
    text << in.rdbuf();
    nlohmann::json config;
    try {
        config = parseBoundedJson(text.str());
    } catch (const std::runtime_error &) {
        return {}; // the loader reports it
    }
    if (!config.is_object() || !config.contains("_name_or_path") || !config["_name_or_path"].is_string())
        return {};
    const std::string value = config["_name_or_path"].get<std::string>();
    return lastMeaningful(fs::path(value).lexically_normal());
}

} // namespace

std::string modelNameFromPath(const std::string &path)
{
    fs::path p = fs::absolute(path).lexically_normal();
    if (p.filename().empty()) // "folder/"
        p = p.parent_path();
    std::error_code ec;
    if (fs::is_regular_file(p, ec))
        p = p.parent_path() / p.stem();
    const std::string name = lastMeaningful(p);
    return fileSafe(name.empty() ? p.filename().string() : name);
}

std::string checkpointName(const std::string &input)
{
    fs::path p = fs::absolute(input).lexically_normal();
    if (p.filename().empty())
        p = p.parent_path();
    std::error_code ec;
    const fs::path folder = fs::is_directory(p, ec) ? p : p.parent_path();
    const std::string configured = nameInConfig(folder);
    return configured.empty() ? modelNameFromPath(input) : fileSafe(configured);
}

} // namespace enclave
