// InferenceState: the CPU evaluator — one sequence being evaluated, its KV cache and position.
// Feed prompt chunks or single tokens; each call continues after what the cache already holds.
// Not thread-safe; one state per conversation. The Model must outlive it.
#pragma once

#include "engine/backend.h"
#include "engine/runtime/kv_cache.h"
#include "engine/runtime/recurrent_state.h"
#include "engine/runtime/model.h"
#include "engine/runtime/ops.h"

#include <memory>
#include <span>
#include <string>

namespace enclave {

class ThreadPool;
namespace moe {
class ExpertUsage;
}

class InferenceState final : public Evaluator {
public:
    // contextLength: positions the cache holds (≤ 0: the model's training context).
    InferenceState(const Model &model, int64_t contextLength, ThreadPool &pool);
    ~InferenceState() override;

    int64_t position() const override { return m_position; }
    int64_t capacity() const override { return m_cache.capacity; }
    const Model &model() const override { return m_model; }
    // Forget every position from n on (n ≤ position()); cached prefix reuse keeps the rest.
    void truncate(int64_t n) override;
    bool canTruncate(int64_t n) const override;
    void setPrecision(MatmulPrecision precision) override { m_precision = precision; }
    MatmulPrecision precision() const { return m_precision; }
    void setRoutingHook(moe::RoutingHook *hook) override { m_hook = hook; }
    std::string deviceName() const override;
    EvaluatorStats stats() const override { return m_stats; }
    // Counts the experts this sequence routes to (so a later GPU load of the model starts warm)
    // and saveProfile() writes them to `path`; an unusable existing profile is started afresh.
    void keepUsageProfile(const std::string &path);
    void saveProfile() override;

    // Evaluates tokens at positions position()...; writes logits [tokens.size(), nVocab] of
    // every token to allLogits and/or of the last one to lastLogits (either may be null).
    // Throws std::out_of_range for a token id outside the vocabulary or a full cache.
    void evaluate(std::span<const int32_t> tokens, float *allLogits, float *lastLogits = nullptr) override;

private:
    void runLayers(float *residual, int64_t n);
    void projectLogits(const float *residual, int64_t n, float *allLogits, float *lastLogits);

    const Model &m_model;
    ThreadPool &m_pool;
    RopeTables m_rope;
    KvCache m_cache;
    RecurrentState m_recurrent;
    int64_t m_position = 0;
    MatmulPrecision m_precision = MatmulPrecision::Exact;
    moe::RoutingHook *m_hook = nullptr;
    EvaluatorStats m_stats;
    std::unique_ptr<moe::ExpertUsage> m_usage;
    std::string m_profilePath;
};

} // namespace enclave
