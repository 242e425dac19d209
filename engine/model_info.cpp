// ModelInfo from GGUF keys ("<arch>.block_count"...) or config.json, with parameter counts
// from the tensor table. Expert tensors: GGUF "*_exps*", Hugging Face "*.experts.<n>.*".
#include "engine/model_info.h"

#include "engine/arch/architectures.h"

#include "engine/model/printable.h"

#include <filesystem>
#include <nlohmann/json.hpp>
#include <sstream>
#include <stdexcept>

namespace enclave {
namespace {

bool isRoutedExpertTensor(const std::string &name)
{
    return name.find("_exps") != std::string::npos || name.find(".experts.") != std::string::npos;
}

bool isParameterTensor(const std::string &name)
{
    // FP8 checkpoints ship block scales beside the weights, and GGUF stores precomputed RoPE
    // frequency factors: neither is a parameter of the model.
    return name.find("_scale_inv") == std::string::npos && name.find("weight_scale") == std::string::npos &&
           name.rfind("rope_freqs", 0) != 0;
}

int64_t ggufKey(const GgufModel &g, const std::string &arch, const char *key, int64_t fallback = 0)
{
    return g.getInt(arch + "." + key).value_or(fallback);
}

void fromGguf(const GgufModel &g, ModelInfo &info)
{
    info.architecture = g.architecture();
    info.name = g.getString("general.name").value_or("");
    const std::string &a = info.architecture;
    info.layers = ggufKey(g, a, "block_count");
    info.contextLength = ggufKey(g, a, "context_length");
    info.embeddingLength = ggufKey(g, a, "embedding_length");
    info.experts = ggufKey(g, a, "expert_count");
    info.expertsUsed = ggufKey(g, a, "expert_used_count");
    info.sharedExperts = ggufKey(g, a, "expert_shared_count");
    if (const auto fileType = g.getInt("general.file_type"))
        info.fileType = ggufFileTypeName(*fileType);
    if (info.sharedExperts == 0) { // no count in the file: one shared expert if any layer has one
        for (const TensorView &t : g.tensors()) {
            if (t.name.find("_shexp") != std::string::npos) {
                info.sharedExperts = 1;
                break;
            }
        }
    }
    if (const GgufArray *tokens = g.getArray("tokenizer.ggml.tokens"))
        info.vocabSize = int64_t(tokens->size());
    if (const TensorView *embd = g.findTensor("token_embd.weight"); embd && !embd->shape.empty())
        info.vocabSize = std::max(info.vocabSize, embd->shape.front());
    if (info.layers <= 0)
        throw std::runtime_error("GGUF metadata lacks " + quotedName(a + ".block_count"));
}

int64_t jsonInt(const nlohmann::json &config, std::initializer_list<const char *> keys)
{
    for (const char *key : keys) {
        const auto it = config.find(key);
        if (it != config.end() && it->is_number_integer())
            return it->get<int64_t>();
    }
    return 0;
}

void fromSafetensors(const SafetensorsModel &s, ModelInfo &info)
{
    const nlohmann::json &c = s.config();
    info.architecture = c.value("model_type", s.architecture());
    info.layers = jsonInt(c, {"num_hidden_layers", "n_layer"});
    info.contextLength = jsonInt(c, {"max_position_embeddings"});
    info.embeddingLength = jsonInt(c, {"hidden_size"});
    info.vocabSize = jsonInt(c, {"vocab_size"});
    info.experts = jsonInt(c, {"num_local_experts", "num_experts", "n_routed_experts"});
    info.expertsUsed = jsonInt(c, {"num_experts_per_tok", "moe_topk"});
    info.sharedExperts = jsonInt(c, {"n_shared_experts", "num_shared_experts"});
    if (info.sharedExperts == 0 && jsonInt(c, {"shared_expert_intermediate_size"}) > 0)
        info.sharedExperts = 1;
}

} // namespace

ModelInfo describeModel(const ModelFiles &files, const std::string &path)
{
    ModelInfo info;
    info.path = path;
    info.format = std::string(modelFormatName(files.format()));
    info.fileBytes = files.totalBytes();
    if (const GgufModel *g = files.gguf())
        fromGguf(*g, info);
    else
        fromSafetensors(*files.safetensors(), info);
    if (info.name.empty())
        info.name = std::filesystem::path(path).filename().replace_extension().string();

    // Element counts are bounded by the file size (the loaders checked every tensor against it), so
    // these sums cannot overflow; the expert counts come from metadata and are checked before use.
    int64_t expertParams = 0;
    for (const TensorView &t : files.tensors()) {
        if (!isParameterTensor(t.name))
            continue;
        ++info.tensorTypes[std::string(quantTypeName(t.type))];
        info.totalParams += t.elements();
        if (isRoutedExpertTensor(t.name))
            expertParams += t.elements();
    }
    info.family = familyDisplayName(info.architecture, info.experts);
    info.activeParams = info.totalParams - expertParams;
    const bool expertCountsValid = info.experts > 0 && info.expertsUsed >= 0 && info.expertsUsed <= info.experts;
    if (expertCountsValid && expertParams > 0)
        info.activeParams += expertParams / info.experts * info.expertsUsed;
    else
        info.activeParams = info.totalParams; // unknown split: every weight counts
    return info;
}

namespace {

std::string humanCount(int64_t n)
{
    std::ostringstream out;
    out.precision(3);
    if (n >= 1'000'000'000)
        out << double(n) / 1e9 << "B";
    else if (n >= 1'000'000)
        out << double(n) / 1e6 << "M";
    else if (n >= 1'000)
        out << double(n) / 1e3 << "K";
    else
        out << n;
    return out.str();
}

} // namespace

std::string ggufFileTypeName(int64_t fileType)
{
    // The GGUF file types (llama_ftype); the gaps are types that were removed.
    static const std::map<int64_t, const char *> kNames = {
        {0, "F32"},      {1, "F16"},      {2, "Q4_0"},     {3, "Q4_1"},     {7, "Q8_0"},     {8, "Q5_0"},
        {9, "Q5_1"},     {10, "Q2_K"},    {11, "Q3_K_S"},  {12, "Q3_K_M"},  {13, "Q3_K_L"},  {14, "Q4_K_S"},
        {15, "Q4_K_M"},  {16, "Q5_K_S"},  {17, "Q5_K_M"},  {18, "Q6_K"},    {19, "IQ2_XXS"}, {20, "IQ2_XS"},
        {21, "Q2_K_S"},  {22, "IQ3_XS"},  {23, "IQ3_XXS"}, {24, "IQ1_S"},   {25, "IQ4_NL"},  {26, "IQ3_S"},
        {27, "IQ3_M"},   {28, "IQ2_S"},   {29, "IQ2_M"},   {30, "IQ4_XS"},  {31, "IQ1_M"},   {32, "BF16"},
        {36, "TQ1_0"},   {37, "TQ2_0"},   {38, "MXFP4_MOE"},
    };
    const auto it = kNames.find(fileType);
    return it == kNames.end() ? std::string() : std::string(it->second);
}

std::string modelInfoText(const ModelInfo &i)
{
    std::ostringstream out;
    out << "model:        " << printable(i.name) << "\n"
        << "path:         " << printableText(i.path) << "\n"
        << "format:       " << i.format << " (" << i.fileBytes << " bytes, " << humanCount(int64_t(i.fileBytes))
        << "B)\n"
        << "architecture: " << printable(i.architecture) << " (" << printable(i.family) << ")\n"
        << "quantization: " << (i.fileType.empty() ? std::string("not stated in the file") : i.fileType) << "\n"
        << "parameters:   " << i.totalParams << " total (" << humanCount(i.totalParams) << "), " << i.activeParams
        << " active per token (" << humanCount(i.activeParams) << ")\n"
        << "layers:       " << i.layers << "\n"
        << "embedding:    " << i.embeddingLength << "\n";
    if (i.experts > 0)
        out << "experts:      " << i.experts << " routed, " << i.expertsUsed << " used per token, " << i.sharedExperts
            << " shared\n";
    else
        out << "experts:      none (dense)\n";
    out << "context:      " << i.contextLength << "\n"
        << "vocabulary:   " << i.vocabSize << "\n"
        << "tensor types:";
    for (const auto &[type, count] : i.tensorTypes)
        out << " " << type << "=" << count;
    out << "\n";
    return out.str();
}

std::string modelInfoJson(const ModelInfo &i)
{
    nlohmann::json j = {
        {"path", i.path},
        {"format", i.format},
        {"name", i.name},
        {"architecture", i.architecture},
        {"family", i.family},
        {"file_type", i.fileType},
        {"file_bytes", i.fileBytes},
        {"parameters", {{"total", i.totalParams}, {"active", i.activeParams}}},
        {"layers", i.layers},
        {"embedding_length", i.embeddingLength},
        {"experts", {{"count", i.experts}, {"used", i.expertsUsed}, {"shared", i.sharedExperts}}},
        {"context_length", i.contextLength},
        {"vocab_size", i.vocabSize},
        {"tensor_types", i.tensorTypes},
    };
    // Names from the file may hold invalid UTF-8: replaced, never a failed dump.
    return j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

} // namespace enclave
