// Expert slots, their device tables, and the copier thread (see expert_store.h).
#include "cuda/expert_store.h"

#include "cuda/cuda_check.h"
#include "cuda/device_model.h"
#include "cuda/moe_kernels.cuh"

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

ExpertStore::ExpertStore(const Model &model, int64_t slots, cudaStream_t stream)
    : m_model(model), m_nLayer(model.config().nLayer), m_nExpert(model.config().moe.nExpert), m_slots(slots),
      m_slotBytes(slotBytes(model)), m_stream(stream)
{
    for (const LayerWeights &l : model.weights().layers) {
        const int64_t up = l.experts.empty() ? 0 : aligned(packedBytes(l.experts.front().gate));
        m_upOffset.push_back(up);
        m_downOffset.push_back(l.experts.empty() ? 0 : up + aligned(packedBytes(l.experts.front().up)));
    }
    m_ready.assign(size_t(m_nLayer * m_nExpert), 0);
    m_slotOf.assign(size_t(m_nLayer * m_nExpert), -1);
    m_readyInLayer.assign(size_t(m_nLayer), 0);
    const size_t tableBytes = size_t(std::max<int64_t>(1, m_nLayer * 3 * m_nExpert)) * sizeof(void *);
    m_tableMemory = CudaBuffer(tableBytes);
    CUDA_CHECK(cudaMemset(m_tableMemory.data(), 0, tableBytes));
    m_tables = m_tableMemory.as<const void *>();
    if (m_slots > 0)
        m_slotMemory = CudaBuffer(size_t(m_slots * m_slotBytes));
    for (int64_t s = 0; s < m_slots; ++s) {
        SlotState &st = m_slotState.emplace_back();
        CUDA_CHECK(cudaEventCreateWithFlags(&st.freed, cudaEventDisableTiming));
        CUDA_CHECK(cudaEventCreateWithFlags(&st.loaded, cudaEventDisableTiming));
        CUDA_CHECK(cudaEventRecord(st.freed, m_stream));
    }
    CUDA_CHECK(cudaStreamCreateWithFlags(&m_copyStream, cudaStreamNonBlocking));
    for (int i = 0; i < 2; ++i) {
        if (m_slots > 0)
            CUDA_CHECK(cudaHostAlloc(reinterpret_cast<void **>(&m_staging[i]), size_t(m_slotBytes), cudaHostAllocDefault));
        CUDA_CHECK(cudaEventCreateWithFlags(&m_stagingFree[i], cudaEventDisableTiming));
        CUDA_CHECK(cudaEventRecord(m_stagingFree[i], m_copyStream));
    }
    if (m_slots > 0)
        m_copier = std::thread([this] { copierLoop(); });
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
    for (SlotState &st : m_slotState) {
        cudaEventDestroy(st.freed);
        cudaEventDestroy(st.loaded);
    }
    for (int i = 0; i < 2; ++i) {
        if (m_staging[i])
            cudaFreeHost(m_staging[i]);
        if (m_stagingFree[i])
            cudaEventDestroy(m_stagingFree[i]);
    }
    if (m_copyStream)
        cudaStreamDestroy(m_copyStream);
}

const void *ExpertStore::gateIn(int64_t slot, int64_t) const
{
    return m_slotMemory.as<uint8_t>() + slot * m_slotBytes;
}

const void *ExpertStore::upIn(int64_t slot, int64_t layer) const
{
    return m_slotMemory.as<uint8_t>() + slot * m_slotBytes + m_upOffset[size_t(layer)];
}

const void *ExpertStore::downIn(int64_t slot, int64_t layer) const
{
    return m_slotMemory.as<uint8_t>() + slot * m_slotBytes + m_downOffset[size_t(layer)];
}

void ExpertStore::stage(const Job &job, uint8_t *staging) const
{
    const Expert &e = m_model.weights().layers[size_t(job.layer)].experts[size_t(job.expert)];
    packRows(e.gate, staging);
    packRows(e.up, staging + m_upOffset[size_t(job.layer)]);
    packRows(e.down, staging + m_downOffset[size_t(job.layer)]);
}

void ExpertStore::loadNow(int64_t slot, int64_t layer, int64_t expert)
{
    SlotState &st = m_slotState[size_t(slot)];
    st.layer = layer;
    st.expert = expert;
    std::vector<uint8_t> staging(static_cast<size_t>(m_slotBytes));
    stage({slot, layer, expert}, staging.data());
    CUDA_CHECK(cudaMemcpyAsync(m_slotMemory.as<uint8_t>() + slot * m_slotBytes, staging.data(), size_t(m_slotBytes),
                               cudaMemcpyHostToDevice, m_stream));
    CUDA_CHECK(cudaStreamSynchronize(m_stream));
    publish(slot);
}

void ExpertStore::evict(int64_t slot)
{
    SlotState &st = m_slotState[size_t(slot)];
    if (st.loading) { // rare: evicting an expert still being copied in — let the copy land first
        while (!st.copyQueued.load(std::memory_order_acquire))
            std::this_thread::yield();
        CUDA_CHECK(cudaEventSynchronize(st.loaded));
        poll();
    }
    if (st.layer >= 0 && ready(st.layer, st.expert)) {
        PointerUpdates u;
        for (int m = 0; m < 3; ++m) {
            u.where[u.count] = const_cast<const void **>(m_tables + (st.layer * 3 + m) * m_nExpert + st.expert);
            u.value[u.count++] = nullptr;
        }
        launchSetPointers(u, m_stream);
        m_ready[size_t(st.layer * m_nExpert + st.expert)] = 0;
        m_slotOf[size_t(st.layer * m_nExpert + st.expert)] = -1;
        --m_readyInLayer[size_t(st.layer)];
        --m_readyCount;
    }
    st.layer = st.expert = -1;
    CUDA_CHECK(cudaEventRecord(st.freed, m_stream));
}

void ExpertStore::loadAsync(int64_t slot, int64_t layer, int64_t expert)
{
    SlotState &st = m_slotState[size_t(slot)];
    st.layer = layer;
    st.expert = expert;
    st.loading = true;
    st.copyQueued.store(false, std::memory_order_relaxed);
    ++m_loadsInFlight;
    {
        std::lock_guard lock(m_mutex);
        m_jobs.push_back({slot, layer, expert});
    }
    m_wake.notify_one();
}

void ExpertStore::copierLoop()
{
    CUDA_CHECK(cudaSetDevice([] {
        int d = 0;
        cudaGetDevice(&d);
        return d;
    }()));
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
        SlotState &st = m_slotState[size_t(job.slot)];
        cudaError_t status = cudaEventSynchronize(m_stagingFree[next]);
        if (status == cudaSuccess) {
            stage(job, m_staging[next]);
            status = cudaStreamWaitEvent(m_copyStream, st.freed, 0);
        }
        if (status == cudaSuccess)
            status = cudaMemcpyAsync(m_slotMemory.as<uint8_t>() + job.slot * m_slotBytes, m_staging[next],
                                     size_t(m_slotBytes), cudaMemcpyHostToDevice, m_copyStream);
        if (status == cudaSuccess)
            status = cudaEventRecord(m_stagingFree[next], m_copyStream);
        if (status == cudaSuccess)
            status = cudaEventRecord(st.loaded, m_copyStream);
        if (status != cudaSuccess)
            m_copyError.store(status); // the main thread throws it at its next poll()
        st.copyQueued.store(true, std::memory_order_release);
        next ^= 1;
    }
}

void ExpertStore::publish(int64_t slot)
{
    SlotState &st = m_slotState[size_t(slot)];
    PointerUpdates u;
    const void *values[3] = {gateIn(slot, st.layer), upIn(slot, st.layer), downIn(slot, st.layer)};
    for (int m = 0; m < 3; ++m) {
        u.where[u.count] = const_cast<const void **>(m_tables + (st.layer * 3 + m) * m_nExpert + st.expert);
        u.value[u.count++] = values[m];
    }
    launchSetPointers(u, m_stream);
    m_ready[size_t(st.layer * m_nExpert + st.expert)] = 1;
    m_slotOf[size_t(st.layer * m_nExpert + st.expert)] = slot;
    ++m_readyInLayer[size_t(st.layer)];
    ++m_readyCount;
    if (st.loading) {
        st.loading = false;
        --m_loadsInFlight;
        ++m_copies;
    }
}

void ExpertStore::poll()
{
    if (const cudaError_t failed = m_copyError.load(); failed != cudaSuccess)
        throwCudaError(failed, "copying an expert into VRAM", __FILE__, __LINE__);
    if (m_loadsInFlight == 0)
        return;
    for (int64_t s = 0; s < m_slots; ++s) {
        SlotState &st = m_slotState[size_t(s)];
        if (!st.loading || !st.copyQueued.load(std::memory_order_acquire))
            continue;
        const cudaError_t status = cudaEventQuery(st.loaded);
        if (status == cudaErrorNotReady)
            continue;
        CUDA_CHECK(status);
        publish(s);
    }
}

void ExpertStore::drain()
{
    while (m_loadsInFlight > 0) {
        for (SlotState &st : m_slotState)
            if (st.loading) {
                while (!st.copyQueued.load(std::memory_order_acquire))
                    std::this_thread::yield();
                CUDA_CHECK(cudaEventSynchronize(st.loaded));
            }
        poll();
    }
}

} // namespace enclave::cuda
