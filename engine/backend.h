// Backends: where a model's forward pass runs. An Evaluator is one sequence being evaluated (its
// KV cache and position) on one backend; the CPU one is InferenceState, others (cuda/) register
// a factory at start-up so that engine/ never depends on them. CPU-only and everything-on-GPU are
// the two ends of the same mechanism: a GPU backend given a VRAM budget keeps what fits (the
// non-expert weights first, then the experts used most) and computes the rest on the CPU.
#pragma once

#include "engine/runtime/ops.h"
#include "engine/runtime/phase_times.h"

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

namespace enclave {

class Model;
class ThreadPool;
namespace moe {
class RoutingHook;
}

struct BackendOptions {
    std::string backend = "cpu";   // "cpu", a registered name ("cuda"), or "auto" (best available)
    int64_t vramBudgetBytes = -1;  // < 0: the device's free memory minus a safety margin
    int device = 0;                // GPU index
    std::string usageProfilePath;  // expert usage profile: read at start (warm cache), written by saveProfile()
    std::string expertCachePolicy; // VRAM expert cache policy by name ("lru", "adaptive", "static-layers"...); empty: default
    MatmulPrecision precision = MatmulPrecision::Exact;
};

// Counters since the evaluator was created.
struct EvaluatorStats {
    int64_t expertComputations = 0;  // (token, routed expert) pairs computed
    int64_t expertsOnGpu = 0;        // of those, served from VRAM
    int64_t expertsStreamed = 0;     // of those, computed on the GPU after a copy for one prompt chunk
    int64_t expertCopies = 0;        // experts copied into VRAM after a miss
    int64_t residentExperts = 0;     // experts in VRAM now
    int64_t totalExperts = 0;        // routed experts of the model (all MoE layers)
    int64_t vramBytes = 0;           // device memory held
    PhaseTimes phases;               // where the time went (CPU evaluator; zero elsewhere)
};

// A device's own bandwidth, measured on request (benchmarks print speeds against it).
struct DeviceBandwidth {
    double deviceGBps = 0;       // device memory, a device-to-device copy (bytes read + written)
    double hostToDeviceGBps = 0; // pinned host memory to the device (PCIe / NVLink)
};

class Evaluator {
public:
    virtual ~Evaluator() = default;

    virtual const Model &model() const = 0;
    virtual int64_t position() const = 0;
    virtual int64_t capacity() const = 0;
    // Forget every position from n on (n ≤ position()). A model with recurrent layers can only go
    // back to 0 (or stay): its state holds no earlier positions (see canTruncate).
    virtual void truncate(int64_t n) = 0;
    // Whether truncate(n) is possible: always for attention-only models; for recurrent ones only
    // to 0 or to the current position.
    virtual bool canTruncate(int64_t n) const { return n <= position(); }
    virtual void setPrecision(MatmulPrecision precision) = 0;
    // Evaluates tokens at positions position()...; writes logits [tokens.size(), nVocab] of every
    // token to allLogits and/or of the last one to lastLogits (either may be null). Throws
    // std::out_of_range for a token outside the vocabulary or a full cache.
    virtual void evaluate(std::span<const int32_t> tokens, float *allLogits, float *lastLogits = nullptr) = 0;
    // Observes (and may override) every routing decision; null: none. Not owned.
    virtual void setRoutingHook(moe::RoutingHook *hook) = 0;
    // What runs it, for people: "CPU (16 threads)", "NVIDIA H100 80GB HBM3 + CPU".
    virtual std::string deviceName() const = 0;
    virtual EvaluatorStats stats() const { return {}; }
    // Writes the expert usage profile to BackendOptions::usageProfilePath (no-op without one).
    virtual void saveProfile() {}
    // One line on what went where (empty for the CPU).
    virtual std::string describePlacement() const { return {}; }
    // Measures the device's bandwidth (takes a moment; all zero for the CPU).
    virtual DeviceBandwidth measureDeviceBandwidth() { return {}; }
};

using EvaluatorFactory = std::function<std::unique_ptr<Evaluator>(const Model &model, int64_t contextLength,
                                                                  ThreadPool &pool, const BackendOptions &options)>;

// Makes a backend available under `name` (replacing an earlier one of that name). Thread-safe.
void registerBackend(const std::string &name, EvaluatorFactory factory);
// "cpu" first, then the registered ones in registration order.
std::vector<std::string> availableBackends();

// Creates an evaluator on options.backend. An unknown name, or a backend that cannot start (no
// device, the model does not fit its budget, out of memory), throws std::runtime_error saying
// why — except "auto", which falls back to the CPU and puts the reason in *fallbackReason.
std::unique_ptr<Evaluator> createEvaluator(const Model &model, int64_t contextLength, ThreadPool &pool,
                                           const BackendOptions &options, std::string *fallbackReason = nullptr);

} // namespace enclave
