// Model path resolution, format detection, the cheap import probe and the opened-model wrapper.
#include "engine/model/model_files.h"

#include "engine/model/model_file_error.h"

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>

namespace enclave {

namespace fs = std::filesystem;

namespace {

bool isFile(const fs::path &p)
{
    std::error_code ec;
    return fs::is_regular_file(p, ec);
}

bool hasGgufMagic(const std::string &path)
{
    char magic[4] = {};
    std::ifstream in(path, std::ios::binary);
    return in.read(magic, sizeof magic) && std::memcmp(magic, "GGUF", 4) == 0;
}

// The GGUF models of a folder: single files and first shards.
std::vector<std::string> ggufModelsIn(const fs::path &folder)
{
    std::vector<std::string> models;
    std::error_code ec;
    for (const fs::directory_entry &e : fs::directory_iterator(folder, ec)) {
        const std::string p = e.path().string();
        if (e.path().extension() != ".gguf" || !isFile(e.path()))
            continue;
        const std::optional<GgufSplitName> split = parseGgufSplitName(p);
        if (!split || split->index == 1)
            models.push_back(p);
    }
    std::sort(models.begin(), models.end());
    return models;
}

std::pair<ModelFormat, std::string> resolveFolder(const std::string &folder)
{
    const fs::path dir(folder);
    if (isFile(dir / kSafetensorsIndexName) || isFile(dir / kSafetensorsSingleName))
        return {ModelFormat::Safetensors, folder};
    const std::vector<std::string> ggufs = ggufModelsIn(dir);
    if (ggufs.size() == 1)
        return {ModelFormat::Gguf, ggufs.front()};
    if (ggufs.size() > 1)
        throw ModelFileError("This folder holds more than one GGUF model; choose one file.",
                             folder + ": the folder holds " + std::to_string(ggufs.size()) + " GGUF models (" +
                                 fs::path(ggufs[0]).filename().string() + ", " +
                                 fs::path(ggufs[1]).filename().string() + ", ...); choose one file");
    if (isFile(dir / kHfConfigName))
        return {ModelFormat::Safetensors, folder}; // opening reports the missing weights
    throw ModelFileError("This folder holds no model.", folder + ": the folder holds no model: no " +
                                                            kSafetensorsSingleName + ", no " + kSafetensorsIndexName +
                                                            " and no .gguf file");
}

// Opens every shard as loading would: the whole header, the tensor table and that each tensor's
// data lies inside its file (a cut download), but no tensor data.
void probeGgufFiles(const std::string &path, ModelProbe *probe)
{
    const GgufModel model(path);
    probe->architecture = model.architecture();
    probe->totalBytes = model.totalBytes();
    probe->fileCount = static_cast<int>(model.shards().size());
}

void probeSafetensorsFiles(const std::string &path, ModelProbe *probe)
{
    const SafetensorsModel model(path); // maps the files but reads only their JSON headers
    probe->architecture = model.architecture();
    probe->totalBytes = model.totalBytes();
    probe->fileCount = static_cast<int>(model.shards().size());
}

std::variant<GgufModel, SafetensorsModel> openModel(const std::string &path)
{
    const auto [format, resolved] = resolveModelPath(path);
    if (format == ModelFormat::Gguf)
        return std::variant<GgufModel, SafetensorsModel>(std::in_place_type<GgufModel>, resolved);
    return std::variant<GgufModel, SafetensorsModel>(std::in_place_type<SafetensorsModel>, resolved);
}

} // namespace

std::string_view modelFormatName(ModelFormat format)
{
    return format == ModelFormat::Gguf ? "GGUF" : "safetensors";
}

std::pair<ModelFormat, std::string> resolveModelPath(const std::string &path)
{
    std::error_code ec;
    if (fs::is_directory(path, ec))
        return resolveFolder(path);
    if (!isFile(path))
        throw ModelFileError("The file or folder does not exist.", path + ": no such file or folder");
    const fs::path p(path);
    const std::string name = p.filename().string();
    if (name == kHfConfigName || name == kSafetensorsIndexName)
        return {ModelFormat::Safetensors, p.has_parent_path() ? p.parent_path().string() : std::string(".")};
    if (hasGgufMagic(path) || p.extension() == ".gguf")
        return {ModelFormat::Gguf, path};
    if (p.extension() == ".safetensors")
        return {ModelFormat::Safetensors, path};
    throw ModelFileError("This is not a model file: neither GGUF nor safetensors.",
                         path + ": not a model file: neither GGUF (no \"GGUF\" magic) nor .safetensors");
}

ModelProbe probeModelPath(const std::string &path)
{
    ModelProbe probe;
    try {
        const auto [format, resolved] = resolveModelPath(path);
        probe.format = format;
        if (format == ModelFormat::Gguf)
            probeGgufFiles(resolved, &probe);
        else
            probeSafetensorsFiles(resolved, &probe);
        probe.ok = true;
    } catch (const std::exception &e) {
        probe.ok = false;
        probe.error = e.what();
    } catch (...) {
        probe.ok = false;
        probe.error = path + ": unknown error while probing";
    }
    return probe;
}

ModelFiles::ModelFiles(const std::string &path) : m_model(openModel(path)) {}

ModelFormat ModelFiles::format() const { return gguf() ? ModelFormat::Gguf : ModelFormat::Safetensors; }

std::string ModelFiles::architecture() const
{
    return std::visit([](const auto &m) { return m.architecture(); }, m_model);
}

uint64_t ModelFiles::totalBytes() const
{
    return std::visit([](const auto &m) { return m.totalBytes(); }, m_model);
}

const std::vector<TensorView> &ModelFiles::tensors() const
{
    return std::visit([](const auto &m) -> const std::vector<TensorView> & { return m.tensors(); }, m_model);
}

const TensorView *ModelFiles::findTensor(std::string_view name) const
{
    return std::visit([name](const auto &m) { return m.findTensor(name); }, m_model);
}

} // namespace enclave
