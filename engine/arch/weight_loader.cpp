// WeightLoader: role → tensor, with shape checks and FP8 block-scale pickup.
#include "engine/arch/weight_loader.h"
#include "engine/model/printable.h"

#include "engine/quant/traits.h"

#include <stdexcept>

namespace enclave {
namespace {

std::string shapeText(const std::vector<int64_t> &shape)
{
    std::string s = "[";
    for (size_t i = 0; i < shape.size(); ++i)
        s += (i ? ", " : "") + std::to_string(shape[i]);
    return s + "]";
}

[[noreturn]] void shapeError(const TensorView &t, const std::vector<int64_t> &expected)
{
    throw std::runtime_error("tensor " + quotedName(t.name) + ": expected shape " + shapeText(expected) + ", found " +
                             shapeText(t.shape));
}

} // namespace

std::vector<float> tensorToFloats(const TensorView &t)
{
    std::vector<float> out(size_t(t.elements()));
    const auto &traits = quantTraits(t.type);
    if (!traits.dequantizeRow || t.elements() % traits.blockElems != 0)
        throw std::runtime_error("tensor " + quotedName(t.name) + ": type " + std::string(quantTypeName(t.type)) +
                                 " cannot be read as float");
    traits.dequantizeRow(t.data, out.data(), t.elements());
    return out;
}

WeightLoader::WeightLoader(const ModelFiles &files, ArchFamily family, std::deque<std::vector<float>> &owned)
    : m_files(files), m_family(family), m_gguf(files.format() == ModelFormat::Gguf), m_owned(owned)
{
}

std::string WeightLoader::name(WeightRole role, int64_t layer, int64_t expert) const
{
    return m_gguf ? ggufTensorName(role, layer) : hfTensorName(m_family, role, layer, expert);
}

bool WeightLoader::has(WeightRole role, int64_t layer, int64_t expert) const
{
    const std::string n = name(role, layer, expert);
    return !n.empty() && find(n) != nullptr;
}

Matrix WeightLoader::matrixFrom(const TensorView &t, int64_t rows, int64_t cols) const
{
    if (t.shape.size() != 2 || t.shape[0] != rows || t.shape[1] != cols)
        shapeError(t, {rows, cols});
    Matrix m;
    m.type = t.type;
    m.rows = rows;
    m.cols = cols;
    m.data = t.data;
    m.rowBytes = quantRowBytes(t.type, cols);
    if (t.type == QuantType::F8_E4M3)
        attachFp8Scales(t.name, m);
    return m;
}

void WeightLoader::attachFp8Scales(const std::string &name, Matrix &m) const
{
    const TensorView *s = find(name + "_scale_inv");
    if (!s)
        throw std::runtime_error("tensor " + quotedName(name) + ": FP8 weight without " + quotedName(name + "_scale_inv"));
    if (s->shape.size() != 2 || s->shape[0] == 0 || s->shape[1] == 0)
        shapeError(*s, {(m.rows + 127) / 128, (m.cols + 127) / 128});
    const int64_t block = (m.rows + s->shape[0] - 1) / s->shape[0];
    if ((m.rows + block - 1) / block != s->shape[0] || (m.cols + block - 1) / block != s->shape[1])
        shapeError(*s, {(m.rows + block - 1) / block, (m.cols + block - 1) / block});
    m_owned.push_back(tensorToFloats(*s));
    m.blockScales = m_owned.back().data();
    m.scaleBlock = block;
}

Matrix WeightLoader::matrix(WeightRole role, int64_t layer, int64_t rows, int64_t cols, bool required,
                            int64_t expert) const
{
    const std::string n = name(role, layer, expert);
    const TensorView *t = n.empty() ? nullptr : find(n);
    if (!t) {
        if (required)
            throw std::runtime_error("missing tensor " + (n.empty() ? std::string("(no name in this format)") : quotedName(n)));
        return {};
    }
    return matrixFrom(*t, rows, cols);
}

std::vector<Matrix> WeightLoader::stacked(WeightRole role, int64_t layer, int64_t count, int64_t rows,
                                          int64_t cols) const
{
    const std::string n = name(role, layer);
    const TensorView *t = n.empty() ? nullptr : find(n);
    if (!t)
        throw std::runtime_error("missing tensor " + quotedName(n));
    if (t->shape.size() != 3 || t->shape[0] != count || t->shape[1] != rows || t->shape[2] != cols)
        shapeError(*t, {count, rows, cols});
    std::vector<Matrix> out(static_cast<size_t>(count));
    const int64_t rowBytes = quantRowBytes(t->type, cols);
    for (int64_t i = 0; i < count; ++i)
        out[size_t(i)] = Matrix{t->type, rows, cols, t->data + i * rows * rowBytes, rowBytes, nullptr, 0};
    return out;
}

std::vector<float> WeightLoader::vector(WeightRole role, int64_t layer, int64_t n, bool required) const
{
    const std::string tn = name(role, layer);
    const TensorView *t = tn.empty() ? nullptr : find(tn);
    if (!t) {
        if (required)
            throw std::runtime_error("missing tensor " + quotedName(tn));
        return {};
    }
    if (t->elements() != n)
        shapeError(*t, {n});
    return tensorToFloats(*t);
}

std::vector<Expert> WeightLoader::experts(int64_t layer, int64_t nExpert, int64_t nFf, int64_t nEmbd) const
{
    std::vector<Expert> out(static_cast<size_t>(nExpert));
    if (m_gguf) {
        const auto gate = stacked(WeightRole::ExpGateStacked, layer, nExpert, nFf, nEmbd);
        const auto up = stacked(WeightRole::ExpUpStacked, layer, nExpert, nFf, nEmbd);
        const auto down = stacked(WeightRole::ExpDownStacked, layer, nExpert, nEmbd, nFf);
        for (int64_t e = 0; e < nExpert; ++e)
            out[size_t(e)] = Expert{gate[size_t(e)], up[size_t(e)], down[size_t(e)]};
        return out;
    }
    for (int64_t e = 0; e < nExpert; ++e) {
        out[size_t(e)].gate = matrix(WeightRole::ExpGate, layer, nFf, nEmbd, true, e);
        out[size_t(e)].up = matrix(WeightRole::ExpUp, layer, nFf, nEmbd, true, e);
        out[size_t(e)].down = matrix(WeightRole::ExpDown, layer, nEmbd, nFf, true, e);
    }
    return out;
}

} // namespace enclave
