// ExpertStore: the VRAM slots that hold routed experts, and the copies that fill them. It is the
// CUDA side of moe::ExpertCopier: the ExpertScheduler decides which expert goes into which slot
// and when a slot is no longer read; the store copies — a copier thread stages the expert's rows
// in pinned memory and copies them on a side stream, so generation never waits for a miss.
//
// The expert kernels find weights through device tables of pointers, indexed by what the
// evaluator passes as ids:
//   - slot tables, per MoE layer and matrix: [slots + 1] pointers into the slots (constant);
//     entry `nullSlot()` is null, so a routed expert computed elsewhere is skipped;
//   - expert tables, per MoE layer and matrix: [nExpert] pointers, valid once every expert of
//     the model is resident (publishAllResident), so routing on the GPU can index them directly.
#pragma once

#include "cuda/cuda_matvec.h"
#include "engine/moe/expert_copier.h"
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

class ExpertStore final : public moe::ExpertCopier {
public:
    // Device bytes of one slot (the largest expert of any MoE layer: gate + up + down, aligned).
    static int64_t slotBytes(const Model &model);
    // Whether the GPU kernels read the model's expert formats (else every expert stays on the CPU).
    static bool expertsSupported(const Model &model);

    ExpertStore(const Model &model, int64_t slots);
    ~ExpertStore() override;
    ExpertStore(const ExpertStore &) = delete;
    ExpertStore &operator=(const ExpertStore &) = delete;

    int64_t slots() const { return m_slots; }
    int32_t nullSlot() const { return int32_t(m_slots); }
    // matrix: 0 gate, 1 up, 2 down.
    const void *const *slotTable(int64_t layer, int matrix) const
    {
        return m_slotTables.as<const void *>() + (layer * 3 + matrix) * (m_slots + 1);
    }
    const void *const *expertTable(int64_t layer, int matrix) const
    {
        return m_expertTables.as<const void *>() + (layer * 3 + matrix) * m_nExpert;
    }
    bool allResident() const { return m_allResident; }
    // With every expert resident: the slot holding it.
    int64_t residentSlot(int64_t layer, int64_t expert) const { return m_residentSlot[size_t(layer * m_nExpert + expert)]; }

    // Device pointers of an expert's three matrices in `slot` (the layout depends on the layer).
    const void *gateIn(int64_t slot) const { return slotBase(slot); }
    const void *upIn(int64_t slot, int64_t layer) const { return slotBase(slot) + m_upOffset[size_t(layer)]; }
    const void *downIn(int64_t slot, int64_t layer) const { return slotBase(slot) + m_downOffset[size_t(layer)]; }
    int64_t upOffset(int64_t layer) const { return m_upOffset[size_t(layer)]; }
    int64_t downOffset(int64_t layer) const { return m_downOffset[size_t(layer)]; }

    // Packs an expert's three matrices into host memory laid out as a slot (slotBytes).
    void packExpert(int64_t layer, int64_t expert, uint8_t *dst) const { stage(layer, expert, dst); }
    // Copies an expert into a slot now, synchronously (start-up).
    void loadNow(int64_t slot, int64_t layer, int64_t expert);
    // With every expert of the model in a slot (slotOfExpert[layer * nExpert + e]), fills the expert tables.
    void publishAllResident(const std::vector<int64_t> &slotOfExpert);

    // moe::ExpertCopier: asynchronous copy into a slot nothing reads any more.
    void startCopy(int32_t slot, moe::ExpertId expert) override;
    bool copyFinished(int32_t slot) override;
    // Blocks until every started copy has landed; throws a copy's CUDA error.
    void drain();
    int64_t copies() const { return m_copies; }

private:
    struct Job {
        int64_t slot, layer, expert;
        uint64_t ticket;
    };
    struct SlotCopy {
        cudaEvent_t done = nullptr;
        std::atomic<uint64_t> queued{0}; // ticket of the last copy the copier has enqueued
        uint64_t started = 0;            // ticket of the last copy asked for (main thread)
    };
    const uint8_t *slotBase(int64_t slot) const { return m_slotMemory.as<uint8_t>() + slot * m_slotBytes; }
    void stage(int64_t layer, int64_t expert, uint8_t *staging) const;
    void copierLoop(int device);
    void throwIfFailed() const;

    const Model &m_model;
    int64_t m_nLayer = 0, m_nExpert = 0, m_slots = 0, m_slotBytes = 0;
    std::vector<int64_t> m_upOffset, m_downOffset; // per layer, within a slot
    cudaStream_t m_copyStream = nullptr;
    CudaBuffer m_slotMemory, m_slotTables, m_expertTables;
    bool m_allResident = false;
    std::vector<int64_t> m_residentSlot;
    std::deque<SlotCopy> m_slotCopies;
    int64_t m_copies = 0;

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
