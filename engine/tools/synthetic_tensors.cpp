// The tensor table of a synthetic model, named and shaped as the GGUF converters write each
// architecture (llama.cpp's blk.N.* names), with the storage type the quant mix gives each role.
#include "engine/tools/synthetic_model.h"

#include <stdexcept>

namespace enclave {
namespace {

// Initial value scales: matrices like a trained model's, routers wide enough that top-k routing
// is decisive, norm weights around 1.
constexpr float kMatrixStd = 0.02f;
constexpr float kRouterStd = 0.5f;
constexpr float kNormMean = 1.0f;
constexpr float kNormStd = 0.02f;

enum class Role { Embedding, Output, Matrix, AttnV, FfnDown };

// llama.cpp's Q4_K_M gives attn_v and ffn_down more bits in the first and last eighth of the
// layers and in every third layer between.
bool useMoreBits(int64_t il, int64_t nLayer)
{
    return il < nLayer / 8 || il >= 7 * nLayer / 8 || (il - nLayer / 8) % 3 == 2;
}

QuantType mixType(const std::string &mix, Role role, bool moreBits)
{
    const bool sensitive = role == Role::Output || ((role == Role::AttnV || role == Role::FfnDown) && moreBits);
    if (mix == "Q4_K_M")
        return sensitive ? QuantType::Q6_K : QuantType::Q4_K;
    if (mix == "Q4_0")
        return role == Role::Output ? QuantType::Q6_K : QuantType::Q4_0;
    if (mix == "Q6_K")
        return QuantType::Q6_K;
    if (mix == "Q8_0")
        return QuantType::Q8_0;
    if (mix == "BF16")
        return QuantType::BF16;
    if (mix == "F32")
        return QuantType::F32;
    throw std::invalid_argument("syntheticTensors: unknown quant mix '" + mix +
                                "' (expected Q4_K_M, Q4_0, Q6_K, Q8_0, BF16 or F32)");
}

// The mix's type when its blocks tile the row, else Q8_0, else F32 (as llama.cpp falls back).
QuantType fitRow(QuantType type, int64_t rowLength)
{
    if (rowLength % quantBlockElems(type) == 0)
        return type;
    return rowLength % quantBlockElems(QuantType::Q8_0) == 0 ? QuantType::Q8_0 : QuantType::F32;
}

class Planner {
public:
    explicit Planner(const SyntheticModelSpec &spec) : m_spec(spec) {}

    void setLayer(int64_t il) { m_layer = il; }
    void matrix(std::string name, Role role, std::vector<int64_t> shape)
    {
        const bool moreBits = m_layer < 0 || useMoreBits(m_layer, m_spec.nLayer);
        const QuantType type = fitRow(mixType(m_spec.quantMix, role, moreBits), shape.back());
        m_tensors.push_back({std::move(name), type, std::move(shape), 0.0f, kMatrixStd});
    }
    void norm(std::string name, int64_t n)
    {
        m_tensors.push_back({std::move(name), QuantType::F32, {n}, kNormMean, kNormStd});
    }
    void router(std::string name, std::vector<int64_t> shape)
    {
        m_tensors.push_back({std::move(name), QuantType::F32, std::move(shape), 0.0f, kRouterStd});
    }
    std::vector<SyntheticTensor> take() { return std::move(m_tensors); }

private:
    const SyntheticModelSpec &m_spec;
    int64_t m_layer = -1; // the block being planned; -1 outside the blocks
    std::vector<SyntheticTensor> m_tensors;
};

std::string blk(int64_t il, const char *what) { return "blk." + std::to_string(il) + "." + what + ".weight"; }

// Multi-head latent attention as the current converter stores it (kv_b split into k_b and v_b).
void planMla(const SyntheticModelSpec &s, int64_t il, Planner &p)
{
    const int64_t nope = s.headDim - s.ropeDim;
    const int64_t valueDim = s.valueDim > 0 ? s.valueDim : s.headDim;
    if (s.qLoraRank > 0) {
        p.matrix(blk(il, "attn_q_a"), Role::Matrix, {s.qLoraRank, s.nEmbd});
        p.norm(blk(il, "attn_q_a_norm"), s.qLoraRank);
        p.matrix(blk(il, "attn_q_b"), Role::Matrix, {s.nHead * s.headDim, s.qLoraRank});
    } else {
        p.matrix(blk(il, "attn_q"), Role::Matrix, {s.nHead * s.headDim, s.nEmbd});
    }
    p.matrix(blk(il, "attn_kv_a_mqa"), Role::Matrix, {s.kvLoraRank + s.ropeDim, s.nEmbd});
    p.norm(blk(il, "attn_kv_a_norm"), s.kvLoraRank);
    p.matrix(blk(il, "attn_k_b"), Role::Matrix, {s.nHead, s.kvLoraRank, nope});
    p.matrix(blk(il, "attn_v_b"), Role::AttnV, {s.nHead, valueDim, s.kvLoraRank});
    p.matrix(blk(il, "attn_output"), Role::Matrix, {s.nEmbd, s.nHead * valueDim});
}

void planAttention(const SyntheticModelSpec &s, int64_t il, Planner &p)
{
    p.norm(blk(il, "attn_norm"), s.nEmbd);
    if (s.architecture == "deepseek2") {
        planMla(s, il, p);
        return;
    }
    const int64_t q = s.nHead * s.headDim, kv = s.nHeadKv * s.headDim;
    p.matrix(blk(il, "attn_q"), Role::Matrix, {q, s.nEmbd});
    p.matrix(blk(il, "attn_k"), Role::Matrix, {kv, s.nEmbd});
    p.matrix(blk(il, "attn_v"), Role::AttnV, {kv, s.nEmbd});
    p.matrix(blk(il, "attn_output"), Role::Matrix, {s.nEmbd, q});
    if (s.architecture == "qwen3" || s.architecture == "qwen3moe") { // per head
        p.norm(blk(il, "attn_q_norm"), s.headDim);
        p.norm(blk(il, "attn_k_norm"), s.headDim);
    } else if (s.architecture == "olmoe") { // over all heads
        p.norm(blk(il, "attn_q_norm"), q);
        p.norm(blk(il, "attn_k_norm"), kv);
    }
}

void planFfn(const SyntheticModelSpec &s, int64_t il, Planner &p)
{
    p.norm(blk(il, "ffn_norm"), s.nEmbd);
    if (s.nExpert == 0 || il < s.leadingDense) {
        p.matrix(blk(il, "ffn_gate"), Role::Matrix, {s.nFf, s.nEmbd});
        p.matrix(blk(il, "ffn_up"), Role::Matrix, {s.nFf, s.nEmbd});
        p.matrix(blk(il, "ffn_down"), Role::FfnDown, {s.nEmbd, s.nFf});
        return;
    }
    p.router(blk(il, "ffn_gate_inp"), {s.nExpert, s.nEmbd});
    p.matrix(blk(il, "ffn_gate_exps"), Role::Matrix, {s.nExpert, s.nFfExpert, s.nEmbd});
    p.matrix(blk(il, "ffn_up_exps"), Role::Matrix, {s.nExpert, s.nFfExpert, s.nEmbd});
    p.matrix(blk(il, "ffn_down_exps"), Role::FfnDown, {s.nExpert, s.nEmbd, s.nFfExpert});
    if (s.nExpertShared > 0) {
        p.matrix(blk(il, "ffn_gate_shexp"), Role::Matrix, {s.nFfShared, s.nEmbd});
        p.matrix(blk(il, "ffn_up_shexp"), Role::Matrix, {s.nFfShared, s.nEmbd});
        p.matrix(blk(il, "ffn_down_shexp"), Role::FfnDown, {s.nEmbd, s.nFfShared});
    }
}

void require(bool ok, const std::string &what)
{
    if (!ok)
        throw std::invalid_argument("synthetic model spec: " + what);
}

void validate(const SyntheticModelSpec &s)
{
    const std::string &a = s.architecture;
    require(a == "qwen3moe" || a == "olmoe" || a == "llama" || a == "qwen3" || a == "deepseek2",
            "unknown architecture '" + a + "'");
    require(s.nVocab > 0 && s.nEmbd > 0 && s.nLayer > 0 && s.nHead > 0 && s.nHeadKv > 0 && s.headDim > 0,
            "vocabulary, embedding, layer, head and head width must be positive");
    require(a == "deepseek2" || s.nHead % s.nHeadKv == 0, "head count is not a multiple of the kv head count");
    require(s.nExpert >= 0 && s.nExpertUsed >= 0 && s.nExpertUsed <= s.nExpert, "expert_used_count > expert_count");
    require(s.nExpert == 0 || (s.nExpertUsed > 0 && s.nFfExpert > 0), "experts need a used count and a width");
    require(s.nExpertShared == 0 || s.nFfShared > 0, "shared experts need a width");
    require(s.leadingDense >= 0 && s.leadingDense <= s.nLayer, "leading dense layers outside 0..block_count");
    require((s.nExpert > 0 && s.leadingDense == 0) || s.nFf > 0, "dense FFN layers need feed_forward_length");
    require(a != "deepseek2" || (s.kvLoraRank > 0 && s.ropeDim > 0 && s.ropeDim < s.headDim),
            "deepseek2 needs kvLoraRank and 0 < ropeDim < headDim");
}

} // namespace

std::vector<SyntheticTensor> syntheticTensors(const SyntheticModelSpec &spec)
{
    validate(spec);
    Planner p(spec);
    p.matrix("token_embd.weight", Role::Embedding, {spec.nVocab, spec.nEmbd});
    for (int64_t il = 0; il < spec.nLayer; ++il) {
        p.setLayer(il);
        planAttention(spec, il, p);
        planFfn(spec, il, p);
    }
    p.setLayer(-1);
    p.norm("output_norm.weight", spec.nEmbd);
    p.matrix("output.weight", Role::Output, {spec.nVocab, spec.nEmbd});
    return p.take();
}

uint64_t syntheticDataBytes(const SyntheticModelSpec &spec)
{
    uint64_t bytes = 0;
    for (const SyntheticTensor &t : syntheticTensors(spec)) {
        uint64_t rows = 1;
        for (size_t d = 0; d + 1 < t.shape.size(); ++d)
            rows *= uint64_t(t.shape[d]);
        bytes += rows * uint64_t(quantRowBytes(t.type, t.shape.back()));
    }
    return bytes;
}

} // namespace enclave
