// Model files as the user picks them: a .gguf file (any shard of a split model), a .safetensors file
// next to its config.json, or a Hugging Face folder. Detects the format, opens it, or only probes it.
#pragma once

#include "engine/model/gguf_model.h"
#include "engine/model/safetensors_model.h"

#include <optional>
#include <string>
#include <variant>

namespace enclave {

enum class ModelFormat { Gguf, Safetensors };

std::string_view modelFormatName(ModelFormat format);

// What a quick look at a model path found; see probeModelPath().
struct ModelProbe {
    ModelFormat format = ModelFormat::Gguf;
    bool ok = false;
    std::string error;        // why not ok, in ModelFileError::what() form: a plain first line, then
                              // the technical detail (names the file); "" when ok
    std::string architecture; // GGUF general.architecture ("qwen3moe"), or config.json architectures[0]
                              // ("Qwen3MoeForCausalLM") / model_type; "" when not known
    uint64_t totalBytes = 0;  // size of every file of the model found so far
    int fileCount = 0;        // model files (shards) found
};

// Resolves `path` to the file or folder to open and its format: a GGUF file by its magic, a
// .safetensors file, config.json / the index (-> their folder), a folder with safetensors or with
// exactly one GGUF model. Throws ModelFileError naming the path when it is none of these.
std::pair<ModelFormat, std::string> resolveModelPath(const std::string &path);

// Checks headers only, never tensor data, as loading checks them: every GGUF shard's header and
// tensor table, safetensors JSON headers, index and config; and that every tensor's data lies inside
// its file, so that a cut download is refused. Never throws. Meant for the import dialog.
ModelProbe probeModelPath(const std::string &path);

// An opened model of either format. Not copyable; movable. Reading is thread-safe.
class ModelFiles {
public:
    // Throws ModelFileError (GgufError / SafetensorsError) naming the file and what is wrong, or
    // std::runtime_error when a file cannot be opened at all.
    explicit ModelFiles(const std::string &path);

    ModelFormat format() const;
    // The GGUF model, or nullptr for a safetensors checkpoint (and the other way round).
    const GgufModel *gguf() const { return std::get_if<GgufModel>(&m_model); }
    const SafetensorsModel *safetensors() const { return std::get_if<SafetensorsModel>(&m_model); }

    std::string architecture() const;
    uint64_t totalBytes() const;
    const std::vector<TensorView> &tensors() const;
    // nullptr when absent; a safetensors tensor of an unsupported dtype throws SafetensorsError.
    const TensorView *findTensor(std::string_view name) const;

private:
    std::variant<GgufModel, SafetensorsModel> m_model;
};

} // namespace enclave
