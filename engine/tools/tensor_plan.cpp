// Planning the converted tensors from the canonical weights. Names come from the one name table
// (arch/tensor_names.cpp); rows are produced on demand from the mapped checkpoint.
#include "engine/tools/tensor_plan.h"

#include "engine/arch/tensor_names.h"
#include "engine/quant/traits.h"

#include <memory>
#include <stdexcept>

namespace enclave {
namespace {

// Row r of a matrix in float32, FP8 block scales applied.
void readMatrixRow(const Matrix &m, int64_t r, float *dst)
{
    quantTraits(m.type).dequantizeRow(m.row(r), dst, m.cols);
    if (!m.blockScales)
        return;
    const int64_t blocksPerRow = (m.cols + m.scaleBlock - 1) / m.scaleBlock;
    const float *scales = m.blockScales + (r / m.scaleBlock) * blocksPerRow;
    for (int64_t c = 0; c < m.cols; ++c)
        dst[c] *= scales[c / m.scaleBlock];
}

// Element (r, c) of a matrix of a one-element-per-block type (F32/F16/BF16/FP8).
float readElement(const Matrix &m, int64_t r, int64_t c)
{
    float x = 0.0f;
    quantTraits(m.type).dequantizeRow(m.row(r) + c * quantBlockBytes(m.type), &x, 1);
    if (m.blockScales)
        x *= m.blockScales[(r / m.scaleBlock) * ((m.cols + m.scaleBlock - 1) / m.scaleBlock) + c / m.scaleBlock];
    return x;
}

// The GGUF llama layout of q/k: within each head the converter interleaves the two rotary halves,
// so output row (h, i, j) is input row (h, j, i) for i < headDim/2, j ∈ {0, 1}.
int64_t llamaPermutedRow(int64_t r, int64_t headDim)
{
    const int64_t h = r / headDim, within = r % headDim, half = headDim / 2;
    return h * headDim + (within % 2) * half + within / 2;
}

class Planner {
public:
    Planner(const ModelConfig &c, QuantMix mix) : m_c(c), m_mix(mix) {}

    void setLayer(int64_t layer) { m_layer = layer; }

    void matrix(WeightRole role, TensorRole tr, const Matrix &m, int64_t permuteHeadDim = 0)
    {
        if (!m.present())
            return;
        auto read = [m, permuteHeadDim](int64_t r, float *dst) {
            readMatrixRow(m, permuteHeadDim ? llamaPermutedRow(r, permuteHeadDim) : r, dst);
        };
        add(role, tr, {m.rows, m.cols}, std::move(read));
    }

    void experts(WeightRole role, TensorRole tr, const std::vector<Expert> &experts, Matrix Expert::*which)
    {
        const Matrix &first = experts.front().*which;
        std::vector<Matrix> ms;
        for (const Expert &e : experts)
            ms.push_back(e.*which);
        const int64_t rows = first.rows;
        auto read = [ms = std::move(ms), rows](int64_t r, float *dst) { readMatrixRow(ms[size_t(r / rows)], r % rows, dst); };
        add(role, tr, {int64_t(experts.size()), first.rows, first.cols}, std::move(read));
    }

    // Per-head matrices stacked to [nHead, rows, cols]; transposed ones (HF kv_b rows) are read by
    // column, element by element (float sources only), so nothing is materialized.
    void heads(WeightRole role, const std::vector<Matrix> &ms, bool transposed)
    {
        const int64_t inRows = ms.front().rows, inCols = ms.front().cols;
        const int64_t rows = transposed ? inCols : inRows, cols = transposed ? inRows : inCols;
        if (transposed && quantBlockElems(ms.front().type) != 1)
            throw std::runtime_error("tensor " + ggufTensorName(role, m_layer) + ": cannot transpose a block-quantized source");
        auto read = [ms, rows, transposed](int64_t r, float *dst) {
            const Matrix &m = ms[size_t(r / rows)];
            if (!transposed)
                return readMatrixRow(m, r % rows, dst);
            for (int64_t c = 0; c < m.rows; ++c)
                dst[c] = readElement(m, c, r % rows);
        };
        add(role, TensorRole::Matrix, {int64_t(ms.size()), rows, cols}, std::move(read));
    }

    void vector(const std::string &name, const std::vector<float> &v)
    {
        if (v.empty())
            return;
        auto data = std::make_shared<std::vector<float>>(v);
        auto read = [data](int64_t, float *dst) { std::copy(data->begin(), data->end(), dst); };
        m_out.push_back({name, {int64_t(v.size())}, QuantType::F32, std::move(read)});
    }
    void vector(WeightRole role, const std::vector<float> &v) { vector(ggufTensorName(role, m_layer), v); }

    std::vector<PlannedTensor> take() { return std::move(m_out); }

private:
    void add(WeightRole role, TensorRole tr, std::vector<int64_t> shape, std::function<void(int64_t, float *)> read)
    {
        const MixContext ctx{m_layer, m_c.nLayer, m_c.moe.nExpert};
        const QuantType type = quantMixType(m_mix, tr, ctx, shape.back());
        m_out.push_back({ggufTensorName(role, std::max<int64_t>(m_layer, 0)), std::move(shape), type, std::move(read)});
    }

    const ModelConfig &m_c;
    QuantMix m_mix;
    int64_t m_layer = -1;
    std::vector<PlannedTensor> m_out;
};

void planAttention(Planner &p, const ModelConfig &c, const LayerWeights &l)
{
    // GGUF llama files hold q/k permuted for interleaved RoPE (see arch/llama.cpp).
    const int64_t permute = c.family == ArchFamily::Llama ? c.headDim : 0;
    p.matrix(WeightRole::WqA, TensorRole::Matrix, l.wqA);
    p.vector(WeightRole::QANorm, l.qANorm);
    p.matrix(WeightRole::WqB, TensorRole::Matrix, l.wqB);
    p.matrix(WeightRole::Wq, TensorRole::Matrix, l.wq, permute);
    p.matrix(WeightRole::Wk, TensorRole::AttnK, l.wk, permute);
    p.matrix(WeightRole::Wv, TensorRole::AttnV, l.wv);
    p.vector(WeightRole::Bq, l.bq);
    p.vector(WeightRole::Bk, l.bk);
    p.vector(WeightRole::Bv, l.bv);
    p.vector(WeightRole::QNorm, l.qNorm);
    p.vector(WeightRole::KNorm, l.kNorm);
    p.matrix(WeightRole::WkvA, TensorRole::Matrix, l.wkvA);
    p.vector(WeightRole::KvANorm, l.kvANorm);
    if (!l.wkB.empty()) {
        p.heads(WeightRole::WkB, l.wkB, l.wkBTransposed);
        p.heads(WeightRole::WvB, l.wvB, false);
    }
    p.matrix(WeightRole::Wo, TensorRole::AttnOutput, l.wo);
}

void planFeedForward(Planner &p, const LayerWeights &l)
{
    p.vector(WeightRole::FfnNorm, l.ffnNorm);
    p.matrix(WeightRole::FfnGate, TensorRole::Matrix, l.ffnGate);
    p.matrix(WeightRole::FfnUp, TensorRole::Matrix, l.ffnUp);
    p.matrix(WeightRole::FfnDown, TensorRole::FfnDown, l.ffnDown);
    if (l.experts.empty())
        return;
    p.matrix(WeightRole::Router, TensorRole::Router, l.router);
    p.vector(WeightRole::RouterBias, l.routerBias);
    p.experts(WeightRole::ExpGateStacked, TensorRole::Matrix, l.experts, &Expert::gate);
    p.experts(WeightRole::ExpUpStacked, TensorRole::Matrix, l.experts, &Expert::up);
    p.experts(WeightRole::ExpDownStacked, TensorRole::FfnDown, l.experts, &Expert::down);
    p.matrix(WeightRole::SharedGate, TensorRole::Matrix, l.shared.gate);
    p.matrix(WeightRole::SharedUp, TensorRole::Matrix, l.shared.up);
    p.matrix(WeightRole::SharedDown, TensorRole::FfnDown, l.shared.down);
    p.vector(WeightRole::SharedGateInp, l.sharedGate);
}

} // namespace

int64_t PlannedTensor::rows() const
{
    int64_t rows = 1;
    for (size_t d = 0; d + 1 < shape.size(); ++d)
        rows *= shape[d];
    return rows;
}

uint64_t PlannedTensor::bytes() const { return uint64_t(rows()) * uint64_t(quantRowBytes(type, rowLength())); }

std::vector<PlannedTensor> planGgufTensors(const ModelConfig &c, const ModelWeights &w, QuantMix mix)
{
    Planner p(c, mix);
    p.matrix(WeightRole::TokenEmbd, TensorRole::Embedding, w.tokenEmbd);
    if (!c.rope.freqFactors.empty())
        p.vector("rope_freqs.weight", c.rope.freqFactors);
    for (int64_t il = 0; il < c.nLayer; ++il) {
        const LayerWeights &l = w.layers[size_t(il)];
        p.setLayer(il);
        p.vector(WeightRole::AttnNorm, l.attnNorm);
        planAttention(p, c, l);
        planFeedForward(p, l);
    }
    p.setLayer(-1);
    p.vector(WeightRole::OutputNorm, w.outputNorm);
    if (!c.tiedEmbeddings)
        p.matrix(WeightRole::Output, TensorRole::Output, w.output);
    return p.take();
}

} // namespace enclave
