// RoutingHook: the runtime's callback for every routed token, and the hooks built on it:
// TraceRecorder (record a model's routing to a trace), TraceReplayer (replace the router's
// choices by a trace's, for measurement only), UsageRecorder (feed an ExpertUsage profile) and
// RoutingHookList (several hooks in order). Hooks run on the thread that routes; none of them
// is thread-safe.
#pragma once

#include "engine/moe/expert_usage.h"
#include "engine/moe/routing_trace.h"

#include <cstdint>
#include <span>
#include <vector>

namespace enclave::moe {

class RoutingHook {
public:
    virtual ~RoutingHook() = default;
    // After the router chose `experts` (k ids, routing order) for the token at `position` in model layer
    // `layer`. A hook may rewrite the ids in place (trace replay); the runtime then re-derives the weights
    // for the new ids from the same router scores.
    virtual void routed(int64_t layer, int64_t position, std::span<int32_t> experts) = 0;
};

// Records routing as a token stream in call order. Positions are not trace indices: a chunk may
// be routed layer by layer (all positions of layer 0, then layer 1...) or token by token, and
// evaluation may restart at 0 (a new conversation) or jump back (a truncated cache). A call that
// routes a (position, layer) already recorded in the current run of positions, or a position
// that does not continue it, starts a new run appended after the recorded tokens. Tokens whose
// MoE layers were not all routed (an interrupted forward pass) are left out of trace().
class TraceRecorder final : public RoutingHook {
public:
    // Throws std::invalid_argument on an impossible shape.
    TraceRecorder(int32_t nLayer, std::vector<int32_t> moeLayers, int32_t nExpert, int32_t k);
    // Throws std::invalid_argument for a layer that is not a MoE layer, a count other than k, or
    // an id out of range.
    void routed(int64_t layer, int64_t position, std::span<int32_t> experts) override;
    RoutingTrace trace() const;
    int64_t recordedTokens() const { return int64_t(m_layersDone.size()); }

private:
    RoutingTrace m_shape;               // empty; holds the shape
    std::vector<int32_t> m_ids;         // [rows, nMoeLayer, k]
    std::vector<bool> m_filled;         // [rows, nMoeLayer]
    std::vector<int32_t> m_layersDone;  // [rows] MoE layers recorded
    int64_t m_runPosition = 0;          // position of the current run's first row
    int64_t m_runRow = 0;               // that row
};

// Replaces the router's ids with the trace's: position p takes trace token (p mod tokens), so a
// trace shorter than the evaluation repeats. Measurement only (the model computes with experts it
// did not choose).
class TraceReplayer final : public RoutingHook {
public:
    // Throws std::runtime_error when the trace is empty or does not match the model: other k,
    // more experts than the model has, or MoE layers the model does not have.
    TraceReplayer(RoutingTrace trace, int32_t nLayer, const std::vector<int32_t> &moeLayers, int32_t nExpert,
                  int32_t k);
    // Throws std::runtime_error for a layer outside the trace or a count other than k.
    void routed(int64_t layer, int64_t position, std::span<int32_t> experts) override;

private:
    RoutingTrace m_trace;
};

// Counts every routed expert into a usage profile; a call for the first MoE layer starts a new
// token (ages the counts), which holds for chunks routed layer by layer as well.
class UsageRecorder final : public RoutingHook {
public:
    // `usage` must outlive the recorder.
    UsageRecorder(ExpertUsage &usage, int64_t firstMoeLayer) : m_usage(usage), m_firstMoeLayer(firstMoeLayer) {}
    void routed(int64_t layer, int64_t position, std::span<int32_t> experts) override;

private:
    ExpertUsage &m_usage;
    int64_t m_firstMoeLayer;
};

// Calls its hooks in the order added (a replayer before recorders records the replayed ids).
class RoutingHookList final : public RoutingHook {
public:
    void add(RoutingHook *hook) { m_hooks.push_back(hook); } // not owned; must outlive the list
    bool empty() const { return m_hooks.empty(); }
    void routed(int64_t layer, int64_t position, std::span<int32_t> experts) override
    {
        for (RoutingHook *hook : m_hooks)
            hook->routed(layer, position, experts);
    }

private:
    std::vector<RoutingHook *> m_hooks;
};

} // namespace enclave::moe
