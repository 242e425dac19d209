// Sampler: penalties → greedy, or temperature → top-k → softmax → top-p → min-p → draw.
#include "engine/text/sampler.h"

#include <algorithm>
#include <cmath>
#include <unordered_map>

namespace enclave {

Sampler::Sampler(const SamplingParams &params)
    : m_params(params), m_seed(params.seed ? params.seed : std::random_device{}()), m_rng(m_seed)
{
}

void Sampler::applyPenalties(std::span<float> logits, std::span<const int32_t> history) const
{
    const SamplingParams &p = m_params;
    if (p.repeatPenalty == 1.0f && p.presencePenalty == 0.0f && p.frequencyPenalty == 0.0f)
        return;
    const size_t window = std::min(history.size(), size_t(std::max(p.penaltyWindow, 0)));
    std::unordered_map<int32_t, int> counts;
    for (int32_t t : history.subspan(history.size() - window))
        ++counts[t];
    for (const auto &[token, count] : counts) {
        if (token < 0 || size_t(token) >= logits.size())
            continue;
        float &l = logits[size_t(token)];
        if (p.repeatPenalty != 1.0f)
            l = l > 0 ? l / p.repeatPenalty : l * p.repeatPenalty;
        l -= p.presencePenalty + p.frequencyPenalty * float(count);
    }
}

int32_t Sampler::sample(std::span<float> logits, std::span<const int32_t> history)
{
    applyPenalties(logits, history);
    if (m_params.temperature <= 0.0f)
        return int32_t(std::max_element(logits.begin(), logits.end()) - logits.begin());

    m_candidates.clear();
    for (size_t i = 0; i < logits.size(); ++i)
        m_candidates.push_back({logits[i] / m_params.temperature, int32_t(i)});
    const auto byLogit = [](const auto &a, const auto &b) { return a.first > b.first || (a.first == b.first && a.second < b.second); };
    size_t keep = m_candidates.size();
    if (m_params.topK > 0 && size_t(m_params.topK) < keep)
        keep = size_t(m_params.topK);
    std::partial_sort(m_candidates.begin(), m_candidates.begin() + ptrdiff_t(keep), m_candidates.end(), byLogit);
    m_candidates.resize(keep);

    const float maxLogit = m_candidates.front().first;
    double sum = 0.0;
    for (auto &c : m_candidates) {
        c.first = std::exp(c.first - maxLogit);
        sum += c.first;
    }
    for (auto &c : m_candidates)
        c.first = float(c.first / sum);
    // top-p: the smallest prefix whose mass reaches topP; min-p: drop tokens below minP × best.
    double mass = 0.0;
    size_t cut = m_candidates.size();
    for (size_t i = 0; i < m_candidates.size(); ++i) {
        mass += m_candidates[i].first;
        const bool belowMinP = m_params.minP > 0.0f && m_candidates[i].first < m_params.minP * m_candidates[0].first;
        if (belowMinP) {
            cut = std::max<size_t>(i, 1);
            break;
        }
        if (m_params.topP < 1.0f && mass >= m_params.topP) {
            cut = i + 1;
            break;
        }
    }
    m_candidates.resize(cut);
    double total = 0.0;
    for (const auto &c : m_candidates)
        total += c.first;
    std::uniform_real_distribution<double> draw(0.0, total);
    double r = draw(m_rng);
    for (const auto &c : m_candidates) {
        r -= c.first;
        if (r <= 0.0)
            return c.second;
    }
    return m_candidates.back().second;
}

} // namespace enclave
