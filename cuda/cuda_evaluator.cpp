// The CUDA forward pass (see cuda_evaluator.h). Layer by layer it mirrors engine/runtime: the same
// stages, the same float32 math, so a GPU run matches the CPU reference to rounding.
#include "cuda/cuda_evaluator.h"

#include "cuda/cuda_check.h"
#include "cuda/forward_kernels.cuh"
#include "cuda/moe_kernels.cuh"
#include "cuda/quant_matvec.cuh"
#include "engine/cpu/memory_bandwidth.h"
#include "engine/cpu/thread_pool.h"
#include "engine/moe/expert_cache.h"
#include "engine/moe/expert_scheduler.h"
#include "engine/moe/expert_usage.h"
#include "engine/moe/placement.h"
#include "engine/moe/routing_hook.h"
#include "engine/runtime/experts.h"
#include "engine/runtime/model.h"

#include <algorithm>
#include <chrono>
#include <cstring>
#include <stdexcept>
#include <string>

namespace enclave::cuda {
namespace {

constexpr int64_t kMiB = int64_t(1) << 20;
// Misses copied into VRAM per MoE layer and token, on average at most: the side stream's share.
constexpr int32_t kAdmissionsPerLayer = 2;
// Dequantized weight tile for the prompt GEMM (floats).
constexpr int64_t kTileFloats = int64_t(16) << 20;
// Tokens whose logits are projected at once.
constexpr int64_t kLogitRows = 32;

// The model features the CUDA forward pass lacks, named for the fall-back message ("" if none).
std::string featuresNotOnCuda(const Model &model)
{
    const ModelConfig &c = model.config();
    const auto &layers = model.weights().layers;
    const bool routerBias = std::any_of(layers.begin(), layers.end(), [](const LayerWeights &l) { return !l.routerLogitBias.empty(); });
    std::string missing;
    auto add = [&](bool used, const char *name) {
        if (used)
            missing += (missing.empty() ? "" : ", ") + std::string(name);
    };
    add(c.attnOutputBias, "attention output bias");
    add(c.attnSinks, "attention sinks");
    add(c.slidingWindow > 0 && !c.slidingLayers.empty(), "sliding-window attention");
    add(c.moe.expertBiases, "expert biases");
    add(c.moe.activation != ExpertActivation::SwiGlu, "clamped SwiGLU");
    add(routerBias, "router bias");
    add(c.attentionChunk > 0 && !c.chunkedLayers.empty(), "chunked attention");
    add(c.nopeInterval > 0, "layers without RoPE");
    add(c.qkL2Norm, "q/k L2 norm");
    add(c.moe.interleaveStep > 1, "interleaved dense and MoE layers");
    add(c.moe.weightBeforeExpert, "routing weights on the expert input");
    add(c.hasRecurrentLayers(), "linear-attention (Gated DeltaNet) layers");
    add(c.attnOutputGate, "gated attention output");
    return missing;
}

int64_t kvFloatsPerPosition(const ModelConfig &c)
{
    if (c.isMla())
        return c.mla.kvLoraRank + c.mla.qkRopeDim;
    return c.nHeadKv * (c.headDim + c.headDimV);
}

int64_t routedExperts(const ModelConfig &c)
{
    int64_t total = 0;
    for (int64_t i = 0; i < c.nLayer; ++i)
        total += c.isMoeLayer(i) ? c.moe.nExpert : 0;
    return total;
}

std::string mib(int64_t bytes) { return std::to_string(bytes / kMiB) + " MiB"; }

} // namespace

CudaEvaluator::StreamOwner::~StreamOwner()
{
    if (stream) {
        cudaStreamSynchronize(stream);
        cudaStreamDestroy(stream);
    }
}

void CudaEvaluator::PinnedFree::operator()(void *p) const { cudaFreeHost(p); }

template <class T>
T *CudaEvaluator::scratch(size_t count)
{
    m_buffers.emplace_back(std::max<size_t>(count, 1) * sizeof(T));
    return m_buffers.back().as<T>();
}

template <class T>
T *CudaEvaluator::pinned(size_t count)
{
    void *p = nullptr;
    CUDA_CHECK(cudaHostAlloc(&p, std::max<size_t>(count, 1) * sizeof(T), cudaHostAllocDefault));
    m_pinned.emplace_back(p);
    return static_cast<T *>(p);
}

CudaEvaluator::CudaEvaluator(const Model &model, int64_t contextLength, ThreadPool &pool, const BackendOptions &options)
    : m_model(model), m_config(model.config()), m_pool(pool), m_options(options), m_precision(options.precision),
      m_rope(model.config().rope)
{
    const ModelConfig &c = m_config;
    m_capacity = contextLength > 0 ? contextLength : c.nCtxTrain;
    int devices = 0;
    if (const cudaError_t status = cudaGetDeviceCount(&devices); status != cudaSuccess || devices == 0)
        throw std::runtime_error(std::string("no usable NVIDIA GPU (") +
                                 (status != cudaSuccess ? cudaGetErrorString(status) : "none found") + ")");
    if (options.device < 0 || options.device >= devices)
        throw std::runtime_error("GPU " + std::to_string(options.device) + " does not exist (" +
                                 std::to_string(devices) + " found)");
    if (const std::string missing = featuresNotOnCuda(model); !missing.empty())
        throw std::runtime_error("the CUDA backend does not run this model's " + missing + " yet");
    CUDA_CHECK(cudaSetDevice(options.device));
    m_gemm = std::make_unique<CublasGemm>(); // its handle belongs to the device selected now
    // The per-head MLA matvecs launch one job per token and head (at most 65535 per launch).
    if (c.isMla())
        m_maxChunk = std::clamp<int64_t>(65535 / std::max<int64_t>(c.nHead, 1), 1, m_maxChunk);
    cudaDeviceProp prop{};
    CUDA_CHECK(cudaGetDeviceProperties(&prop, options.device));
    size_t freeBytes = 0, totalBytes = 0;
    CUDA_CHECK(cudaMemGetInfo(&freeBytes, &totalBytes));

    // The budget, and what must fit in it before any expert does.
    const int64_t margin = std::max<int64_t>(512 * kMiB, int64_t(totalBytes) / 20);
    const int64_t usable = int64_t(freeBytes) - margin;
    m_plan.budgetBytes = options.vramBudgetBytes < 0 ? usable : std::min(options.vramBudgetBytes, usable);
    const int64_t N = m_maxChunk;
    const int64_t d = c.nEmbd, k = std::max<int64_t>(c.moe.nExpertUsed, 1);
    const int64_t ff = std::max({c.nFf, c.moe.nFfShared, c.moe.nFfExpert, int64_t(1)});
    const int64_t heads = c.nHead * std::max(c.headDimV, c.mla.vHeadDim);
    const int64_t qWidth = c.nHead * c.headDim;
    const int64_t attnScratch = attentionScratchNeeded();
    const int64_t scratchFloats = 6 * N * d + N * qWidth + 2 * N * c.nHeadKv * std::max(c.headDim, c.headDimV) +
                                  N * heads + N * (c.mla.qLoraRank + c.mla.kvLoraRank + c.mla.qkRopeDim) +
                                  2 * N * c.nHead * (c.mla.kvLoraRank + c.mla.qkRopeDim) + 2 * N * ff +
                                  N * std::max<int64_t>(c.moe.nExpert, 1) + std::max(8 * k, N) * d + attnScratch +
                                  kTileFloats + kLogitRows * c.nVocab + 8 * N * k + N * c.nHead;
    const int64_t kvBytes = c.nLayer * m_capacity * kvFloatsPerPosition(c) * int64_t(sizeof(float));
    m_plan.totalExperts = routedExperts(c);
    m_plan.slotBytes = ExpertStore::slotBytes(model);
    m_gpuExperts = m_plan.totalExperts > 0 && ExpertStore::expertsSupported(model) && m_plan.slotBytes > 0;
    moe::PlacementInput placement;
    placement.vramBudget = uint64_t(std::max<int64_t>(m_plan.budgetBytes, 0));
    placement.baseBytes = uint64_t(DeviceModel::bytesNeeded(model));
    placement.kvCacheBytes = uint64_t(kvBytes);
    placement.scratchBytes = uint64_t(scratchFloats * int64_t(sizeof(float)) +
                                      (m_gpuExperts ? m_plan.slotBytes : 0)); // + the prompt streaming buffer
    placement.bytesPerExpert = uint64_t(m_plan.slotBytes);
    placement.expertCount = m_gpuExperts ? m_plan.totalExperts : 0;
    const moe::PlacementPlan planned = moe::planPlacement(placement);
    m_plan.baseBytes = int64_t(planned.requiredBytes);
    m_plan.summary = planned.summary;
    if (!planned.fits)
        throw std::runtime_error("the model's shared weights and a " + std::to_string(m_capacity) +
                                 "-token cache need " + mib(m_plan.baseBytes) + " of VRAM; the budget is " +
                                 mib(std::max<int64_t>(m_plan.budgetBytes, 0)) + " (" + mib(int64_t(freeBytes)) +
                                 " free on " + prop.name + "): " + planned.summary);
    m_plan.slots = planned.slotCount;

    CUDA_CHECK(cudaStreamCreateWithFlags(&m_streamOwner.stream, cudaStreamNonBlocking));
    m_stream = m_streamOwner.stream;
    m_weights = std::make_unique<DeviceModel>(model);
    for (int64_t i = 0; i < c.nLayer; ++i)
        m_kv.emplace_back(size_t(m_capacity * kvFloatsPerPosition(c)) * sizeof(float));
    allocateScratch();
    if (m_gpuExperts) {
        m_streamed = CudaBuffer(size_t(m_plan.slotBytes));
        for (uint8_t *&staging : m_streamStaging)
            staging = pinned<uint8_t>(size_t(m_plan.slotBytes));
        for (int i = 0; i < 2; ++i) {
            cudaEvent_t event = nullptr;
            CUDA_CHECK(cudaEventCreateWithFlags(&event, cudaEventDisableTiming));
            m_streamFree.emplace_back(event, &cudaEventDestroy);
            CUDA_CHECK(cudaEventRecord(event, m_stream));
        }
    }
    if (m_gpuExperts && m_plan.slots < m_plan.totalExperts) {
        // Before the slots take the budget's memory: the probe needs a little VRAM for a moment.
        try {
            measureRates();
        } catch (const std::exception &) {
            m_rates = {}; // unmeasured: prompts stream every missing expert
        }
    }
    m_experts = std::make_unique<ExpertStore>(model, m_plan.slots);

    if (m_plan.totalExperts > 0) {
        // A missing or unusable profile starts cold; the reason only matters to a person debugging.
        std::string reason;
        m_usage = std::make_unique<moe::ExpertUsage>(
            options.usageProfilePath.empty()
                ? moe::ExpertUsage(int32_t(c.nLayer), int32_t(c.moe.nExpert))
                : moe::ExpertUsage::loadOrCold(options.usageProfilePath, int32_t(c.nLayer), int32_t(c.moe.nExpert),
                                               moe::ExpertUsage::kDefaultHalfLife, &reason));
        if (m_plan.slots == m_plan.totalExperts) {
            std::vector<int64_t> slotOf(size_t(c.nLayer * c.moe.nExpert), -1);
            int64_t slot = 0;
            for (int64_t i = 0; i < c.nLayer; ++i)
                if (c.isMoeLayer(i))
                    for (int64_t e = 0; e < c.moe.nExpert; ++e) {
                        m_experts->loadNow(slot, i, e);
                        slotOf[size_t(i * c.moe.nExpert + e)] = slot++;
                    }
            m_experts->publishAllResident(slotOf);
        } else if (m_plan.slots > 0) {
            int64_t moeLayers = 0;
            for (int64_t i = 0; i < c.nLayer; ++i)
                moeLayers += c.isMoeLayer(i) ? 1 : 0;
            moe::CachePolicy policy = moe::kDefaultCachePolicy;
            if (!options.expertCachePolicy.empty()) {
                const auto named = moe::cachePolicyFromName(options.expertCachePolicy);
                if (!named)
                    throw std::runtime_error("unknown expert cache policy '" + options.expertCachePolicy + "'");
                policy = *named;
            }
            moe::CacheOptions cacheOptions;
            for (int64_t i = 0; i < c.nLayer; ++i)
                if (c.isMoeLayer(i))
                    cacheOptions.moeLayers.push_back(int32_t(i));
            cacheOptions.copyDelay = 1; // a miss is copied while the next token runs
            m_cache = std::make_unique<moe::ExpertCache>(int32_t(c.nLayer), int32_t(c.moe.nExpert),
                                                         int32_t(m_plan.slots), policy, cacheOptions);
            moe::SchedulerOptions schedule;
            schedule.maxAdmissionsPerToken = int32_t(kAdmissionsPerLayer * moeLayers);
            m_scheduler = std::make_unique<moe::ExpertScheduler>(*m_cache, *m_experts, schedule);
            m_split = std::make_unique<moe::ExpertSplit>();
            m_scheduler->warmStart(*m_usage); // the experts this model used most last time
            m_experts->drain();
        }
    }
    // Uploads through the legacy stream (pageable copies, memsets) are not ordered with m_stream.
    CUDA_CHECK(cudaDeviceSynchronize());

    m_deviceName = std::string(prop.name) +
                   (m_plan.slots < m_plan.totalExperts ? " + CPU (" + std::to_string(pool.size()) + " threads)" : "");
}

CudaEvaluator::~CudaEvaluator()
{
    if (m_stream)
        cudaStreamSynchronize(m_stream);
}

void CudaEvaluator::allocateScratch()
{
    const ModelConfig &c = m_config;
    const int64_t N = m_maxChunk, d = c.nEmbd, k = std::max<int64_t>(c.moe.nExpertUsed, 1);
    const int64_t ff = std::max({c.nFf, c.moe.nFfShared, c.moe.nFfExpert, int64_t(1)});
    const int64_t rank = c.mla.kvLoraRank, ropeDim = c.mla.qkRopeDim;
    const int64_t qWidth = c.isMla() ? c.nHead * (c.mla.qkNopeDim + ropeDim) : c.nHead * c.headDim;
    const int64_t headsWidth = c.nHead * (c.isMla() ? c.mla.vHeadDim : c.headDimV);
    Scratch &s = m_s;
    s.residual = scratch<float>(size_t(N * d));
    s.normed = scratch<float>(size_t(N * d));
    s.attnOut = scratch<float>(size_t(N * d));
    s.ffnOut = scratch<float>(size_t(N * d));
    s.partial = scratch<float>(size_t(N * d));
    s.gathered = scratch<float>(size_t(N * d));
    s.q = scratch<float>(size_t(N * qWidth));
    s.k = scratch<float>(size_t(N * c.nHeadKv * c.headDim));
    s.v = scratch<float>(size_t(N * c.nHeadKv * c.headDimV));
    s.heads = scratch<float>(size_t(N * headsWidth));
    s.qa = scratch<float>(size_t(N * c.mla.qLoraRank));
    s.kvA = scratch<float>(size_t(N * (rank + ropeDim)));
    s.qLatent = scratch<float>(size_t(N * c.nHead * rank));
    s.qRope = scratch<float>(size_t(N * c.nHead * ropeDim));
    s.latentOut = scratch<float>(size_t(N * c.nHead * rank));
    s.gate = scratch<float>(size_t(std::max(N, 8 * k) * ff));
    s.up = scratch<float>(size_t(std::max(N, 8 * k) * ff));
    s.routerLogits = scratch<float>(size_t(N * std::max<int64_t>(c.moe.nExpert, 1)));
    s.expertIds = scratch<int32_t>(size_t(N * k));
    s.expertWeights = scratch<float>(size_t(N * k));
    s.rowIds = scratch<int32_t>(size_t(N * k));
    s.rowWeights = scratch<float>(size_t(N * k));
    s.expertY = scratch<float>(size_t(std::max(8 * k, N) * d));
    s.attnScratchFloats = attentionScratchNeeded();
    s.attnScratch = scratch<float>(size_t(s.attnScratchFloats));
    s.tileFloats = m_gemm->available() ? kTileFloats : 0;
    s.tile = scratch<float>(size_t(s.tileFloats));
    s.logitRows = kLogitRows;
    s.logits = scratch<float>(size_t(kLogitRows * c.nVocab));
    s.cos = scratch<float>(size_t(N * std::max<int64_t>(c.rope.dims / 2, 1)));
    s.sin = scratch<float>(size_t(N * std::max<int64_t>(c.rope.dims / 2, 1)));
    s.tokenIds = scratch<int32_t>(size_t(N));
    // Head index per (token, head) job of the per-head MLA matvecs: 0..nHead-1 repeated.
    s.headIds = scratch<int32_t>(size_t(N * c.nHead));
    std::vector<int32_t> headIds(size_t(N * c.nHead));
    for (size_t i = 0; i < headIds.size(); ++i)
        headIds[i] = int32_t(int64_t(i) % c.nHead);
    CUDA_CHECK(cudaMemcpy(s.headIds, headIds.data(), headIds.size() * sizeof(int32_t), cudaMemcpyHostToDevice));

    Pinned &h = m_h;
    h.tokenIds = pinned<int32_t>(size_t(N));
    h.cos = pinned<float>(size_t(N * std::max<int64_t>(c.rope.dims / 2, 1)));
    h.sin = pinned<float>(size_t(N * std::max<int64_t>(c.rope.dims / 2, 1)));
    h.routerLogits = pinned<float>(size_t(N * std::max<int64_t>(c.moe.nExpert, 1)));
    h.normed = pinned<float>(size_t(N * d));
    h.partial = pinned<float>(size_t(N * d));
    h.expertIds = pinned<int32_t>(size_t(N * k));
    h.expertWeights = pinned<float>(size_t(N * k));
    h.rowIds = pinned<int32_t>(size_t(N * k));
    h.rowWeights = pinned<float>(size_t(N * k));
    h.observedIds = pinned<int32_t>(size_t(c.nLayer * 8 * k));
}

// The split scratch long-context attention needs depends on the chunk length (short chunks split
// more), so take the most any chunk up to m_maxChunk can need.
int64_t CudaEvaluator::attentionScratchNeeded() const
{
    const ModelConfig &c = m_config;
    int64_t most = 0;
    for (int64_t n = 1; n <= m_maxChunk; ++n)
        most = std::max(most, c.isMla() ? latentAttentionScratchFloats(n, c.nHead, c.mla.kvLoraRank, m_capacity)
                                        : attentionScratchFloats(n, c.nHead, c.headDimV, m_capacity));
    return most;
}

// The rates the prompt's cost model weighs: host→device and device bandwidth (measured here),
// the CPU's read bandwidth (measured) and its float32 expert throughput (timed on one expert).
void CudaEvaluator::measureRates()
{
    const DeviceBandwidth device = measureDeviceBandwidth();
    m_rates.pcieBandwidth = device.hostToDeviceGBps * 1e9;
    m_rates.gpuBandwidth = device.deviceGBps * 1e9; // bytes moved per second, as weights stream
    m_rates.gpuFlops = 20e12; // float32 GEMM on small per-expert batches: a conservative figure
    m_rates.cpuBandwidth = measureReadBandwidth(m_pool, uint64_t(256) << 20, 2).readGBps * 1e9;
    const LayerWeights *moeLayer = nullptr;
    for (const LayerWeights &l : m_model.weights().layers)
        if (!l.experts.empty())
            moeLayer = &l;
    const Expert &e = moeLayer->experts.front();
    m_expertShape.bytes = double(quantRowBytes(e.gate.type, e.gate.cols) * e.gate.rows +
                                 quantRowBytes(e.up.type, e.up.cols) * e.up.rows +
                                 quantRowBytes(e.down.type, e.down.cols) * e.down.rows);
    m_expertShape.flopsPerToken = 2.0 * double(e.gate.rows * e.gate.cols + e.up.rows * e.up.cols + e.down.rows * e.down.cols);
    // CPU flops: one expert over 32 tokens, timed after a warm-up.
    const int64_t d = m_config.nEmbd, tokens = 32;
    std::vector<float> x(static_cast<size_t>(tokens * d), 0.01f), out(static_cast<size_t>(tokens * d), 0.0f);
    std::vector<ExpertTask> tasks;
    for (int64_t t = 0; t < tokens; ++t)
        tasks.push_back({t, 0, 1.0f});
    runExpertsOnCpu(*moeLayer, m_config.moe, x.data(), d, tasks, out.data(), m_pool, MatmulPrecision::Exact);
    const auto start = std::chrono::steady_clock::now();
    runExpertsOnCpu(*moeLayer, m_config.moe, x.data(), d, tasks, out.data(), m_pool, MatmulPrecision::Exact);
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    m_rates.cpuFlops = double(tokens) * m_expertShape.flopsPerToken / std::max(seconds, 1e-9);
}

void CudaEvaluator::truncate(int64_t n)
{
    if (n < 0 || n > m_position)
        throw std::out_of_range("truncate(" + std::to_string(n) + ") beyond position " + std::to_string(m_position));
    m_position = n;
}

EvaluatorStats CudaEvaluator::stats() const
{
    EvaluatorStats s;
    s.expertComputations = m_expertComputations;
    s.expertsOnGpu = m_expertsOnGpu;
    s.expertsStreamed = m_expertsStreamed;
    s.expertCopies = m_experts ? m_experts->copies() : 0;
    s.residentExperts = m_experts && m_experts->allResident() ? m_plan.totalExperts
                        : m_cache                             ? m_cache->residentCount()
                                                              : 0;
    s.totalExperts = m_plan.totalExperts;
    s.vramBytes = m_plan.baseBytes + m_plan.slots * m_plan.slotBytes;
    return s;
}

void CudaEvaluator::saveProfile()
{
    if (m_usage && !m_options.usageProfilePath.empty())
        m_usage->save(m_options.usageProfilePath);
}

DeviceBandwidth CudaEvaluator::measureDeviceBandwidth()
{
    CUDA_CHECK(cudaSetDevice(m_options.device));
    constexpr size_t bytes = size_t(64) << 20;
    DeviceBandwidth result;
    CudaBuffer a(bytes), b(bytes);
    void *host = nullptr;
    CUDA_CHECK(cudaHostAlloc(&host, bytes, cudaHostAllocDefault));
    const std::unique_ptr<void, PinnedFree> hostOwner(host);
    std::memset(host, 1, bytes);
    cudaEvent_t start = nullptr, stop = nullptr;
    CUDA_CHECK(cudaEventCreate(&start));
    const std::unique_ptr<CUevent_st, decltype(&cudaEventDestroy)> startOwner(start, &cudaEventDestroy);
    CUDA_CHECK(cudaEventCreate(&stop));
    const std::unique_ptr<CUevent_st, decltype(&cudaEventDestroy)> stopOwner(stop, &cudaEventDestroy);
    // Best of a few repetitions after a warm-up; a copy reads and writes every byte.
    auto best = [&](auto copy) {
        float bestMs = 1e30f;
        for (int i = 0; i < 6; ++i) {
            CUDA_CHECK(cudaEventRecord(start, m_stream));
            copy();
            CUDA_CHECK(cudaEventRecord(stop, m_stream));
            CUDA_CHECK(cudaEventSynchronize(stop));
            float ms = 0;
            CUDA_CHECK(cudaEventElapsedTime(&ms, start, stop));
            if (i > 0)
                bestMs = std::min(bestMs, ms);
        }
        return double(bestMs) / 1e3;
    };
    const double d2d = best([&] { CUDA_CHECK(cudaMemcpyAsync(b.data(), a.data(), bytes, cudaMemcpyDeviceToDevice, m_stream)); });
    const double h2d = best([&] { CUDA_CHECK(cudaMemcpyAsync(a.data(), host, bytes, cudaMemcpyHostToDevice, m_stream)); });
    result.deviceGBps = 2.0 * double(bytes) / d2d / 1e9;
    result.hostToDeviceGBps = double(bytes) / h2d / 1e9;
    return result;
}

void CudaEvaluator::evaluate(std::span<const int32_t> tokens, float *allLogits, float *lastLogits)
{
    const ModelConfig &c = m_config;
    const int64_t n = int64_t(tokens.size());
    if (n == 0)
        return;
    if (m_position + n > m_capacity)
        throw std::out_of_range("context full: " + std::to_string(m_position) + " + " + std::to_string(n) +
                                " tokens exceed the context length " + std::to_string(m_capacity));
    for (const int32_t id : tokens)
        if (id < 0 || id >= c.nVocab)
            throw std::out_of_range("token id " + std::to_string(id) + " outside the vocabulary of " +
                                    std::to_string(c.nVocab));
    CUDA_CHECK(cudaSetDevice(m_options.device));
    for (int64_t at = 0; at < n; at += m_maxChunk) {
        const int64_t count = std::min(m_maxChunk, n - at);
        forwardChunkChecked(tokens.subspan(size_t(at), size_t(count)), allLogits ? allLogits + at * c.nVocab : nullptr,
                            at + count == n ? lastLogits : nullptr);
    }
}

// A chunk that fails leaves the position where it was; what it enqueued is waited for, so no
// copy still reads the pinned buffers the next call writes, and slots it read are released.
void CudaEvaluator::forwardChunkChecked(std::span<const int32_t> tokens, float *allLogits, float *lastLogits)
{
    m_observed.clear();
    try {
        forwardChunk(tokens, allLogits, lastLogits);
    } catch (...) {
        cudaStreamSynchronize(m_stream);
        m_observed.clear();
        if (m_scheduler)
            m_scheduler->workFinished(m_token);
        throw;
    }
}

void CudaEvaluator::matmul(const DeviceMatrix &w, const float *x, int64_t n, float *y)
{
    if (n <= kMatvecMaxTokens) {
        launchQuantMatvec(w.type, w.data, w.rows, w.cols, x, n, y, m_stream);
        return;
    }
    if (!m_gemm->available()) {
        for (int64_t t = 0; t < n; t += kMatvecMaxTokens)
            launchQuantMatvec(w.type, w.data, w.rows, w.cols, x + t * w.cols, std::min(kMatvecMaxTokens, n - t),
                              y + t * w.rows, m_stream);
        return;
    }
    if (w.type == QuantType::F32) {
        m_gemm->multiply(static_cast<const float *>(w.data), w.rows, w.cols, x, n, y, w.rows, m_stream);
        return;
    }
    const int64_t tileRows = std::max<int64_t>(1, m_s.tileFloats / w.cols);
    for (int64_t r0 = 0; r0 < w.rows; r0 += tileRows) {
        const int64_t rows = std::min(tileRows, w.rows - r0);
        launchDequantizeTile(w.type, w.data, w.rowBytes, w.cols, r0, rows, m_s.tile, m_stream);
        m_gemm->multiply(m_s.tile, rows, w.cols, x, n, y + r0, w.rows, m_stream);
    }
}

void CudaEvaluator::forwardChunk(std::span<const int32_t> tokens, float *allLogits, float *lastLogits)
{
    const ModelConfig &c = m_config;
    const int64_t n = int64_t(tokens.size()), d = c.nEmbd;
    std::copy(tokens.begin(), tokens.end(), m_h.tokenIds);
    CUDA_CHECK(cudaMemcpyAsync(m_s.tokenIds, m_h.tokenIds, size_t(n) * sizeof(int32_t), cudaMemcpyHostToDevice, m_stream));
    const DeviceMatrix &embd = m_weights->tokenEmbd();
    launchDequantizeRows(embd.type, embd.data, embd.rowBytes, embd.cols, m_s.tokenIds, n, m_s.residual, m_stream);

    // RoPE tables of the chunk's positions, computed on the host exactly as the CPU path does.
    const int64_t pairs = c.rope.dims / 2;
    if (pairs > 0) {
        std::vector<float> cos, sin;
        for (int64_t t = 0; t < n; ++t) {
            m_rope.at(m_position + t, cos, sin);
            std::copy_n(cos.data(), pairs, m_h.cos + t * pairs);
            std::copy_n(sin.data(), pairs, m_h.sin + t * pairs);
        }
        CUDA_CHECK(cudaMemcpyAsync(m_s.cos, m_h.cos, size_t(n * pairs) * sizeof(float), cudaMemcpyHostToDevice, m_stream));
        CUDA_CHECK(cudaMemcpyAsync(m_s.sin, m_h.sin, size_t(n * pairs) * sizeof(float), cudaMemcpyHostToDevice, m_stream));
    }

    if (m_usage)
        m_usage->advance(n);
    if (m_scheduler)
        m_scheduler->beginToken(++m_token); // finished copies become usable
    for (int64_t i = 0; i < c.nLayer; ++i) {
        const DeviceLayer &l = m_weights->layer(i);
        launchRmsNorm(m_s.residual, d, l.attnNorm, m_s.normed, d, n, d, c.normEps, m_stream);
        if (c.isMla())
            latentAttention(i, n);
        else
            attention(i, n);
        launchAdd(m_s.residual, m_s.attnOut, n * d, m_stream);
        launchRmsNorm(m_s.residual, d, l.ffnNorm, m_s.normed, d, n, d, c.normEps, m_stream);
        feedForward(i, n);
        launchAdd(m_s.residual, m_s.ffnOut, n * d, m_stream);
    }
    projectLogits(n, allLogits, lastLogits); // waits for the stream: the chunk's GPU work is done
    if (m_scheduler)
        m_scheduler->workFinished(m_token);
    m_position += n;
    flushObservedRouting();
}

void CudaEvaluator::attention(int64_t layer, int64_t n)
{
    const ModelConfig &c = m_config;
    const DeviceLayer &l = m_weights->layer(layer);
    const int64_t qW = c.nHead * c.headDim, kW = c.nHeadKv * c.headDim, vW = c.nHeadKv * c.headDimV;
    matmul(l.wq, m_s.normed, n, m_s.q);
    matmul(l.wk, m_s.normed, n, m_s.k);
    matmul(l.wv, m_s.normed, n, m_s.v);
    if (l.bq)
        launchAddBias(m_s.q, l.bq, n, qW, m_stream);
    if (l.bk)
        launchAddBias(m_s.k, l.bk, n, kW, m_stream);
    if (l.bv)
        launchAddBias(m_s.v, l.bv, n, vW, m_stream);
    if (c.qkNorm) {
        launchRmsNorm(m_s.q, c.headDim, l.qNorm, m_s.q, c.headDim, n * c.nHead, c.headDim, c.normEps, m_stream);
        launchRmsNorm(m_s.k, c.headDim, l.kNorm, m_s.k, c.headDim, n * c.nHeadKv, c.headDim, c.normEps, m_stream);
    } else if (c.qkNormFull) {
        launchRmsNorm(m_s.q, qW, l.qNorm, m_s.q, qW, n, qW, c.normEps, m_stream);
        launchRmsNorm(m_s.k, kW, l.kNorm, m_s.k, kW, n, kW, c.normEps, m_stream);
    }
    launchRope(m_s.q, n, c.nHead, qW, c.headDim, c.rope.style, c.rope.dims, m_s.cos, m_s.sin, m_stream);
    launchRope(m_s.k, n, c.nHeadKv, kW, c.headDim, c.rope.style, c.rope.dims, m_s.cos, m_s.sin, m_stream);
    float *kCache = m_kv[size_t(layer)].as<float>();
    float *vCache = kCache + m_capacity * kW;
    CUDA_CHECK(cudaMemcpyAsync(kCache + m_position * kW, m_s.k, size_t(n * kW) * sizeof(float), cudaMemcpyDeviceToDevice,
                               m_stream));
    CUDA_CHECK(cudaMemcpyAsync(vCache + m_position * vW, m_s.v, size_t(n * vW) * sizeof(float), cudaMemcpyDeviceToDevice,
                               m_stream));
    launchAttention(m_s.q, qW, kCache, vCache, m_s.heads, n, m_position, c.nHead, c.nHeadKv, c.headDim, c.headDimV,
                    c.attentionScale(), m_s.attnScratch, m_stream);
    matmul(l.wo, m_s.heads, n, m_s.attnOut);
}

void CudaEvaluator::latentAttention(int64_t layer, int64_t n)
{
    const ModelConfig &c = m_config;
    const MlaConfig &m = c.mla;
    const DeviceLayer &l = m_weights->layer(layer);
    const int64_t qHead = m.qkNopeDim + m.qkRopeDim, qW = c.nHead * qHead;
    const int64_t rank = m.kvLoraRank, kvW = rank + m.qkRopeDim;
    if (m.qLoraRank > 0) {
        matmul(l.wqA, m_s.normed, n, m_s.qa);
        launchRmsNorm(m_s.qa, m.qLoraRank, l.qANorm, m_s.qa, m.qLoraRank, n, m.qLoraRank, c.normEps, m_stream);
        matmul(l.wqB, m_s.qa, n, m_s.q);
    } else {
        matmul(l.wq, m_s.normed, n, m_s.q);
    }
    matmul(l.wkvA, m_s.normed, n, m_s.kvA);
    launchRmsNorm(m_s.kvA, kvW, l.kvANorm, m_s.kvA, kvW, n, rank, c.normEps, m_stream);
    launchRope(m_s.kvA + rank, n, 1, kvW, m.qkRopeDim, c.rope.style, m.qkRopeDim, m_s.cos, m_s.sin, m_stream);
    launchRope(m_s.q + m.qkNopeDim, n, c.nHead, qW, qHead, c.rope.style, m.qkRopeDim, m_s.cos, m_s.sin, m_stream);

    float *latent = m_kv[size_t(layer)].as<float>();
    float *rope = latent + m_capacity * rank;
    CUDA_CHECK(cudaMemcpy2DAsync(latent + m_position * rank, size_t(rank) * sizeof(float), m_s.kvA,
                                 size_t(kvW) * sizeof(float), size_t(rank) * sizeof(float), size_t(n),
                                 cudaMemcpyDeviceToDevice, m_stream));
    CUDA_CHECK(cudaMemcpy2DAsync(rope + m_position * m.qkRopeDim, size_t(m.qkRopeDim) * sizeof(float), m_s.kvA + rank,
                                 size_t(kvW) * sizeof(float), size_t(m.qkRopeDim) * sizeof(float), size_t(n),
                                 cudaMemcpyDeviceToDevice, m_stream));
    // Absorbed k_b: each head's no-rope query mapped into the latent space (one job per token and head).
    launchExpertMatvec(l.wkBType, l.wkB, m_s.headIds, n * c.nHead, rank, m.qkNopeDim, m_s.q, qHead, 1, m_s.qLatent,
                       m_stream);
    CUDA_CHECK(cudaMemcpy2DAsync(m_s.qRope, size_t(m.qkRopeDim) * sizeof(float), m_s.q + m.qkNopeDim,
                                 size_t(qHead) * sizeof(float), size_t(m.qkRopeDim) * sizeof(float),
                                 size_t(n * c.nHead), cudaMemcpyDeviceToDevice, m_stream));
    launchLatentAttention(m_s.qLatent, m_s.qRope, latent, rope, m_s.latentOut, n, m_position, c.nHead, rank,
                          m.qkRopeDim, c.attentionScale(), m_s.attnScratch, m_stream);
    launchExpertMatvec(l.wvBType, l.wvB, m_s.headIds, n * c.nHead, m.vHeadDim, rank, m_s.latentOut, rank, 1, m_s.heads,
                       m_stream);
    matmul(l.wo, m_s.heads, n, m_s.attnOut);
}

void CudaEvaluator::denseFfn(const DeviceMatrix &gate, const DeviceMatrix &up, const DeviceMatrix &down, const float *x,
                             int64_t n, float *out)
{
    matmul(gate, x, n, m_s.gate);
    matmul(up, x, n, m_s.up);
    launchSwiglu(m_s.gate, m_s.up, m_s.gate, n * gate.rows, m_stream);
    matmul(down, m_s.gate, n, out);
}

void CudaEvaluator::feedForward(int64_t layer, int64_t n)
{
    const ModelConfig &c = m_config;
    const DeviceLayer &l = m_weights->layer(layer);
    if (!c.isMoeLayer(layer)) {
        denseFfn(l.ffnGate, l.ffnUp, l.ffnDown, m_s.normed, n, m_s.ffnOut);
        return;
    }
    moeFfn(layer, n);
    if (!l.sharedGate.present())
        return;
    // Shared expert(s): always on the GPU; attnOut is free again (already added to the residual).
    denseFfn(l.sharedGate, l.sharedUp, l.sharedDown, m_s.normed, n, m_s.attnOut);
    if (l.sharedExpertGate)
        launchGatedAdd(m_s.normed, l.sharedExpertGate, m_s.attnOut, n, c.nEmbd, m_s.ffnOut, m_stream);
    else
        launchAdd(m_s.ffnOut, m_s.attnOut, n * c.nEmbd, m_stream);
}

bool CudaEvaluator::moeOnDeviceOnly(int64_t layer, int64_t n) const
{
    (void)layer;
    return n <= kMatvecMaxTokens && !m_hook && m_experts->allResident() && m_config.moe.nExpert <= 1024;
}

void CudaEvaluator::moeFfn(int64_t layer, int64_t n)
{
    const DeviceLayer &l = m_weights->layer(layer);
    matmul(l.router, m_s.normed, n, m_s.routerLogits);
    if (moeOnDeviceOnly(layer, n))
        moeDecodeOnDevice(layer, n);
    else
        moeWithHost(layer, n);
}

void CudaEvaluator::moeDecodeOnDevice(int64_t layer, int64_t n)
{
    const ModelConfig &c = m_config;
    const int64_t k = c.moe.nExpertUsed, d = c.nEmbd, ff = c.moe.nFfExpert;
    const DeviceLayer &l = m_weights->layer(layer);
    const Expert &shape = m_model.weights().layers[size_t(layer)].experts.front();
    launchRouting(m_s.routerLogits, l.routerBias, n, c.moe, m_s.expertIds, m_s.expertWeights, m_stream);
    launchExpertMatvec(shape.gate.type, m_experts->expertTable(layer, 0), m_s.expertIds, n * k, ff, d, m_s.normed, d,
                       k, m_s.gate, m_stream);
    launchExpertMatvec(shape.up.type, m_experts->expertTable(layer, 1), m_s.expertIds, n * k, ff, d, m_s.normed, d, k,
                       m_s.up, m_stream);
    launchSwiglu(m_s.gate, m_s.up, m_s.gate, n * k * ff, m_stream);
    launchExpertMatvec(shape.down.type, m_experts->expertTable(layer, 2), m_s.expertIds, n * k, d, ff, m_s.gate, ff, 1,
                       m_s.expertY, m_stream);
    CUDA_CHECK(cudaMemsetAsync(m_s.ffnOut, 0, size_t(n * d) * sizeof(float), m_stream));
    launchExpertCombine(m_s.expertY, m_s.expertWeights, m_s.expertIds, m_experts->expertTable(layer, 2), n, k, d,
                        m_s.ffnOut, m_stream);
    m_expertComputations += n * k;
    m_expertsOnGpu += n * k;
    if (m_usage) { // the usage profile learns from these too, read back once the token is done
        const int64_t at = int64_t(m_observed.size()) * k;
        CUDA_CHECK(cudaMemcpyAsync(m_h.observedIds + at, m_s.expertIds, size_t(n * k) * sizeof(int32_t),
                                   cudaMemcpyDeviceToHost, m_stream));
        for (int64_t t = 0; t < n; ++t)
            m_observed.push_back({layer, m_position + t});
    }
}

void CudaEvaluator::flushObservedRouting()
{
    const int64_t k = m_config.moe.nExpertUsed;
    for (size_t i = 0; i < m_observed.size(); ++i)
        for (int64_t j = 0; j < k; ++j)
            m_usage->record(int32_t(m_observed[i].first), m_h.observedIds[int64_t(i) * k + j]);
    m_observed.clear();
}

void CudaEvaluator::moeWithHost(int64_t layer, int64_t n)
{
    const ModelConfig &c = m_config;
    const MoeConfig &moeConfig = c.moe;
    const int64_t k = moeConfig.nExpertUsed, d = c.nEmbd, nExpert = moeConfig.nExpert;
    const LayerWeights &hostLayer = m_model.weights().layers[size_t(layer)];
    CUDA_CHECK(cudaMemcpyAsync(m_h.routerLogits, m_s.routerLogits, size_t(n * nExpert) * sizeof(float),
                               cudaMemcpyDeviceToHost, m_stream));
    CUDA_CHECK(cudaMemcpyAsync(m_h.normed, m_s.normed, size_t(n * d) * sizeof(float), cudaMemcpyDeviceToHost, m_stream));
    CUDA_CHECK(cudaStreamSynchronize(m_stream));

    // Route on the host (a hook may override); the scheduler says where each pick runs:
    // m_h.expertIds gets what the expert kernels index their table with — the expert itself when
    // every expert is resident, else its slot, or the null slot for a pick computed elsewhere.
    const bool allResident = m_experts->allResident();
    std::vector<int32_t> ids(static_cast<size_t>(k)), slotOf(static_cast<size_t>(nExpert), -1);
    std::vector<int32_t> picks(static_cast<size_t>(n * k));
    std::vector<ExpertTask> cpuTasks;
    for (int64_t t = 0; t < n; ++t) {
        const float *logits = m_h.routerLogits + t * nExpert;
        const Routing r = routeToken(moeConfig, logits, hostLayer.routerBias.empty() ? nullptr : hostLayer.routerBias.data());
        std::copy(r.experts.begin(), r.experts.end(), ids.begin());
        std::vector<float> weights = r.weights;
        if (m_hook) {
            m_hook->routed(layer, m_position + t, ids);
            for (int64_t j = 0; j < k; ++j)
                if (ids[size_t(j)] < 0 || ids[size_t(j)] >= nExpert ||
                    std::find(ids.begin(), ids.begin() + j, ids[size_t(j)]) != ids.begin() + j)
                    throw std::runtime_error("a routing hook chose expert " + std::to_string(ids[size_t(j)]) +
                                             " twice or out of range (layer " + std::to_string(layer) + ")");
            if (!std::equal(ids.begin(), ids.end(), r.experts.begin()))
                weights = routingWeightsFor(moeConfig, logits, ids);
        }
        if (m_scheduler) {
            m_scheduler->route(int32_t(layer), ids, *m_split);
            for (const moe::ExpertSplit::OnGpu &g : m_split->gpu)
                if (slotOf[size_t(g.expert)] < 0)
                    slotOf[size_t(g.expert)] = g.slot; // a slot stays intact until the chunk's work is done
        }
        for (int64_t j = 0; j < k; ++j) {
            const int32_t e = ids[size_t(j)];
            picks[size_t(t * k + j)] = e;
            if (m_usage)
                m_usage->record(int32_t(layer), e);
            const int32_t onGpu = allResident ? e : slotOf[size_t(e)] >= 0 ? slotOf[size_t(e)] : -1;
            m_h.expertIds[t * k + j] = onGpu >= 0 ? onGpu : (allResident ? e : m_experts->nullSlot());
            m_h.expertWeights[t * k + j] = weights[size_t(j)];
            if (onGpu >= 0)
                ++m_expertsOnGpu;
            else if (n <= kMatvecMaxTokens || !m_gpuExperts)
                cpuTasks.push_back({t, e, weights[size_t(j)]});
        }
    }
    m_expertComputations += n * k;
    CUDA_CHECK(cudaMemsetAsync(m_s.ffnOut, 0, size_t(n * d) * sizeof(float), m_stream));

    if (n > kMatvecMaxTokens && m_gpuExperts) {
        // Prompt: every expert runs on the GPU over its tokens — from its slot, or streamed in.
        std::vector<std::vector<int32_t>> rows(static_cast<size_t>(nExpert));
        std::vector<std::vector<float>> rowWeights(static_cast<size_t>(nExpert));
        for (int64_t t = 0; t < n; ++t)
            for (int64_t j = 0; j < k; ++j) {
                const int32_t e = picks[size_t(t * k + j)];
                rows[size_t(e)].push_back(int32_t(t));
                rowWeights[size_t(e)].push_back(m_h.expertWeights[t * k + j]);
            }
        // Missing experts: streamed to the GPU for this chunk, or run on the CPU meanwhile when
        // they have so few tokens that the copy would cost more (the cost model).
        std::vector<char> streamed(static_cast<size_t>(nExpert), 1);
        if (m_rates.pcieBandwidth > 0) {
            std::vector<int64_t> missing, counts;
            for (int64_t e = 0; e < nExpert; ++e)
                if (!rows[size_t(e)].empty() && !allResident && slotOf[size_t(e)] < 0) {
                    missing.push_back(e);
                    counts.push_back(int64_t(rows[size_t(e)].size()));
                }
            const std::vector<moe::ExpertPlace> places = moe::planChunk(m_rates, m_expertShape, counts);
            for (size_t i = 0; i < missing.size(); ++i)
                streamed[size_t(missing[i])] = places[i] == moe::ExpertPlace::Stream;
        }
        // Resident experts first (nothing blocks the host), then the CPU's share while the GPU
        // works, then the streamed ones (their staging waits on the GPU).
        int64_t offset = 0;
        auto runOnDevice = [&](int64_t e, int64_t slot) {
            const int64_t m = int64_t(rows[size_t(e)].size());
            std::copy(rows[size_t(e)].begin(), rows[size_t(e)].end(), m_h.rowIds + offset);
            std::copy(rowWeights[size_t(e)].begin(), rowWeights[size_t(e)].end(), m_h.rowWeights + offset);
            runExpertOnDevice(layer, e, slot, m, offset);
            offset += m;
        };
        std::vector<int64_t> toStream;
        for (int64_t e = 0; e < nExpert; ++e) {
            const int64_t m = int64_t(rows[size_t(e)].size());
            if (m == 0)
                continue;
            const int64_t slot = allResident ? m_experts->residentSlot(layer, e) : slotOf[size_t(e)];
            if (slot >= 0) {
                runOnDevice(e, slot);
            } else if (streamed[size_t(e)]) {
                toStream.push_back(e);
                m_expertsStreamed += m;
            } else {
                for (int64_t i = 0; i < m; ++i)
                    cpuTasks.push_back({rows[size_t(e)][size_t(i)], int32_t(e), rowWeights[size_t(e)][size_t(i)]});
            }
        }
        if (!cpuTasks.empty()) {
            std::fill_n(m_h.partial, n * d, 0.0f);
            runExpertsOnCpu(hostLayer, m_config.moe, m_h.normed, d, cpuTasks, m_h.partial, m_pool, m_precision);
        }
        for (const int64_t e : toStream)
            runOnDevice(e, -1);
        if (!cpuTasks.empty()) {
            CUDA_CHECK(cudaMemcpyAsync(m_s.partial, m_h.partial, size_t(n * d) * sizeof(float), cudaMemcpyHostToDevice,
                                       m_stream));
            launchAdd(m_s.ffnOut, m_s.partial, n * d, m_stream);
        }
        return;
    }

    // Decode: the GPU computes the picks it holds (the table skips the others) while the CPU runs the rest.
    const int64_t ff = moeConfig.nFfExpert;
    const Expert &shape = hostLayer.experts.front();
    CUDA_CHECK(cudaMemcpyAsync(m_s.expertIds, m_h.expertIds, size_t(n * k) * sizeof(int32_t), cudaMemcpyHostToDevice,
                               m_stream));
    CUDA_CHECK(cudaMemcpyAsync(m_s.expertWeights, m_h.expertWeights, size_t(n * k) * sizeof(float),
                               cudaMemcpyHostToDevice, m_stream));
    if (int64_t(cpuTasks.size()) < n * k) {
        auto table = [&](int matrix) {
            return allResident ? m_experts->expertTable(layer, matrix) : m_experts->slotTable(layer, matrix);
        };
        launchExpertMatvec(shape.gate.type, table(0), m_s.expertIds, n * k, ff, d, m_s.normed, d, k, m_s.gate, m_stream);
        launchExpertMatvec(shape.up.type, table(1), m_s.expertIds, n * k, ff, d, m_s.normed, d, k, m_s.up, m_stream);
        launchSwiglu(m_s.gate, m_s.up, m_s.gate, n * k * ff, m_stream);
        launchExpertMatvec(shape.down.type, table(2), m_s.expertIds, n * k, d, ff, m_s.gate, ff, 1, m_s.expertY, m_stream);
        launchExpertCombine(m_s.expertY, m_s.expertWeights, m_s.expertIds, table(2), n, k, d, m_s.ffnOut, m_stream);
    }
    if (cpuTasks.empty())
        return;
    std::fill_n(m_h.partial, n * d, 0.0f);
    runExpertsOnCpu(hostLayer, m_config.moe, m_h.normed, d, cpuTasks, m_h.partial, m_pool, m_precision);
    CUDA_CHECK(cudaMemcpyAsync(m_s.partial, m_h.partial, size_t(n * d) * sizeof(float), cudaMemcpyHostToDevice, m_stream));
    launchAdd(m_s.ffnOut, m_s.partial, n * d, m_stream);
}

void CudaEvaluator::runExpertOnDevice(int64_t layer, int64_t expert, int64_t slot, int64_t m, int64_t offset)
{
    const int64_t d = m_config.nEmbd;
    const Expert &e = m_model.weights().layers[size_t(layer)].experts[size_t(expert)];
    auto device = [](const Matrix &host, const void *data) {
        return DeviceMatrix{host.type, host.rows, host.cols, quantRowBytes(host.type, host.cols), data};
    };
    DeviceMatrix gate, up, down;
    if (slot >= 0) {
        gate = device(e.gate, m_experts->gateIn(slot));
        up = device(e.up, m_experts->upIn(slot, layer));
        down = device(e.down, m_experts->downIn(slot, layer));
    } else {
        // Streamed for this chunk: packed into a pinned staging buffer (two alternate, so packing the
        // next expert overlaps this copy), then copied into m_streamed in stream order — after the
        // previous expert's kernels have read it.
        const int i = m_streamNext;
        m_streamNext ^= 1;
        CUDA_CHECK(cudaEventSynchronize(m_streamFree[size_t(i)].get()));
        m_experts->packExpert(layer, expert, m_streamStaging[i]);
        auto *base = m_streamed.as<uint8_t>();
        CUDA_CHECK(cudaMemcpyAsync(base, m_streamStaging[i], size_t(m_plan.slotBytes), cudaMemcpyHostToDevice, m_stream));
        CUDA_CHECK(cudaEventRecord(m_streamFree[size_t(i)].get(), m_stream));
        gate = device(e.gate, base);
        up = device(e.up, base + m_experts->upOffset(layer));
        down = device(e.down, base + m_experts->downOffset(layer));
    }
    CUDA_CHECK(cudaMemcpyAsync(m_s.rowIds + offset, m_h.rowIds + offset, size_t(m) * sizeof(int32_t),
                               cudaMemcpyHostToDevice, m_stream));
    CUDA_CHECK(cudaMemcpyAsync(m_s.rowWeights + offset, m_h.rowWeights + offset, size_t(m) * sizeof(float),
                               cudaMemcpyHostToDevice, m_stream));
    launchGatherRows(m_s.normed, m_s.rowIds + offset, m, d, m_s.gathered, m_stream);
    denseFfn(gate, up, down, m_s.gathered, m, m_s.expertY);
    launchScatterAddRows(m_s.expertY, m_s.rowIds + offset, m_s.rowWeights + offset, m, d, m_s.ffnOut, m_stream);
}

void CudaEvaluator::projectLogits(int64_t n, float *allLogits, float *lastLogits)
{
    const ModelConfig &c = m_config;
    const int64_t d = c.nEmbd, vocab = c.nVocab;
    const DeviceMatrix &output = m_weights->output();
    if (allLogits) {
        for (int64_t t0 = 0; t0 < n; t0 += m_s.logitRows) {
            const int64_t rows = std::min(m_s.logitRows, n - t0);
            launchRmsNorm(m_s.residual + t0 * d, d, m_weights->outputNorm(), m_s.normed, d, rows, d, c.normEps, m_stream);
            matmul(output, m_s.normed, rows, m_s.logits);
            CUDA_CHECK(cudaMemcpyAsync(allLogits + t0 * vocab, m_s.logits, size_t(rows * vocab) * sizeof(float),
                                       cudaMemcpyDeviceToHost, m_stream));
        }
        CUDA_CHECK(cudaStreamSynchronize(m_stream));
        if (lastLogits)
            std::copy_n(allLogits + (n - 1) * vocab, vocab, lastLogits);
        return;
    }
    if (lastLogits) {
        launchRmsNorm(m_s.residual + (n - 1) * d, d, m_weights->outputNorm(), m_s.normed, d, 1, d, c.normEps, m_stream);
        matmul(output, m_s.normed, 1, m_s.logits);
        CUDA_CHECK(cudaMemcpyAsync(lastLogits, m_s.logits, size_t(vocab) * sizeof(float), cudaMemcpyDeviceToHost,
                                   m_stream));
    }
    CUDA_CHECK(cudaStreamSynchronize(m_stream));
}

} // namespace enclave::cuda
