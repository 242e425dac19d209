// CudaEvaluator: a sequence evaluated on an NVIDIA GPU with the experts that do not fit computed
// on the CPU. Everything but the routed experts lives in VRAM (weights in their file's format, the
// float32 KV cache); the routed experts fill the rest of the VRAM budget. Per MoE layer and token
// the GPU computes the selected experts it holds while the CPU computes the others from the mapped
// file; the CPU's partial sum is added on the GPU. With every expert resident and nothing
// observing the routing, a decode step runs without the host in the loop until the logits.
#pragma once

#include "cuda/cublas_gemm.h"
#include "cuda/cuda_matvec.h"
#include "cuda/device_model.h"
#include "cuda/expert_store.h"
#include "engine/backend.h"
#include "engine/moe/cost_model.h"
#include "engine/runtime/ops.h"

#include <memory>
#include <string>
#include <vector>
#include <cuda_runtime.h>

namespace enclave {
namespace moe {
class ExpertCache;
class ExpertScheduler;
class ExpertUsage;
struct ExpertSplit;
}
}

namespace enclave::cuda {

// What the planner decided from the budget.
struct CudaPlan {
    int64_t budgetBytes = 0;
    int64_t baseBytes = 0;      // weights other than routed experts + KV cache + scratch
    int64_t slotBytes = 0;
    int64_t slots = 0;          // routed experts that fit
    int64_t totalExperts = 0;
    std::string summary;        // one line: what went where
};

class CudaEvaluator final : public Evaluator {
public:
    // Throws (CudaError / std::runtime_error) when there is no usable device or the non-expert part
    // does not fit the budget; nothing stays allocated then.
    CudaEvaluator(const Model &model, int64_t contextLength, ThreadPool &pool, const BackendOptions &options);
    ~CudaEvaluator() override;

    const Model &model() const override { return m_model; }
    int64_t position() const override { return m_position; }
    int64_t capacity() const override { return m_capacity; }
    void truncate(int64_t n) override;
    void setPrecision(MatmulPrecision precision) override { m_precision = precision; }
    void evaluate(std::span<const int32_t> tokens, float *allLogits, float *lastLogits = nullptr) override;
    void setRoutingHook(moe::RoutingHook *hook) override { m_hook = hook; }
    std::string deviceName() const override { return m_deviceName; }
    EvaluatorStats stats() const override;
    void saveProfile() override;
    DeviceBandwidth measureDeviceBandwidth() override;
    std::string describePlacement() const override { return m_plan.summary; }
    const CudaPlan &plan() const { return m_plan; }

private:
    template <class T>
    T *scratch(size_t count);
    template <class T>
    T *pinned(size_t count);
    void allocateScratch();
    void forwardChunk(std::span<const int32_t> tokens, float *allLogits, float *lastLogits);
    void attention(int64_t layer, int64_t n);
    void latentAttention(int64_t layer, int64_t n);
    void feedForward(int64_t layer, int64_t n);
    void denseFfn(const DeviceMatrix &gate, const DeviceMatrix &up, const DeviceMatrix &down, const float *x, int64_t n,
                  float *out);
    void moeFfn(int64_t layer, int64_t n);
    bool moeOnDeviceOnly(int64_t layer, int64_t n) const;
    void moeDecodeOnDevice(int64_t layer, int64_t n);
    void moeWithHost(int64_t layer, int64_t n);
    // Runs one expert over its rows of the chunk (ids/weights staged at `offset`) from `slot`, or
    // streamed in for this chunk when slot < 0.
    void runExpertOnDevice(int64_t layer, int64_t expert, int64_t slot, int64_t rows, int64_t offset);
    void matmul(const DeviceMatrix &w, const float *x, int64_t n, float *y);
    void projectLogits(int64_t n, float *allLogits, float *lastLogits);
    void flushObservedRouting();
    void forwardChunkChecked(std::span<const int32_t> tokens, float *allLogits, float *lastLogits);
    int64_t attentionScratchNeeded() const;
    void measureRates();

    // Owns the stream; declared before everything that enqueues on it, so destroyed after them.
    struct StreamOwner {
        cudaStream_t stream = nullptr;
        ~StreamOwner();
    };
    struct PinnedFree {
        void operator()(void *p) const;
    };

    const Model &m_model;
    const ModelConfig &m_config;
    ThreadPool &m_pool;
    BackendOptions m_options;
    MatmulPrecision m_precision;
    moe::RoutingHook *m_hook = nullptr;
    std::string m_deviceName;
    CudaPlan m_plan;
    int64_t m_capacity = 0, m_position = 0;
    int64_t m_maxChunk = 256;
    RopeTables m_rope;
    StreamOwner m_streamOwner;
    cudaStream_t m_stream = nullptr;
    std::vector<std::unique_ptr<void, PinnedFree>> m_pinned;

    std::unique_ptr<DeviceModel> m_weights;
    std::unique_ptr<ExpertStore> m_experts;
    std::unique_ptr<moe::ExpertCache> m_cache;         // partial residency only
    std::unique_ptr<moe::ExpertScheduler> m_scheduler; // idem
    std::unique_ptr<moe::ExpertSplit> m_split;
    int64_t m_token = -1; // scheduler clock: one tick per evaluated chunk
    std::unique_ptr<moe::ExpertUsage> m_usage;
    std::unique_ptr<CublasGemm> m_gemm; // created once the device is selected
    bool m_gpuExperts = false;          // the GPU kernels read the experts' format
    moe::DeviceRates m_rates;           // measured at start-up: where a prompt runs a missing expert
    moe::ExpertShape m_expertShape;
    std::vector<CudaBuffer> m_kv;       // per layer: k then v (MLA: latent then rope)
    std::vector<CudaBuffer> m_buffers;  // scratch
    CudaBuffer m_streamed;              // an expert copied in for one prompt chunk only
    uint8_t *m_streamStaging[2] = {nullptr, nullptr}; // pinned: packed expert on its way to m_streamed
    std::vector<std::unique_ptr<CUevent_st, cudaError_t (*)(cudaEvent_t)>> m_streamFree; // staging reusable
    int m_streamNext = 0;
    struct Scratch {
        float *residual, *normed, *attnOut, *q, *k, *v, *heads, *qa, *kvA, *qLatent, *qRope, *latentOut;
        float *ffnOut, *gate, *up, *routerLogits, *expertWeights, *expertY, *attnScratch, *tile, *logits, *cos, *sin;
        float *gathered, *partial, *rowWeights;
        int32_t *tokenIds, *expertIds, *headIds, *rowIds;
        int64_t tileFloats, attnScratchFloats, logitRows;
    } m_s{};
    // Pinned host staging.
    struct Pinned {
        int32_t *tokenIds, *expertIds, *rowIds, *observedIds;
        float *cos, *sin, *routerLogits, *normed, *partial, *expertWeights, *rowWeights;
    } m_h{};
    std::vector<std::pair<int64_t, int64_t>> m_observed; // (layer, position) of ids copied to m_h.observedIds

    int64_t m_expertComputations = 0, m_expertsOnGpu = 0, m_expertsStreamed = 0;
};

} // namespace enclave::cuda
