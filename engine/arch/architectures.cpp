// The architecture registry and the weight loading every family shares.
#include "engine/arch/architectures.h"

#include "engine/arch/config_limits.h"
#include "engine/model/model_file_error.h"
#include "engine/model/printable.h"

#include <stdexcept>

namespace enclave {
namespace {

struct FamilyEntry {
    const char *name; // GGUF general.architecture or config.json model_type
    ArchFamily family;
    void (*configure)(const ConfigReader &, ModelConfig &);
    const char *displayName; // as people name the family
};

constexpr FamilyEntry kFamilies[] = {
    {"llama", ArchFamily::Llama, configureLlama, "Llama"},
    {"mistral", ArchFamily::Llama, configureLlama, "Mistral"},
    {"mixtral", ArchFamily::Llama, configureLlama, "Mixtral"},
    {"qwen2", ArchFamily::Qwen2, configureQwen, "Qwen2"},
    {"qwen3", ArchFamily::Qwen3, configureQwen, "Qwen3"},
    {"qwen2moe", ArchFamily::Qwen2Moe, configureQwen, "Qwen2 MoE"},
    {"qwen2_moe", ArchFamily::Qwen2Moe, configureQwen, "Qwen2 MoE"},
    {"qwen3moe", ArchFamily::Qwen3Moe, configureQwen, "Qwen3 MoE"},
    {"qwen3_moe", ArchFamily::Qwen3Moe, configureQwen, "Qwen3 MoE"},
    {"olmoe", ArchFamily::Olmoe, configureOlmoe, "OLMoE"},
    {"deepseek2", ArchFamily::Deepseek2, configureDeepseek2, "DeepSeek"},
    {"deepseek_v2", ArchFamily::Deepseek2, configureDeepseek2, "DeepSeek-V2"},
    {"deepseek_v3", ArchFamily::Deepseek2, configureDeepseek2, "DeepSeek-V3"},
    {"kimi_k2", ArchFamily::Deepseek2, configureDeepseek2, "Kimi K2"},
    {"gpt-oss", ArchFamily::GptOss, configureGptOss, "gpt-oss"},
    {"gpt_oss", ArchFamily::GptOss, configureGptOss, "gpt-oss"},
    {"glm4moe", ArchFamily::Glm4Moe, configureGlm4Moe, "GLM-4.5"},
    {"glm4_moe", ArchFamily::Glm4Moe, configureGlm4Moe, "GLM-4.5"},
    {"minimax-m2", ArchFamily::MinimaxM2, configureMinimaxM2, "MiniMax-M2"},
    {"minimax_m2", ArchFamily::MinimaxM2, configureMinimaxM2, "MiniMax-M2"},
    {"ernie4_5-moe", ArchFamily::Ernie45Moe, configureErnie45Moe, "ERNIE 4.5 MoE"},
    {"ernie4_5_moe", ArchFamily::Ernie45Moe, configureErnie45Moe, "ERNIE 4.5 MoE"},
    {"llama4", ArchFamily::Llama4, configureLlama4, "Llama 4"},
    {"qwen35moe", ArchFamily::Qwen35Moe, configureQwen35Moe, "Qwen3.5 MoE"},
    {"qwen3_5_moe", ArchFamily::Qwen35Moe, configureQwen35Moe, "Qwen3.5 MoE"},
};

} // namespace

ModelConfig readModelConfig(const ModelFiles &files)
{
    const ConfigReader reader(files);
    const std::string arch = reader.architecture();
    for (const FamilyEntry &f : kFamilies) {
        if (arch == f.name) {
            ModelConfig c;
            c.family = f.family;
            readCommonConfig(reader, c);
            f.configure(reader, c);
            validateModelConfig(c);
            return c;
        }
    }
    std::string supported;
    for (const FamilyEntry &f : kFamilies)
        supported += (supported.empty() ? "" : ", ") + std::string(f.name);
    throw ModelFileError("This model's architecture, " + quotedName(arch) + ", is not supported yet.",
                         "unknown architecture " + quotedName(arch) + " (supported: " + supported + ")");
}

std::string familyDisplayName(const std::string &architecture, int64_t experts)
{
    if (architecture == "llama" && experts > 0)
        return "Mixtral"; // Mixtral's GGUFs say llama
    for (const FamilyEntry &f : kFamilies)
        if (architecture == f.name)
            return f.displayName;
    return architecture;
}

void requireGguf(const ConfigReader &r, const char *familyName)
{
    if (!r.isGguf())
        throw ModelFileError(std::string("This ") + familyName + " folder cannot be opened yet; its GGUF file works.",
                             std::string(familyName) + " Hugging Face checkpoints are not read yet; use a GGUF of the model");
}

void readGgufExpertRouting(const ConfigReader &r, ModelConfig &c)
{
    MoeConfig &m = c.moe;
    m.leadingDense = r.ggufInt("leading_dense_block_count").value_or(0);
    m.nExpertShared = r.ggufInt("expert_shared_count").value_or(0);
    m.nFfShared = r.ggufInt("expert_shared_feed_forward_length").value_or(m.nExpertShared * m.nFfExpert);
    m.routedScale = r.ggufFloat("expert_weights_scale").value_or(1.0);
    m.normTopK = r.ggufBool("expert_weights_norm").value_or(m.normTopK);
    m.gating = r.ggufInt("expert_gating_func").value_or(1) == 2 ? ExpertGating::Sigmoid : ExpertGating::Softmax;
}

void loadStandardAttention(const WeightLoader &w, const ModelConfig &c, int64_t layer, LayerWeights &l)
{
    const int64_t q = c.nHead * c.headDim, k = c.nHeadKv * c.headDim, v = c.nHeadKv * c.headDimV;
    l.wq = w.matrix(WeightRole::Wq, layer, c.attnOutputGate ? 2 * q : q, c.nEmbd);
    l.wk = w.matrix(WeightRole::Wk, layer, k, c.nEmbd);
    l.wv = w.matrix(WeightRole::Wv, layer, v, c.nEmbd);
    l.wo = w.matrix(WeightRole::Wo, layer, c.nEmbd, c.nHead * c.headDimV);
    if (c.attnBias) {
        l.bq = w.vector(WeightRole::Bq, layer, q);
        l.bk = w.vector(WeightRole::Bk, layer, k);
        l.bv = w.vector(WeightRole::Bv, layer, v);
    }
    if (c.attnOutputBias)
        l.bo = w.vector(WeightRole::Bo, layer, c.nEmbd);
    if (c.attnSinks)
        l.sinks = w.vector(WeightRole::AttnSinks, layer, c.nHead);
    if (c.qkNorm) {
        l.qNorm = w.vector(WeightRole::QNorm, layer, c.headDim);
        l.kNorm = w.vector(WeightRole::KNorm, layer, c.headDim);
    } else if (c.qkNormFull) {
        l.qNorm = w.vector(WeightRole::QNorm, layer, q);
        l.kNorm = w.vector(WeightRole::KNorm, layer, k);
    }
}

void loadFeedForward(const WeightLoader &w, const ModelConfig &c, int64_t layer, LayerWeights &l)
{
    // Some families (gpt-oss) name the norm before the FFN post_attention_norm.
    const bool postAttentionName = !w.has(WeightRole::FfnNorm, layer) && w.has(WeightRole::PostAttnNorm, layer);
    l.ffnNorm = w.vector(postAttentionName ? WeightRole::PostAttnNorm : WeightRole::FfnNorm, layer, c.nEmbd);
    if (!c.isMoeLayer(layer)) {
        l.ffnGate = w.matrix(WeightRole::FfnGate, layer, c.nFf, c.nEmbd);
        l.ffnUp = w.matrix(WeightRole::FfnUp, layer, c.nFf, c.nEmbd);
        l.ffnDown = w.matrix(WeightRole::FfnDown, layer, c.nEmbd, c.nFf);
        return;
    }
    const MoeConfig &m = c.moe;
    l.router = w.matrix(WeightRole::Router, layer, m.nExpert, c.nEmbd);
    l.routerBias = w.vector(WeightRole::RouterBias, layer, m.nExpert, false);
    l.routerLogitBias = w.vector(WeightRole::RouterLogitBias, layer, m.nExpert, false);
    l.experts = w.experts(layer, m.nExpert, m.nFfExpert, c.nEmbd);
    if (m.expertBiases) {
        l.expertGateBias = w.vector(WeightRole::ExpGateBias, layer, m.nExpert * m.nFfExpert);
        l.expertUpBias = w.vector(WeightRole::ExpUpBias, layer, m.nExpert * m.nFfExpert);
        l.expertDownBias = w.vector(WeightRole::ExpDownBias, layer, m.nExpert * c.nEmbd);
    }
    if (m.nFfShared > 0) {
        l.shared.gate = w.matrix(WeightRole::SharedGate, layer, m.nFfShared, c.nEmbd);
        l.shared.up = w.matrix(WeightRole::SharedUp, layer, m.nFfShared, c.nEmbd);
        l.shared.down = w.matrix(WeightRole::SharedDown, layer, c.nEmbd, m.nFfShared);
    }
    if (m.sharedExpertGate)
        l.sharedGate = w.vector(WeightRole::SharedGateInp, layer, c.nEmbd);
}

ModelWeights loadModelWeights(const ModelFiles &files, const ModelConfig &c, std::deque<std::vector<float>> &owned)
{
    const WeightLoader w(files, c.family, owned);
    ModelWeights m;
    m.tokenEmbd = w.matrix(WeightRole::TokenEmbd, 0, c.nVocab, c.nEmbd);
    m.outputNorm = w.vector(WeightRole::OutputNorm, 0, c.nEmbd);
    m.output = c.tiedEmbeddings ? m.tokenEmbd : w.matrix(WeightRole::Output, 0, c.nVocab, c.nEmbd);
    m.layers.resize(size_t(c.nLayer));
    for (int64_t i = 0; i < c.nLayer; ++i) {
        LayerWeights &l = m.layers[size_t(i)];
        l.attnNorm = w.vector(WeightRole::AttnNorm, i, c.nEmbd);
        if (c.isRecurrentLayer(i))
            loadGatedDeltaNet(w, c, i, l);
        else if (c.isMla())
            loadMlaAttention(w, c, i, l);
        else
            loadStandardAttention(w, c, i, l);
        loadFeedForward(w, c, i, l);
    }
    return m;
}

} // namespace enclave
