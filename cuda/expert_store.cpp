// Expert slots, their device tables, and the copier thread (see expert_store.h).
#include "cuda/expert_store.h"

#include "cuda/cuda_check.h"
#include "cuda/device_model.h"

#include <cstring>

namespace enclave::cuda {
namespace {

int64_t aligned(int64_t bytes) { return (bytes + 255) / 256 * 256; }

int64_t packedBytes(const Matrix &m) { return m.rows * quantRowBytes(m.type, m.cols); }

// Packs a matrix's rows into dst (the mapped file may space rows wider than packed).
void packRows(const Matrix &m, uint8_t *dst)
{
    const int64_t packed = quantRowBytes(m.type, m.cols);
    if (packed == m.rowBytes) {
        std::memcpy(dst, m.data, size_t(m.rows * packed));
        return;
    }
    for (int64_t r = 0; r < m.rows; ++r)
        std::memcpy(dst + r * packed, m.row(r), size_t(packed));
}

} // namespace

int64_t ExpertStore::slotBytes(const Model &model)
{
    int64_t most = 0;
    for (const LayerWeights &l : model.weights().layers)
        if (!l.experts.empty()) {
            const Expert &e = l.experts.front();
            most = std::max(most, aligned(packedBytes(e.gate)) + aligned(packedBytes(e.up)) + aligned(packedBytes(e.down)));
        }
    return most;
}

bool ExpertStore::expertsSupported(const Model &model)
{
    for (const LayerWeights &l : model.weights().layers)
        for (const Expert &e : l.experts)
            if (!deviceReadsAsStored(e.gate) || !deviceReadsAsStored(e.up) || !deviceReadsAsStored(e.down))
                return false;
    return true;
}

ExpertStore::ExpertStore(const Model &model, int64_t slots)
    : m_model(model), m_nLayer(model.config().nLayer), m_nExpert(model.config().moe.nExpert), m_slots(slots),
      m_slotBytes(slotBytes(model))
{
    for (const LayerWeights &l : model.weights().layers) {
        const int64_t up = l.experts.empty() ? 0 : aligned(packedBytes(l.experts.front().gate));
        m_upOffset.push_back(up);
        m_downOffset.push_back(l.experts.empty() ? 0 : up + aligned(packedBytes(l.experts.front().up)));
    }
    if (m_slots > 0)
        m_slotMemory = CudaBuffer(size_t(m_slots * m_slotBytes));
    // Slot tables: constant, so written once here.
    std::vector<const void *> tables(size_t(std::max<int64_t>(1, m_nLayer * 3 * (m_slots + 1))), nullptr);
    for (int64_t layer = 0; layer < m_nLayer; ++layer)
        for (int64_t s = 0; s < m_slots; ++s) {
            tables[size_t((layer * 3 + 0) * (m_slots + 1) + s)] = gateIn(s);
            tables[size_t((layer * 3 + 1) * (m_slots + 1) + s)] = upIn(s, layer);
            tables[size_t((layer * 3 + 2) * (m_slots + 1) + s)] = downIn(s, layer);
        }
    m_slotTables = CudaBuffer(tables.size() * sizeof(void *));
    m_slotTables.upload(tables.data(), tables.size() * sizeof(void *));
    const size_t expertTableBytes = size_t(std::max<int64_t>(1, m_nLayer * 3 * m_nExpert)) * sizeof(void *);
    m_expertTables = CudaBuffer(expertTableBytes);
    CUDA_CHECK(cudaMemset(m_expertTables.data(), 0, expertTableBytes));

    for (int64_t s = 0; s < m_slots; ++s)
        CUDA_CHECK(cudaEventCreateWithFlags(&m_slotCopies.emplace_back().done, cudaEventDisableTiming));
    CUDA_CHECK(cudaStreamCreateWithFlags(&m_copyStream, cudaStreamNonBlocking));
    for (int i = 0; i < 2; ++i) {
        if (m_slots > 0)
            CUDA_CHECK(cudaHostAlloc(reinterpret_cast<void **>(&m_staging[i]), size_t(m_slotBytes), cudaHostAllocDefault));
        CUDA_CHECK(cudaEventCreateWithFlags(&m_stagingFree[i], cudaEventDisableTiming));
        CUDA_CHECK(cudaEventRecord(m_stagingFree[i], m_copyStream));
    }
    int device = 0;
    CUDA_CHECK(cudaGetDevice(&device));
    if (m_slots > 0)
        m_copier = std::thread([this, device] { copierLoop(device); });
}

ExpertStore::~ExpertStore()
{
    {
        std::lock_guard lock(m_mutex);
        m_stop = true;
    }
    m_wake.notify_all();
    if (m_copier.joinable())
        m_copier.join();
    if (m_copyStream)
        cudaStreamSynchronize(m_copyStream);
    for (SlotCopy &c : m_slotCopies)
        cudaEventDestroy(c.done);
    for (int i = 0; i < 2; ++i) {
        if (m_staging[i])
            cudaFreeHost(m_staging[i]);
        if (m_stagingFree[i])
            cudaEventDestroy(m_stagingFree[i]);
    }
    if (m_copyStream)
        cudaStreamDestroy(m_copyStream);
}

void ExpertStore::stage(int64_t layer, int64_t expert, uint8_t *staging) const
{
    const Expert &e = m_model.weights().layers[size_t(layer)].experts[size_t(expert)];
    packRows(e.gate, staging);
    packRows(e.up, staging + m_upOffset[size_t(layer)]);
    packRows(e.down, staging + m_downOffset[size_t(layer)]);
}

void ExpertStore::loadNow(int64_t slot, int64_t layer, int64_t expert)
{
    std::vector<uint8_t> staging(static_cast<size_t>(m_slotBytes));
    stage(layer, expert, staging.data());
    CUDA_CHECK(cudaMemcpy(m_slotMemory.as<uint8_t>() + slot * m_slotBytes, staging.data(), size_t(m_slotBytes),
                          cudaMemcpyHostToDevice));
}

void ExpertStore::publishAllResident(const std::vector<int64_t> &slotOfExpert)
{
    std::vector<const void *> tables(size_t(std::max<int64_t>(1, m_nLayer * 3 * m_nExpert)), nullptr);
    for (int64_t layer = 0; layer < m_nLayer; ++layer)
        for (int64_t e = 0; e < m_nExpert; ++e) {
            const int64_t slot = slotOfExpert[size_t(layer * m_nExpert + e)];
            if (slot < 0)
                continue;
            tables[size_t((layer * 3 + 0) * m_nExpert + e)] = gateIn(slot);
            tables[size_t((layer * 3 + 1) * m_nExpert + e)] = upIn(slot, layer);
            tables[size_t((layer * 3 + 2) * m_nExpert + e)] = downIn(slot, layer);
        }
    m_expertTables.upload(tables.data(), tables.size() * sizeof(void *));
    m_residentSlot = slotOfExpert;
    m_allResident = true;
}

void ExpertStore::startCopy(int32_t slot, moe::ExpertId expert)
{
    throwIfFailed();
    SlotCopy &c = m_slotCopies[size_t(slot)];
    const uint64_t ticket = ++c.started;
    ++m_copies;
    {
        std::lock_guard lock(m_mutex);
        m_jobs.push_back({slot, expert.layer, expert.expert, ticket});
    }
    m_wake.notify_one();
}

bool ExpertStore::copyFinished(int32_t slot)
{
    throwIfFailed();
    SlotCopy &c = m_slotCopies[size_t(slot)];
    if (c.queued.load(std::memory_order_acquire) != c.started)
        return false; // the copier has not enqueued the latest copy yet
    throwIfFailed(); // an error stored before that ticket is visible now: never report it done
    const cudaError_t status = cudaEventQuery(c.done);
    if (status == cudaErrorNotReady)
        return false;
    CUDA_CHECK(status);
    return true;
}

void ExpertStore::drain()
{
    for (int64_t s = 0; s < m_slots; ++s) {
        SlotCopy &c = m_slotCopies[size_t(s)];
        while (c.queued.load(std::memory_order_acquire) != c.started) {
            throwIfFailed();
            std::this_thread::yield();
        }
        CUDA_CHECK(cudaEventSynchronize(c.done));
    }
    throwIfFailed();
}

void ExpertStore::throwIfFailed() const
{
    if (const cudaError_t failed = m_copyError.load(); failed != cudaSuccess)
        throwCudaError(failed, "copying an expert into VRAM", __FILE__, __LINE__);
}

void ExpertStore::copierLoop(int device)
{
    cudaError_t status = cudaSetDevice(device);
    int next = 0;
    for (;;) {
        Job job{};
        {
            std::unique_lock lock(m_mutex);
            m_wake.wait(lock, [&] { return m_stop || !m_jobs.empty(); });
            if (m_stop)
                return;
            job = m_jobs.front();
            m_jobs.pop_front();
        }
        SlotCopy &c = m_slotCopies[size_t(job.slot)];
        if (status == cudaSuccess)
            status = cudaEventSynchronize(m_stagingFree[next]); // its previous copy has been read
        if (status == cudaSuccess) {
            stage(job.layer, job.expert, m_staging[next]);
            status = cudaMemcpyAsync(m_slotMemory.as<uint8_t>() + job.slot * m_slotBytes, m_staging[next],
                                     size_t(m_slotBytes), cudaMemcpyHostToDevice, m_copyStream);
        }
        if (status == cudaSuccess)
            status = cudaEventRecord(m_stagingFree[next], m_copyStream);
        if (status == cudaSuccess)
            status = cudaEventRecord(c.done, m_copyStream);
        if (status != cudaSuccess)
            m_copyError.store(status); // thrown on the main thread at its next call
        c.queued.store(job.ticket, std::memory_order_release);
        next ^= 1;
    }
}

} // namespace enclave::cuda
