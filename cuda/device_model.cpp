// Uploading the non-expert weights: one device buffer per tensor, packed rows.
#include "cuda/device_model.h"

#include "cuda/cuda_check.h"
#include "cuda/quant_matvec.cuh"
#include "engine/runtime/ops.h"

namespace enclave::cuda {
namespace {

int64_t vectorBytes(const std::vector<float> &v) { return v.empty() ? 0 : int64_t(v.size() * sizeof(float)); }

// Device buffers are 256-byte aligned; count what each allocation really takes.
int64_t rounded(int64_t bytes) { return (bytes + 255) / 256 * 256; }

} // namespace

bool deviceReadsAsStored(const Matrix &m) { return !m.blockScales && quantMatvecSupports(m.type); }

int64_t deviceMatrixBytes(const Matrix &m)
{
    if (!m.present())
        return 0;
    return m.rows * (deviceReadsAsStored(m) ? quantRowBytes(m.type, m.cols) : m.cols * int64_t(sizeof(float)));
}

int64_t DeviceModel::bytesNeeded(const Model &model)
{
    const ModelWeights &w = model.weights();
    int64_t total = rounded(deviceMatrixBytes(w.tokenEmbd)) + rounded(vectorBytes(w.outputNorm));
    if (w.output.data != w.tokenEmbd.data)
        total += rounded(deviceMatrixBytes(w.output));
    for (const LayerWeights &l : w.layers) {
        for (const Matrix *m : {&l.wq, &l.wk, &l.wv, &l.wo, &l.wqA, &l.wqB, &l.wkvA, &l.ffnGate, &l.ffnUp, &l.ffnDown,
                                &l.router, &l.shared.gate, &l.shared.up, &l.shared.down})
            total += rounded(deviceMatrixBytes(*m));
        for (const std::vector<float> *v : {&l.attnNorm, &l.ffnNorm, &l.bq, &l.bk, &l.bv, &l.qNorm, &l.kNorm, &l.qANorm,
                                            &l.kvANorm, &l.routerBias, &l.sharedGate})
            total += rounded(vectorBytes(*v));
        for (const std::vector<Matrix> *heads : {&l.wkB, &l.wvB}) {
            if (heads->empty())
                continue;
            total += rounded(int64_t(heads->size() * sizeof(void *)));
            for (const Matrix &h : *heads) {
                // A transposed k_b is stored dequantized (float32) after transposing.
                const bool asStored = deviceReadsAsStored(h) && !(heads == &l.wkB && l.wkBTransposed);
                total += rounded(asStored ? deviceMatrixBytes(h) : h.rows * h.cols * int64_t(sizeof(float)));
            }
        }
    }
    return total;
}

DeviceModel::DeviceModel(const Model &model)
{
    const ModelWeights &w = model.weights();
    m_tokenEmbd = upload(w.tokenEmbd);
    m_output = upload(w.output);
    m_outputNorm = upload(w.outputNorm);
    for (const LayerWeights &l : w.layers) {
        DeviceLayer d;
        d.attnNorm = upload(l.attnNorm);
        d.ffnNorm = upload(l.ffnNorm);
        d.wq = upload(l.wq);
        d.wk = upload(l.wk);
        d.wv = upload(l.wv);
        d.wo = upload(l.wo);
        d.bq = upload(l.bq);
        d.bk = upload(l.bk);
        d.bv = upload(l.bv);
        d.qNorm = upload(l.qNorm);
        d.kNorm = upload(l.kNorm);
        d.wqA = upload(l.wqA);
        d.wqB = upload(l.wqB);
        d.wkvA = upload(l.wkvA);
        d.qANorm = upload(l.qANorm);
        d.kvANorm = upload(l.kvANorm);
        d.wkB = uploadHeads(l.wkB, l.wkBTransposed, d.wkBType);
        d.wvB = uploadHeads(l.wvB, false, d.wvBType);
        d.ffnGate = upload(l.ffnGate);
        d.ffnUp = upload(l.ffnUp);
        d.ffnDown = upload(l.ffnDown);
        d.router = upload(l.router);
        d.routerBias = upload(l.routerBias);
        d.sharedGate = upload(l.shared.gate);
        d.sharedUp = upload(l.shared.up);
        d.sharedDown = upload(l.shared.down);
        d.sharedExpertGate = upload(l.sharedGate);
        m_layers.push_back(d);
    }
}

void *DeviceModel::allocate(size_t bytes)
{
    m_buffers.emplace_back(bytes);
    m_bytes += rounded(int64_t(bytes));
    return m_buffers.back().data();
}

DeviceMatrix DeviceModel::upload(const Matrix &m)
{
    if (!m.present())
        return {};
    if (auto it = m_uploaded.find(m.data); it != m_uploaded.end())
        return it->second;
    DeviceMatrix d{m.type, m.rows, m.cols, 0, nullptr};
    if (deviceReadsAsStored(m)) {
        d.rowBytes = quantRowBytes(m.type, m.cols);
        void *dst = allocate(size_t(m.rows * d.rowBytes));
        CUDA_CHECK(cudaMemcpy2D(dst, size_t(d.rowBytes), m.data, size_t(m.rowBytes), size_t(d.rowBytes), size_t(m.rows),
                                cudaMemcpyHostToDevice));
        d.data = dst;
    } else {
        d.type = QuantType::F32;
        d.rowBytes = m.cols * int64_t(sizeof(float));
        auto *dst = static_cast<uint8_t *>(allocate(size_t(m.rows * d.rowBytes)));
        std::vector<float> rows;
        const int64_t perChunk = std::max<int64_t>(1, (int64_t(16) << 20) / d.rowBytes);
        for (int64_t r0 = 0; r0 < m.rows; r0 += perChunk) {
            const int64_t count = std::min(perChunk, m.rows - r0);
            rows.resize(size_t(count * m.cols));
            for (int64_t r = 0; r < count; ++r)
                dequantizeMatrixRow(m, r0 + r, rows.data() + r * m.cols);
            CUDA_CHECK(cudaMemcpy(dst + r0 * d.rowBytes, rows.data(), size_t(count * d.rowBytes), cudaMemcpyHostToDevice));
        }
        d.data = dst;
    }
    m_uploaded.emplace(m.data, d);
    return d;
}

const float *DeviceModel::upload(const std::vector<float> &v)
{
    if (v.empty())
        return nullptr;
    void *dst = allocate(v.size() * sizeof(float));
    CUDA_CHECK(cudaMemcpy(dst, v.data(), v.size() * sizeof(float), cudaMemcpyHostToDevice));
    return static_cast<const float *>(dst);
}

const void *const *DeviceModel::uploadHeads(const std::vector<Matrix> &heads, bool transposed, QuantType &type)
{
    if (heads.empty())
        return nullptr;
    std::vector<const void *> pointers;
    for (const Matrix &h : heads) {
        if (!transposed) {
            const DeviceMatrix d = upload(h);
            type = d.type;
            pointers.push_back(d.data);
            continue;
        }
        // Stored [nope, rank] (a slice of kv_b_proj): the kernels want [rank, nope], as float32.
        std::vector<float> stored(size_t(h.rows * h.cols)), flipped(stored.size());
        for (int64_t r = 0; r < h.rows; ++r)
            dequantizeMatrixRow(h, r, stored.data() + r * h.cols);
        for (int64_t r = 0; r < h.rows; ++r)
            for (int64_t c = 0; c < h.cols; ++c)
                flipped[size_t(c * h.rows + r)] = stored[size_t(r * h.cols + c)];
        void *dst = allocate(flipped.size() * sizeof(float));
        CUDA_CHECK(cudaMemcpy(dst, flipped.data(), flipped.size() * sizeof(float), cudaMemcpyHostToDevice));
        type = QuantType::F32;
        pointers.push_back(dst);
    }
    void *table = allocate(pointers.size() * sizeof(void *));
    CUDA_CHECK(cudaMemcpy(table, pointers.data(), pointers.size() * sizeof(void *), cudaMemcpyHostToDevice));
    return static_cast<const void *const *>(table);
}

} // namespace enclave::cuda
