// DeviceModel: the weights a GPU evaluator keeps in VRAM whatever the budget — embeddings, norms,
// attention, routers, dense and shared FFNs, the output head — in their file's quantized format.
// A format the GPU kernels do not read (or FP8 with block scales) is uploaded dequantized to
// float32: the same values, more bytes. Experts are not here: ExpertStore places them.
#pragma once

#include "cuda/cuda_matvec.h"
#include "engine/runtime/model.h"

#include <cstdint>
#include <deque>
#include <map>
#include <vector>

namespace enclave::cuda {

// A matrix in device memory, rows packed (rowBytes = quantRowBytes(type, cols)).
struct DeviceMatrix {
    QuantType type = QuantType::F32;
    int64_t rows = 0;
    int64_t cols = 0;
    int64_t rowBytes = 0;
    const void *data = nullptr;
    bool present() const { return data != nullptr; }
};

struct DeviceLayer {
    const float *attnNorm = nullptr, *ffnNorm = nullptr;
    DeviceMatrix wq, wk, wv, wo;
    const float *bq = nullptr, *bk = nullptr, *bv = nullptr, *qNorm = nullptr, *kNorm = nullptr;
    // MLA
    DeviceMatrix wqA, wqB, wkvA;
    const float *qANorm = nullptr, *kvANorm = nullptr;
    QuantType wkBType = QuantType::F32, wvBType = QuantType::F32;
    const void *const *wkB = nullptr; // device table [nHead] of per-head [kvLoraRank, nope] matrices
    const void *const *wvB = nullptr; // device table [nHead] of per-head [vHeadDim, kvLoraRank] matrices
    // FFN
    DeviceMatrix ffnGate, ffnUp, ffnDown;
    DeviceMatrix router;
    const float *routerBias = nullptr;
    DeviceMatrix sharedGate, sharedUp, sharedDown;
    const float *sharedExpertGate = nullptr;
};

class DeviceModel {
public:
    // Bytes upload() will take (exact), for planning against the budget before allocating.
    static int64_t bytesNeeded(const Model &model);
    // Throws CudaError (out of memory included) with a message naming what did not fit.
    explicit DeviceModel(const Model &model);

    const DeviceMatrix &tokenEmbd() const { return m_tokenEmbd; }
    const DeviceMatrix &output() const { return m_output; }
    const float *outputNorm() const { return m_outputNorm; }
    const DeviceLayer &layer(int64_t i) const { return m_layers[size_t(i)]; }
    int64_t bytes() const { return m_bytes; }

private:
    DeviceMatrix upload(const Matrix &m);
    const float *upload(const std::vector<float> &v);
    const void *const *uploadHeads(const std::vector<Matrix> &heads, bool transposed, QuantType &type);
    void *allocate(size_t bytes);

    std::deque<CudaBuffer> m_buffers;
    std::map<const uint8_t *, DeviceMatrix> m_uploaded; // host data → device copy (tied embeddings)
    DeviceMatrix m_tokenEmbd, m_output;
    const float *m_outputNorm = nullptr;
    std::vector<DeviceLayer> m_layers;
    int64_t m_bytes = 0;
};

// Whether the GPU kernels read this matrix as stored (else it is uploaded as float32).
bool deviceReadsAsStored(const Matrix &m);
// Device bytes of one matrix as DeviceModel/ExpertStore store it.
int64_t deviceMatrixBytes(const Matrix &m);

} // namespace enclave::cuda
