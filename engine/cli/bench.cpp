// enclave-cli bench: times one prompt of random tokens (fixed seed) and greedy generation
// after it, measures the machine's read bandwidth, and prints each speed with its limit.
#include "engine/cli/bench.h"

#include "engine/cpu/memory_bandwidth.h"
#include "engine/cpu/thread_pool.h"
#include "engine/cpu/vec_dot.h"
#include "engine/runtime/inference_state.h"
#include "engine/runtime/weight_traffic.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <random>
#include <unistd.h>

namespace enclave {
namespace {

// Resident memory of this process, from /proc (0 where unavailable).
double residentMiB()
{
    std::FILE *f = std::fopen("/proc/self/statm", "r");
    long pages = 0, resident = 0;
    if (f) {
        if (std::fscanf(f, "%ld %ld", &pages, &resident) != 2)
            resident = 0;
        std::fclose(f);
    }
    return double(resident) * double(sysconf(_SC_PAGESIZE)) / double(1 << 20);
}

double secondsSince(std::chrono::steady_clock::time_point start)
{
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

} // namespace

int runBench(const BenchOptions &o)
{
    setDefaultThreadCount(o.threads);
    ThreadPool &pool = defaultThreadPool();
    const auto loadStart = std::chrono::steady_clock::now();
    const auto model = Model::load(o.modelPath);
    const double loadSeconds = secondsSince(loadStart);
    const ModelConfig &c = model->config();
    const WeightTraffic traffic = weightTraffic(*model);
    std::printf("model:      %s (%s, %lld layers%s)\n", o.modelPath.c_str(), c.architecture.c_str(),
                static_cast<long long>(c.nLayer), c.moe.nExpert ? ", MoE" : "");
    std::printf("load:       %.3f s (memory-mapped; %.0f MiB of %.0f MiB file resident after load)\n", loadSeconds,
                residentMiB(), double(model->files().totalBytes()) / double(1 << 20));
    std::printf("threads:    %d, CPU kernels: %s, precision: %s\n", pool.size(), cpuKernelLevel(),
                o.precision == MatmulPrecision::Exact ? "exact (float32 activations)"
                                                      : "fast (8-bit activations when decoding)");

    const BandwidthResult bw = measureReadBandwidth(pool);
    std::printf("bandwidth:  %.1f GB/s memory read (%d threads, %.0f MiB buffer)\n", bw.readGBps, bw.threads,
                double(bw.bytes) / double(1 << 20));
    std::printf("per token:  %.1f MiB of weights (%.1f MiB dense + %.1f MiB of routed experts)\n",
                double(traffic.perToken()) / (1 << 20), double(traffic.denseBytes) / (1 << 20),
                double(traffic.expertBytesPerToken) / (1 << 20));
    const double limit = bw.readGBps * 1e9 / double(traffic.perToken());

    BackendOptions backend = o.backend;
    backend.precision = o.precision;
    std::string fallback;
    const auto loadBackendStart = std::chrono::steady_clock::now();
    const auto evaluator = createEvaluator(*model, o.promptTokens + o.genTokens, pool, backend, &fallback);
    Evaluator &state = *evaluator;
    std::printf("backend:    %s (ready in %.2f s)%s%s\n", state.deviceName().c_str(), secondsSince(loadBackendStart),
                fallback.empty() ? "" : "; GPU unavailable: ", fallback.c_str());
    std::mt19937 rng(1234);
    std::uniform_int_distribution<int32_t> pick(0, int32_t(std::min<int64_t>(c.nVocab, 32000) - 1));
    std::vector<int32_t> prompt(size_t(o.promptTokens));
    for (int32_t &t : prompt)
        t = pick(rng);
    std::vector<float> logits(size_t(c.nVocab));
    const auto promptStart = std::chrono::steady_clock::now();
    state.evaluate(prompt, nullptr, logits.data());
    const double promptSeconds = secondsSince(promptStart);
    std::printf("prompt:     %lld tokens in %.2f s = %.1f tok/s\n", static_cast<long long>(o.promptTokens),
                promptSeconds, double(o.promptTokens) / promptSeconds);

    const auto genStart = std::chrono::steady_clock::now();
    for (int64_t i = 0; i < o.genTokens; ++i) {
        const int32_t next = int32_t(std::max_element(logits.begin(), logits.end()) - logits.begin());
        state.evaluate(std::span(&next, 1), nullptr, logits.data());
    }
    const double genSeconds = secondsSince(genStart);
    const double genRate = double(o.genTokens) / genSeconds;
    const EvaluatorStats stats = state.stats();
    if (stats.totalExperts > 0)
        std::printf("experts:    %lld of %lld resident in VRAM; %.1f%% of %lld expert computations served from VRAM, "
                    "%lld copied in after a miss\n",
                    static_cast<long long>(stats.residentExperts), static_cast<long long>(stats.totalExperts),
                    stats.expertComputations ? 100.0 * double(stats.expertsOnGpu) / double(stats.expertComputations) : 0.0,
                    static_cast<long long>(stats.expertComputations), static_cast<long long>(stats.expertCopies));
    std::printf("generation: %lld tokens in %.2f s = %.2f tok/s; bandwidth limit %.2f tok/s; %.0f%% of the limit "
                "(%.1f GB/s of weights)\n",
                static_cast<long long>(o.genTokens), genSeconds, genRate, limit, 100.0 * genRate / limit,
                genRate * double(traffic.perToken()) / 1e9);
    return 0;
}

} // namespace enclave
