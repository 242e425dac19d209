// loadTokenizerSpec: GGUF metadata or tokenizer.json, whichever the path holds.
#include "engine/text/tokenizer_files.h"

#include "engine/model/gguf_model.h"
#include "engine/model/model_files.h"
#include "engine/text/gguf_tokenizer.h"
#include "engine/text/hf_tokenizer_json.h"

#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace enclave {
namespace {

namespace fs = std::filesystem;

std::string readText(const fs::path &path)
{
    std::ifstream in(path, std::ios::binary);
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
}

TokenizerSpec fromFolder(const fs::path &dir)
{
    const fs::path json = dir / "tokenizer.json";
    if (!fs::exists(json))
        throw std::runtime_error(dir.string() + ": no tokenizer.json in this folder");
    const fs::path config = dir / "tokenizer_config.json";
    TokenizerSpec spec = loadHfTokenizerSpec(json.string(), fs::exists(config) ? config.string() : std::string());
    // Newer checkpoints keep the template in its own file.
    if (spec.chatTemplate.empty() && fs::exists(dir / "chat_template.jinja"))
        spec.chatTemplate = readText(dir / "chat_template.jinja");
    return spec;
}

} // namespace

TokenizerSpec loadTokenizerSpec(const std::string &path)
{
    const fs::path p(path);
    std::error_code ec;
    if (fs::is_directory(p, ec)) {
        if (fs::exists(p / "tokenizer.json"))
            return fromFolder(p);
        const auto [format, resolved] = resolveModelPath(path);
        if (format == ModelFormat::Gguf)
            return loadTokenizerSpec(resolved);
        return fromFolder(p);
    }
    if (p.filename() == "tokenizer.json")
        return fromFolder(p.parent_path().empty() ? fs::path(".") : p.parent_path());
    const auto [format, resolved] = resolveModelPath(path);
    if (format == ModelFormat::Gguf) {
        const GgufModel gguf(resolved);
        const GgufMetadataAdapter<GgufModel> metadata(gguf);
        try {
            return tokenizerSpecFromGguf(metadata);
        } catch (const TokenizerFormatError &e) {
            throw TokenizerFormatError(resolved + ": " + e.what());
        } catch (const std::exception &e) {
            throw std::runtime_error(resolved + ": " + e.what());
        }
    }
    const fs::path dir = fs::is_directory(resolved) ? fs::path(resolved) : fs::path(resolved).parent_path();
    return fromFolder(dir);
}

} // namespace enclave
