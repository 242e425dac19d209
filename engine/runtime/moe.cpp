// Feed-forward stages: dense SwiGLU, and the mixture of experts — routing per token
// (softmax or sigmoid scores, selection bias, group-limited top-k, normalisation, scaling),
// then each selected expert runs once over all the chunk's tokens routed to it.
#include "engine/runtime/layer_ops.h"

#include "engine/cpu/thread_pool.h"
#include "engine/moe/expert_usage.h"
#include "engine/moe/routing_hook.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <stdexcept>
#include <string>

namespace enclave {
namespace {

void swigluFfn(const Expert &e, const float *x, int64_t n, float *out, ThreadPool &pool, MatmulPrecision precision)
{
    const int64_t ff = e.gate.rows;
    std::vector<float> gate(size_t(n * ff)), up(size_t(n * ff));
    matmul(e.gate, x, n, gate.data(), pool, precision);
    matmul(e.up, x, n, up.data(), pool, precision);
    swiglu(gate.data(), up.data(), gate.data(), n * ff);
    matmul(e.down, gate.data(), n, out, pool, precision);
}

std::vector<float> routingScores(const MoeConfig &m, const float *routerLogits)
{
    std::vector<float> scores(routerLogits, routerLogits + m.nExpert);
    if (m.gating == ExpertGating::Softmax)
        softmax(scores.data(), m.nExpert);
    else
        for (float &s : scores)
            s = 1.0f / (1.0f + std::exp(-s));
    return scores;
}

// The selected experts' weights: their scores, normalised to sum 1 if asked, then scaled.
template <class Ids>
std::vector<float> weightsOf(const MoeConfig &m, const std::vector<float> &scores, const Ids &experts)
{
    std::vector<float> weights;
    float sum = 0.0f;
    for (auto e : experts) {
        weights.push_back(scores[size_t(e)]);
        sum += scores[size_t(e)];
    }
    for (float &w : weights) {
        if (m.normTopK)
            w /= sum + 1e-20f;
        w *= float(m.routedScale);
    }
    return weights;
}

// A score as a sort key: NaN (from NaN weights in a damaged file) ranks below everything, so
// every comparison is a strict weak order and the sorts stay inside their ranges.
float rankOf(float v) { return std::isnan(v) ? -INFINITY : v; }

// Indices of the k largest values (ties: lower index first).
std::vector<int> topK(const std::vector<float> &values, int64_t k)
{
    std::vector<int> order(values.size());
    std::iota(order.begin(), order.end(), 0);
    k = std::clamp<int64_t>(k, 0, int64_t(order.size()));
    std::partial_sort(order.begin(), order.begin() + k, order.end(), [&](int a, int b) {
        const float va = rankOf(values[size_t(a)]), vb = rankOf(values[size_t(b)]);
        return va > vb || (va == vb && a < b);
    });
    order.resize(size_t(k));
    return order;
}

// Group-limited selection: experts outside the best topkGroup groups cannot be chosen.
void maskGroups(const MoeConfig &m, std::vector<float> &selection)
{
    const int64_t perGroup = m.nExpert / m.nGroup;
    std::vector<float> groupScore(size_t(m.nGroup));
    for (int64_t g = 0; g < m.nGroup; ++g) {
        std::vector<float> members(selection.begin() + g * perGroup, selection.begin() + (g + 1) * perGroup);
        std::sort(members.begin(), members.end(), [](float a, float b) { return rankOf(a) > rankOf(b); });
        groupScore[size_t(g)] = m.groupScoreTopTwo && members.size() >= 2 ? members[0] + members[1] : members[0];
    }
    const std::vector<int> keep = topK(groupScore, m.topkGroup);
    for (int64_t g = 0; g < m.nGroup; ++g) {
        if (std::find(keep.begin(), keep.end(), int(g)) == keep.end())
            std::fill(selection.begin() + g * perGroup, selection.begin() + (g + 1) * perGroup, -INFINITY);
    }
}

} // namespace

Routing routeToken(const MoeConfig &m, const float *routerLogits, const float *selectionBias)
{
    const std::vector<float> scores = routingScores(m, routerLogits);
    std::vector<float> selection = scores;
    if (selectionBias)
        for (int64_t e = 0; e < m.nExpert; ++e)
            selection[size_t(e)] += selectionBias[e];
    if (m.nGroup > 1 && m.topkGroup < m.nGroup)
        maskGroups(m, selection);
    Routing r;
    r.experts = topK(selection, m.nExpertUsed);
    r.weights = weightsOf(m, scores, r.experts);
    return r;
}

std::vector<float> routingWeightsFor(const MoeConfig &m, const float *routerLogits, std::span<const int32_t> experts)
{
    return weightsOf(m, routingScores(m, routerLogits), experts);
}

namespace {

// rows consecutive vectors of `width` += the expert's slice of a bias stored [nExpert, width].
void addExpertBias(float *x, int64_t rows, int64_t width, const std::vector<float> &bias, size_t expert)
{
    if (bias.empty())
        return;
    const float *b = bias.data() + expert * size_t(width);
    for (int64_t r = 0; r < rows; ++r)
        for (int64_t j = 0; j < width; ++j)
            x[r * width + j] += b[j];
}

} // namespace

void addRouterLogitBias(const LayerWeights &l, float *logits, int64_t n)
{
    if (l.routerLogitBias.empty())
        return;
    const int64_t experts = int64_t(l.routerLogitBias.size());
    for (int64_t t = 0; t < n; ++t)
        for (int64_t e = 0; e < experts; ++e)
            logits[t * experts + e] += l.routerLogitBias[size_t(e)];
}

void expertActivation(const MoeConfig &m, float *gate, const float *up, int64_t n)
{
    if (m.activation == ExpertActivation::ClampedSwiGlu)
        clampedSwiglu(gate, up, gate, n, m.activationAlpha, m.activationLimit);
    else
        swiglu(gate, up, gate, n);
}

void runExpertsOnCpu(const LayerWeights &l, const MoeConfig &m, const float *x, int64_t width,
                     std::span<const ExpertTask> tasks, float *out, ThreadPool &pool, MatmulPrecision precision)
{
    const int64_t d = width;
    std::vector<std::vector<const ExpertTask *>> byExpert(l.experts.size());
    for (const ExpertTask &task : tasks)
        byExpert[size_t(task.expert)].push_back(&task);
    // Every selected expert's gate and up in one dispatch, then every down in another: a decode
    // step wakes the workers twice per layer, not three times per expert.
    struct Work {
        size_t expert;
        int64_t rows;
        std::vector<float> x, gate, up, y;
    };
    std::vector<Work> work;
    for (size_t e = 0; e < byExpert.size(); ++e) {
        if (byExpert[e].empty())
            continue;
        Work w{e, int64_t(byExpert[e].size()), {}, {}, {}, {}};
        const int64_t ff = l.experts[e].gate.rows;
        w.x.resize(size_t(w.rows * d));
        for (int64_t i = 0; i < w.rows; ++i) {
            const ExpertTask *task = byExpert[e][size_t(i)];
            float *row = w.x.data() + i * d;
            std::copy_n(x + task->token * d, d, row);
            if (m.weightBeforeExpert)
                for (int64_t j = 0; j < d; ++j)
                    row[j] *= task->weight;
        }
        w.gate.resize(size_t(w.rows * ff));
        w.up.resize(size_t(w.rows * ff));
        w.y.resize(size_t(w.rows * d));
        work.push_back(std::move(w));
    }
    std::vector<MatmulJob> jobs;
    for (Work &w : work) {
        const Expert &e = l.experts[w.expert];
        jobs.push_back({&e.gate, w.x.data(), w.rows, w.gate.data()});
        jobs.push_back({&e.up, w.x.data(), w.rows, w.up.data()});
    }
    matmulBatch(jobs, pool, precision);
    jobs.clear();
    for (Work &w : work) {
        const int64_t ff = l.experts[w.expert].gate.rows;
        addExpertBias(w.gate.data(), w.rows, ff, l.expertGateBias, w.expert);
        addExpertBias(w.up.data(), w.rows, ff, l.expertUpBias, w.expert);
        expertActivation(m, w.gate.data(), w.up.data(), int64_t(w.gate.size()));
        jobs.push_back({&l.experts[w.expert].down, w.gate.data(), w.rows, w.y.data()});
    }
    matmulBatch(jobs, pool, precision);
    for (Work &w : work)
        addExpertBias(w.y.data(), w.rows, d, l.expertDownBias, w.expert);
    for (const Work &w : work)
        for (int64_t i = 0; i < w.rows; ++i) {
            const ExpertTask *task = byExpert[w.expert][size_t(i)];
            float *o = out + task->token * d;
            const float weight = m.weightBeforeExpert ? 1.0f : task->weight;
            for (int64_t j = 0; j < d; ++j)
                o[j] += weight * w.y[size_t(i * d + j)];
        }
}

void denseFeedForward(const ChunkContext &ctx, const LayerWeights &l, const float *x, float *out)
{
    PhaseTimer timer(ctx.times, &PhaseTimes::denseSeconds);
    swigluFfn(Expert{l.ffnGate, l.ffnUp, l.ffnDown}, x, ctx.n, out, ctx.pool, ctx.precision);
}

int64_t moeFeedForward(const ChunkContext &ctx, const LayerWeights &l, int64_t layer, const float *x, float *out)
{
    const ModelConfig &c = ctx.config;
    const MoeConfig &m = c.moe;
    const int64_t n = ctx.n, d = c.nEmbd;
    PhaseTimer expertTimer(ctx.times, &PhaseTimes::expertSeconds);
    std::vector<float> logits(size_t(n * m.nExpert));
    matmul(l.router, x, n, logits.data(), ctx.pool, ctx.precision);
    addRouterLogitBias(l, logits.data(), n);

    std::vector<ExpertTask> tasks;
    std::vector<int32_t> ids;
    for (int64_t t = 0; t < n; ++t) {
        const float *tokenLogits = logits.data() + t * m.nExpert;
        Routing r = routeToken(m, tokenLogits, l.routerBias.empty() ? nullptr : l.routerBias.data());
        if (ctx.hook) {
            ids.assign(r.experts.begin(), r.experts.end());
            ctx.hook->routed(layer, ctx.firstPos + t, ids);
            for (int32_t id : ids)
                if (id < 0 || id >= m.nExpert)
                    throw std::runtime_error("routing of layer " + std::to_string(layer) + " names expert " +
                                             std::to_string(id) + ", outside 0.." + std::to_string(m.nExpert - 1));
            if (!std::equal(ids.begin(), ids.end(), r.experts.begin())) {
                r.experts.assign(ids.begin(), ids.end());
                r.weights = routingWeightsFor(m, tokenLogits, ids);
            }
        }
        for (size_t i = 0; i < r.experts.size(); ++i) {
            tasks.push_back({t, int32_t(r.experts[i]), r.weights[i]});
            if (ctx.usage)
                ctx.usage->record(int32_t(layer), int32_t(r.experts[i]));
        }
    }
    std::fill_n(out, n * d, 0.0f);
    runExpertsOnCpu(l, m, x, d, tasks, out, ctx.pool, ctx.precision);
    const int64_t computed = int64_t(tasks.size());
    expertTimer.stop();
    std::vector<float> ys;
    if (!l.shared.gate.present())
        return computed;
    PhaseTimer sharedTimer(ctx.times, &PhaseTimes::denseSeconds);
    ys.resize(size_t(n * d));
    swigluFfn(l.shared, x, n, ys.data(), ctx.pool, ctx.precision);
    for (int64_t t = 0; t < n; ++t) {
        float gate = 1.0f;
        if (!l.sharedGate.empty()) {
            float s = 0.0f;
            for (int64_t j = 0; j < d; ++j)
                s += l.sharedGate[size_t(j)] * x[t * d + j];
            gate = 1.0f / (1.0f + std::exp(-s));
        }
        for (int64_t j = 0; j < d; ++j)
            out[t * d + j] += gate * ys[size_t(t * d + j)];
    }
    return computed;
}

} // namespace enclave
