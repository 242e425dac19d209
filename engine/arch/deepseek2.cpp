// DeepSeek-V2/V2-Lite/V3/R1 and Kimi K2: multi-head latent attention (with or without
// q-LoRA), shared experts, softmax or sigmoid routing with correction bias, group-limited
// top-k, routed scaling, leading dense layers, interleaved RoPE on the rope dims, YaRN.
// The KV cache holds the compressed latent; k_b/v_b are applied per head (absorbed).
#include "engine/arch/architectures.h"
#include "engine/model/printable.h"

#include <stdexcept>

namespace enclave {
namespace {

void configureFromGguf(const ConfigReader &r, ModelConfig &c)
{
    MlaConfig &m = c.mla;
    m.qLoraRank = r.ggufInt("attention.q_lora_rank").value_or(0);
    m.kvLoraRank = r.requireGgufInt("attention.kv_lora_rank");
    m.qkRopeDim = r.ggufInt("rope.dimension_count").value_or(64);
    // Newer files give the per-head sizes as key/value_length_mla (key/value_length then
    // describe the MQA form); older ones give them as key/value_length.
    const int64_t keyLength = r.ggufInt("attention.key_length_mla").value_or(r.requireGgufInt("attention.key_length"));
    m.vHeadDim = r.ggufInt("attention.value_length_mla").value_or(r.requireGgufInt("attention.value_length"));
    m.qkNopeDim = keyLength - m.qkRopeDim;
    c.moe.leadingDense = r.ggufInt("leading_dense_block_count").value_or(0);
    c.moe.nExpertShared = r.ggufInt("expert_shared_count").value_or(0);
    c.moe.routedScale = r.ggufFloat("expert_weights_scale").value_or(1.0);
    c.moe.normTopK = r.ggufBool("expert_weights_norm").value_or(false);
    c.moe.gating = r.ggufInt("expert_gating_func").value_or(1) == 2 ? ExpertGating::Sigmoid : ExpertGating::Softmax;
    c.moe.nGroup = r.ggufInt("expert_group_count").value_or(1);
    c.moe.topkGroup = r.ggufInt("expert_group_used_count").value_or(1);
}

void configureFromHf(const ConfigReader &r, ModelConfig &c)
{
    MlaConfig &m = c.mla;
    m.qLoraRank = r.hfInt({"q_lora_rank"}).value_or(0);
    m.kvLoraRank = r.requireHfInt({"kv_lora_rank"});
    m.qkNopeDim = r.requireHfInt({"qk_nope_head_dim"});
    m.qkRopeDim = r.requireHfInt({"qk_rope_head_dim"});
    m.vHeadDim = r.requireHfInt({"v_head_dim"});
    c.moe.leadingDense = r.hfInt({"first_k_dense_replace"}).value_or(0);
    c.moe.nExpertShared = r.hfInt({"n_shared_experts"}).value_or(0);
    c.moe.routedScale = r.hfFloat({"routed_scaling_factor"}).value_or(1.0);
    c.moe.normTopK = r.hfBool({"norm_topk_prob"}).value_or(false);
    const std::string defaultScoring = c.architecture == "deepseek_v2" ? "softmax" : "sigmoid";
    const std::string scoring = r.hfString({"scoring_func"}).value_or(defaultScoring);
    if (scoring != "softmax" && scoring != "sigmoid")
        throw std::runtime_error("config.json: unsupported scoring_func " + quotedName(scoring));
    c.moe.gating = scoring == "sigmoid" ? ExpertGating::Sigmoid : ExpertGating::Softmax;
    const std::string topk = r.hfString({"topk_method"}).value_or("greedy");
    if (topk != "greedy") {
        c.moe.nGroup = r.hfInt({"n_group"}).value_or(1);
        c.moe.topkGroup = r.hfInt({"topk_group"}).value_or(1);
    }
}

} // namespace

void configureDeepseek2(const ConfigReader &r, ModelConfig &c)
{
    c.rope.style = RopeStyle::Interleaved;
    if (r.isGguf())
        configureFromGguf(r, c);
    else
        configureFromHf(r, c);
    const MlaConfig &m = c.mla;
    c.rope.dims = m.qkRopeDim;
    c.headDim = m.qkNopeDim + m.qkRopeDim;
    c.headDimV = m.vHeadDim;
    c.nHeadKv = c.nHead; // each head has its own k/v, decompressed from the shared latent
    c.moe.nFfShared = c.moe.nExpertShared * c.moe.nFfExpert;
    c.moe.groupScoreTopTwo = c.moe.gating == ExpertGating::Sigmoid;
    if (c.moe.nGroup <= 0 || c.moe.nExpert % std::max<int64_t>(c.moe.nGroup, 1) != 0)
        throw std::runtime_error("expert groups (" + std::to_string(c.moe.nGroup) + ") do not divide the " +
                                 std::to_string(c.moe.nExpert) + " experts");
    if (m.kvLoraRank <= 0 || m.qkNopeDim <= 0 || m.qkRopeDim <= 0 || m.vHeadDim <= 0)
        throw std::runtime_error("inconsistent multi-head latent attention sizes");
}

void loadMlaAttention(const WeightLoader &w, const ModelConfig &c, int64_t layer, LayerWeights &l)
{
    const MlaConfig &m = c.mla;
    const int64_t qRows = c.nHead * (m.qkNopeDim + m.qkRopeDim);
    if (m.qLoraRank > 0) {
        l.wqA = w.matrix(WeightRole::WqA, layer, m.qLoraRank, c.nEmbd);
        l.qANorm = w.vector(WeightRole::QANorm, layer, m.qLoraRank);
        l.wqB = w.matrix(WeightRole::WqB, layer, qRows, m.qLoraRank);
    } else {
        l.wq = w.matrix(WeightRole::Wq, layer, qRows, c.nEmbd);
    }
    l.wkvA = w.matrix(WeightRole::WkvA, layer, m.kvLoraRank + m.qkRopeDim, c.nEmbd);
    l.kvANorm = w.vector(WeightRole::KvANorm, layer, m.kvLoraRank);
    l.wo = w.matrix(WeightRole::Wo, layer, c.nEmbd, c.nHead * m.vHeadDim);
    if (w.isGguf() && w.has(WeightRole::WkB, layer)) {
        l.wkB = w.stacked(WeightRole::WkB, layer, c.nHead, m.kvLoraRank, m.qkNopeDim);
        l.wvB = w.stacked(WeightRole::WvB, layer, c.nHead, m.vHeadDim, m.kvLoraRank);
        return;
    }
    // kv_b: per head, qkNope rows of k then vHead rows of v, each of width kvLoraRank.
    const Matrix kvB = w.matrix(WeightRole::WkvB, layer, c.nHead * (m.qkNopeDim + m.vHeadDim), m.kvLoraRank);
    l.wkBTransposed = true;
    const auto rowSlice = [&kvB](int64_t first, int64_t rows) {
        Matrix s{kvB.type, rows, kvB.cols, kvB.row(first), kvB.rowBytes, nullptr, 0};
        if (kvB.blockScales) { // FP8: the slice must start on a scale block
            if (first % kvB.scaleBlock != 0)
                throw std::runtime_error("kv_b_proj: FP8 head slice not aligned to its scale blocks");
            s.blockScales = kvB.blockScales + first / kvB.scaleBlock * ((kvB.cols + kvB.scaleBlock - 1) / kvB.scaleBlock);
            s.scaleBlock = kvB.scaleBlock;
        }
        return s;
    };
    for (int64_t h = 0; h < c.nHead; ++h) {
        const int64_t first = h * (m.qkNopeDim + m.vHeadDim);
        l.wkB.push_back(rowSlice(first, m.qkNopeDim));
        l.wvB.push_back(rowSlice(first + m.qkNopeDim, m.vHeadDim));
    }
}

} // namespace enclave
