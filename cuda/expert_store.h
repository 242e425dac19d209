// ExpertStore: the VRAM slots that hold routed experts, and the device tables the expert kernels
// read (per MoE layer: gate/up/down pointer per expert, null when the expert is not usable on the
// GPU). Slots change hands without stalling generation: an eviction nulls the table entries in
// stream order and records an event; a copier thread stages the incoming expert's rows in pinned
// memory and copies them on a side stream once that event has passed; poll() publishes finished
// copies to the tables, again in stream order. The host mirror (ready()) always says what the
// kernels enqueued next will see.
#pragma once

#include "cuda/cuda_matvec.h"
#include "engine/runtime/model.h"

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <thread>
#include <vector>
#include <cuda_runtime.h>

namespace enclave::cuda {

class ExpertStore {
public:
    // Device bytes of one slot (the largest expert of any MoE layer: gate + up + down, aligned).
    static int64_t slotBytes(const Model &model);
    // Whether the GPU kernels read the model's expert formats (else every expert stays on the CPU).
    static bool expertsSupported(const Model &model);

    ExpertStore(const Model &model, int64_t slots, cudaStream_t stream);
    ~ExpertStore();
    ExpertStore(const ExpertStore &) = delete;
    ExpertStore &operator=(const ExpertStore &) = delete;

    int64_t slots() const { return m_slots; }
    // Device tables of layer `layer` (MoE layers only): [nExpert] pointers each.
    const void *const *gateTable(int64_t layer) const { return m_tables + (layer * 3 + 0) * m_nExpert; }
    const void *const *upTable(int64_t layer) const { return m_tables + (layer * 3 + 1) * m_nExpert; }
    const void *const *downTable(int64_t layer) const { return m_tables + (layer * 3 + 2) * m_nExpert; }
    bool ready(int64_t layer, int64_t expert) const { return m_ready[size_t(layer * m_nExpert + expert)]; }
    // The slot of a ready expert (-1: not ready).
    int64_t slotOf(int64_t layer, int64_t expert) const { return m_slotOf[size_t(layer * m_nExpert + expert)]; }
    // Where up and down start within a slot of this layer (gate at 0).
    int64_t upOffset(int64_t layer) const { return m_upOffset[size_t(layer)]; }
    int64_t downOffset(int64_t layer) const { return m_downOffset[size_t(layer)]; }
    bool layerReady(int64_t layer) const { return m_readyInLayer[size_t(layer)] == m_nExpert; }
    int64_t readyCount() const { return m_readyCount; }
    bool loading() const { return m_loadsInFlight > 0; }
    int64_t copies() const { return m_copies; }

    // Device pointers of an expert's three matrices in `slot`.
    const void *gateIn(int64_t slot, int64_t layer) const;
    const void *upIn(int64_t slot, int64_t layer) const;
    const void *downIn(int64_t slot, int64_t layer) const;

    // Copies an expert into a free slot now (start-up), synchronously, and publishes it.
    void loadNow(int64_t slot, int64_t layer, int64_t expert);
    // Takes the slot's expert out of the tables (stream order); the slot may then be refilled.
    void evict(int64_t slot);
    // Starts filling `slot` (evicted or free) with an expert; usable after a later poll().
    void loadAsync(int64_t slot, int64_t layer, int64_t expert);
    // Publishes finished copies (enqueues the table writes on the stream). Cheap; call often.
    void poll();
    // Blocks until every started copy is published.
    void drain();

private:
    struct Job {
        int64_t slot, layer, expert;
    };
    struct SlotState {
        int64_t layer = -1, expert = -1;
        bool loading = false;
        std::atomic<bool> copyQueued{false}; // the copier has enqueued its copy (done event recorded)
        cudaEvent_t freed = nullptr;         // main stream passed the eviction
        cudaEvent_t loaded = nullptr;        // side stream finished the copy
    };
    void stage(const Job &job, uint8_t *staging) const;
    void copierLoop();
    void publish(int64_t slot);

    const Model &m_model;
    int64_t m_nLayer = 0, m_nExpert = 0, m_slots = 0, m_slotBytes = 0;
    std::vector<int64_t> m_upOffset, m_downOffset; // per layer, within a slot
    cudaStream_t m_stream = nullptr, m_copyStream = nullptr;
    CudaBuffer m_slotMemory, m_tableMemory;
    const void **m_tables = nullptr; // device
    std::vector<char> m_ready;
    std::vector<int64_t> m_slotOf;
    std::vector<int64_t> m_readyInLayer;
    int64_t m_readyCount = 0, m_loadsInFlight = 0, m_copies = 0;
    std::deque<SlotState> m_slotState;

    // Copier thread and its two pinned staging buffers.
    std::thread m_copier;
    std::mutex m_mutex;
    std::condition_variable m_wake;
    std::deque<Job> m_jobs;
    bool m_stop = false;
    std::atomic<cudaError_t> m_copyError{cudaSuccess};
    uint8_t *m_staging[2] = {nullptr, nullptr};
    cudaEvent_t m_stagingFree[2] = {nullptr, nullptr};
};

} // namespace enclave::cuda
