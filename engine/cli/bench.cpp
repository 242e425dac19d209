// enclave-cli bench: times one prompt of random tokens (fixed seed) and greedy generation
// after it, measures the machine's read bandwidth, and prints each speed with its limit.
#include "engine/cli/bench.h"

#include "engine/cpu/memory_bandwidth.h"
#include "engine/model/printable.h"
#include "engine/cpu/thread_pool.h"
#include "engine/cpu/vec_dot.h"
#include "engine/moe/routing_hook.h"
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

// The time split of what ran between two stats() readings, one line (nothing when not timed).
void printPhases(const PhaseTimes &before, const PhaseTimes &after)
{
    const double total = after.totalSeconds - before.totalSeconds;
    if (total <= 0)
        return;
    const double attention = after.attentionSeconds - before.attentionSeconds;
    const double dense = after.denseSeconds - before.denseSeconds;
    const double experts = after.expertSeconds - before.expertSeconds;
    const double rest = std::max(0.0, total - attention - dense - experts);
    auto share = [&](double s) { return 100.0 * s / total; };
    std::printf("            attention %.2f s (%.0f%%), matmuls outside experts %.2f s (%.0f%%), routed experts %.2f s "
                "(%.0f%%), the rest %.2f s (%.0f%%)\n",
                attention, share(attention), dense, share(dense), experts, share(experts), rest, share(rest));
}

// Greedy generation of `count` tokens from logits; returns the seconds it took.
double generate(Evaluator &state, std::vector<float> &logits, int64_t count)
{
    const auto start = std::chrono::steady_clock::now();
    for (int64_t i = 0; i < count; ++i) {
        const int32_t next = int32_t(std::max_element(logits.begin(), logits.end()) - logits.begin());
        state.evaluate(std::span(&next, 1), nullptr, logits.data());
    }
    return secondsSince(start);
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
    std::printf("model:      %s (%s, %lld layers%s)\n", printableText(o.modelPath).c_str(),
                printable(c.architecture).c_str(), static_cast<long long>(c.nLayer), c.moe.nExpert ? ", MoE" : "");
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
    if (const std::string placement = state.describePlacement(); !placement.empty())
        std::printf("placement:  %s\n", placement.c_str());
    const DeviceBandwidth device = state.measureDeviceBandwidth();
    if (device.deviceGBps > 0)
        std::printf("device:     %.0f GB/s device memory (copy, read + write), %.1f GB/s host to device (pinned)\n",
                    device.deviceGBps, device.hostToDeviceGBps);

    // Routing traces: replay one instead of the router, and/or record this run's routing.
    std::vector<int32_t> moeLayers;
    for (int64_t i = 0; i < c.nLayer; ++i)
        if (c.isMoeLayer(i))
            moeLayers.push_back(int32_t(i));
    std::unique_ptr<moe::TraceReplayer> replayer;
    std::unique_ptr<moe::TraceRecorder> recorder;
    moe::RoutingHookList hooks;
    if (!o.replayTrace.empty() || !o.recordTrace.empty()) {
        if (moeLayers.empty())
            throw std::runtime_error("routing traces need a mixture-of-experts model");
        if (!o.replayTrace.empty()) {
            replayer = std::make_unique<moe::TraceReplayer>(moe::RoutingTrace::read(o.replayTrace), int32_t(c.nLayer),
                                                            moeLayers, int32_t(c.moe.nExpert), int32_t(c.moe.nExpertUsed));
            hooks.add(replayer.get());
            std::printf("routing:    replayed from %s (measurement only: the model computes with experts it did "
                        "not choose)\n",
                        o.replayTrace.c_str());
        }
        if (!o.recordTrace.empty()) {
            recorder = std::make_unique<moe::TraceRecorder>(int32_t(c.nLayer), moeLayers, int32_t(c.moe.nExpert),
                                                            int32_t(c.moe.nExpertUsed));
            hooks.add(recorder.get());
        }
        state.setRoutingHook(&hooks);
    }
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
    const EvaluatorStats afterPrompt = state.stats();
    printPhases({}, afterPrompt.phases);

    const double genSeconds = generate(state, logits, o.genTokens);
    const double genRate = double(o.genTokens) / genSeconds;
    EvaluatorStats stats = state.stats();
    const PhaseTimes afterGeneration = stats.phases;
    if (recorder) {
        recorder->trace().write(o.recordTrace);
        std::printf("routing:    %lld tokens recorded to %s\n", static_cast<long long>(recorder->recordedTokens()),
                    o.recordTrace.c_str());
    }
    if (stats.totalExperts > 0 && device.deviceGBps > 0) {
        auto share = [](int64_t part, int64_t whole) { return whole ? 100.0 * double(part) / double(whole) : 0.0; };
        const int64_t genComputations = stats.expertComputations - afterPrompt.expertComputations;
        const int64_t genOnGpu = stats.expertsOnGpu - afterPrompt.expertsOnGpu;
        std::printf("experts:    %lld of %lld resident in VRAM now; prompt: %.1f%% of %lld expert computations served "
                    "from VRAM, %.1f%% streamed in; generation: %.1f%% of %lld served from VRAM (the cache hit "
                    "rate), %lld copied in after a miss\n",
                    static_cast<long long>(stats.residentExperts), static_cast<long long>(stats.totalExperts),
                    share(afterPrompt.expertsOnGpu, afterPrompt.expertComputations),
                    static_cast<long long>(afterPrompt.expertComputations),
                    share(afterPrompt.expertsStreamed, afterPrompt.expertComputations), share(genOnGpu, genComputations),
                    static_cast<long long>(genComputations),
                    static_cast<long long>(stats.expertCopies - afterPrompt.expertCopies));
        // What share of VRAM-served computations means for the speed limit uses the generation split.
        stats = {stats.expertComputations - afterPrompt.expertComputations, genOnGpu, 0, 0, 0, 0, 0, {}};
    }
    double genLimit = limit;
    if (device.deviceGBps > 0) {
        // Per token: what VRAM serves at device bandwidth, then the CPU's experts at host bandwidth.
        const double onGpu = stats.expertComputations ? double(stats.expertsOnGpu) / double(stats.expertComputations) : 0;
        const double gpuBytes = double(traffic.denseBytes) + onGpu * double(traffic.expertBytesPerToken);
        const double cpuBytes = (1.0 - onGpu) * double(traffic.expertBytesPerToken);
        genLimit = 1.0 / (gpuBytes / (device.deviceGBps * 1e9) + cpuBytes / (bw.readGBps * 1e9));
        std::printf("split:      %.1f MiB per token from VRAM at %.0f GB/s + %.1f MiB from RAM at %.1f GB/s\n",
                    gpuBytes / (1 << 20), device.deviceGBps, cpuBytes / (1 << 20), bw.readGBps);
    }
    std::printf("generation: %lld tokens after the %lld-token prompt in %.2f s = %.2f tok/s; bandwidth limit %.2f "
                "tok/s; %.0f%% of the limit (%.1f GB/s of weights)\n",
                static_cast<long long>(o.genTokens), static_cast<long long>(o.promptTokens), genSeconds, genRate,
                genLimit, 100.0 * genRate / genLimit, genRate * double(traffic.perToken()) / 1e9);
    printPhases(afterPrompt.phases, afterGeneration);
    if (o.promptTokens > 1 && o.genTokens > 0) {
        // The same generation from an empty context: what attention over the prompt costs.
        state.truncate(0);
        const int32_t first = prompt.front();
        state.evaluate(std::span(&first, 1), nullptr, logits.data());
        const PhaseTimes before = state.stats().phases;
        const double emptySeconds = generate(state, logits, o.genTokens);
        const double emptyRate = double(o.genTokens) / emptySeconds;
        std::printf("generation: %lld tokens from an empty context in %.2f s = %.2f tok/s; %.0f%% of the limit "
                    "(%.1f GB/s of weights)\n",
                    static_cast<long long>(o.genTokens), emptySeconds, emptyRate, 100.0 * emptyRate / genLimit,
                    emptyRate * double(traffic.perToken()) / 1e9);
        printPhases(before, state.stats().phases);
    }
    state.saveProfile(); // --profile: the experts this run used, for a warm start next time
    return 0;
}

} // namespace enclave
