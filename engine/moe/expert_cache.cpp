// ExpertCache bookkeeping: the slot table, hit/miss counting and admission; the order in
// which slots are given up is the policy's (eviction_policies.cpp).
#include "engine/moe/expert_cache.h"

#include <algorithm>
#include <numeric>
#include <stdexcept>

namespace enclave::moe {

namespace {

struct PolicyName {
    CachePolicy policy;
    const char *name;
};
constexpr PolicyName kPolicyNames[] = {
    {CachePolicy::Lru, "lru"},       {CachePolicy::LfuDecay, "lfu-decay"}, {CachePolicy::Slru, "slru"},
    {CachePolicy::TinyLfu, "tinylfu"}, {CachePolicy::Adaptive, "adaptive"}, {CachePolicy::Static, "static"},      {CachePolicy::StaticLayers, "static-layers"},
};

} // namespace

const char *cachePolicyName(CachePolicy policy)
{
    for (const PolicyName &p : kPolicyNames)
        if (p.policy == policy)
            return p.name;
    return "?";
}

std::optional<CachePolicy> cachePolicyFromName(const std::string &name)
{
    for (const PolicyName &p : kPolicyNames)
        if (name == p.name)
            return p.policy;
    return std::nullopt;
}

std::vector<CachePolicy> allCachePolicies()
{
    std::vector<CachePolicy> all;
    for (const PolicyName &p : kPolicyNames)
        all.push_back(p.policy);
    return all;
}

bool isStatic(CachePolicy policy) { return policy == CachePolicy::Static || policy == CachePolicy::StaticLayers; }

ExpertCache::ExpertCache(int32_t nLayer, int32_t nExpert, int32_t slots, CachePolicy policy, CacheOptions options)
    : m_nLayer(nLayer), m_nExpert(nExpert), m_policyKind(policy), m_options(std::move(options))
{
    if (nLayer < 0 || nExpert < 0 || slots < 0)
        throw std::invalid_argument("expert cache: negative layer, expert or slot count");
    for (const int32_t layer : m_options.moeLayers)
        if (layer < 0 || layer >= nLayer)
            throw std::invalid_argument("expert cache: MoE layer " + std::to_string(layer) + " outside 0.." +
                                        std::to_string(nLayer - 1));
    if (m_options.moeLayers.empty()) {
        m_options.moeLayers.resize(size_t(nLayer));
        std::iota(m_options.moeLayers.begin(), m_options.moeLayers.end(), 0);
    }
    m_state.content.assign(size_t(slots), ExpertId{});
    m_state.pinnedAt.assign(size_t(slots), 0);
    m_state.frequency = ExpertUsage(nLayer, nExpert, m_options.frequencyHalfLife);
    m_slotOf.assign(size_t(nLayer) * size_t(nExpert), -1);
    m_usableFrom.assign(size_t(slots), 0);
    m_free.resize(size_t(slots));
    for (int32_t s = 0; s < slots; ++s)
        m_free[size_t(s)] = slots - 1 - s; // slot 0 is taken first
    m_policy = makeEvictionPolicy(policy, m_state, m_options);
}

ExpertCache::~ExpertCache() = default;

int32_t ExpertCache::slotOf(ExpertId id) const
{
    if (id.layer < 0 || id.layer >= m_nLayer || id.expert < 0 || id.expert >= m_nExpert)
        return -1;
    return m_slotOf[size_t(id.layer) * size_t(m_nExpert) + size_t(id.expert)];
}

void ExpertCache::place(int32_t slot, ExpertId id, std::vector<SlotChange> &changes)
{
    const ExpertId outgoing = m_state.content[size_t(slot)];
    if (outgoing.valid()) {
        m_policy->removed(slot);
        m_slotOf[size_t(outgoing.layer) * size_t(m_nExpert) + size_t(outgoing.expert)] = -1;
    }
    m_state.content[size_t(slot)] = id;
    m_slotOf[size_t(id.layer) * size_t(m_nExpert) + size_t(id.expert)] = slot;
    m_policy->inserted(slot);
    changes.push_back({slot, id, outgoing});
}

std::vector<ExpertId> ExpertCache::staticLayerExperts(const ExpertUsage &usage) const
{
    std::vector<int32_t> layers = m_options.moeLayers;
    // Most used layers first; equal use (the usual case: every token visits every layer) keeps
    // the last layers, like llama.cpp's --n-cpu-moe, which leaves the first layers on the CPU.
    std::stable_sort(layers.begin(), layers.end(), [&](int32_t a, int32_t b) {
        const double ua = usage.totalScore(a), ub = usage.totalScore(b);
        return ua != ub ? ua > ub : a > b;
    });
    std::vector<ExpertId> experts;
    const size_t wholeLayers = m_nExpert > 0 ? size_t(slots() / m_nExpert) : 0;
    for (size_t i = 0; i < std::min(wholeLayers, layers.size()); ++i)
        for (int32_t e = 0; e < m_nExpert; ++e)
            experts.push_back({layers[i], e});
    return experts;
}

std::vector<SlotChange> ExpertCache::warmStart(const ExpertUsage &usage)
{
    std::vector<SlotChange> changes;
    if (usage.nLayer() != m_nLayer || usage.nExpert() != m_nExpert)
        return changes;
    for (int32_t l = 0; l < m_nLayer; ++l)
        for (int32_t e = 0; e < m_nExpert; ++e)
            if (const double s = usage.score(l, e); s > 0)
                m_state.frequency.record(l, e, s);
    std::vector<ExpertId> wanted = m_policyKind == CachePolicy::StaticLayers
                                       ? staticLayerExperts(usage)
                                       : usage.ranked(size_t(slots()));
    // Skip residents, keep what fits, and insert the best last so recency orders see it newest.
    std::erase_if(wanted, [&](ExpertId id) { return slotOf(id) >= 0; });
    wanted.resize(std::min(wanted.size(), m_free.size()));
    for (auto it = wanted.rbegin(); it != wanted.rend(); ++it) {
        const int32_t slot = m_free.back();
        m_free.pop_back();
        place(slot, *it, changes);
    }
    return changes;
}

void ExpertCache::advanceToken()
{
    ++m_token;
    m_state.frequency.advance(1);
}

std::vector<SlotChange> ExpertCache::access(int32_t layer, std::span<const int32_t> experts, int32_t maxAdmissions)
{
    std::vector<SlotChange> changes;
    access(layer, experts, maxAdmissions, changes);
    return changes;
}

void ExpertCache::access(int32_t layer, std::span<const int32_t> experts, int32_t maxAdmissions,
                         std::vector<SlotChange> &changes)
{
    if (layer < 0 || layer >= m_nLayer)
        throw std::invalid_argument("expert cache: layer " + std::to_string(layer) + " outside 0.." +
                                    std::to_string(m_nLayer - 1));
    for (const int32_t e : experts)
        if (e < 0 || e >= m_nExpert)
            throw std::invalid_argument("expert cache: expert " + std::to_string(e) + " outside 0.." +
                                        std::to_string(m_nExpert - 1));
    ++m_state.call;
    // Hits first, so that every expert of this call is pinned before anything is evicted.
    int32_t misses = 0;
    for (const int32_t e : experts) {
        ++m_counters.accesses;
        m_state.frequency.record(layer, e);
        const int32_t slot = slotOf({layer, e});
        m_policy->accessed(slot >= 0 && m_token >= m_usableFrom[size_t(slot)]);
        if (slot < 0) {
            ++misses;
            continue;
        }
        ++m_counters.hits;
        m_state.pinnedAt[size_t(slot)] = m_state.call;
        m_policy->touched(slot);
    }
    if (misses == 0 || isStatic(m_policyKind))
        return;
    for (const int32_t e : experts) {
        if (maxAdmissions <= 0)
            break;
        const ExpertId id{layer, e};
        if (slotOf(id) >= 0)
            continue;
        int32_t slot = -1;
        if (!m_free.empty()) {
            slot = m_free.back();
            m_free.pop_back();
        } else {
            slot = m_policy->victim();
            if (slot < 0 || !m_policy->admits(id, slot))
                continue;
            ++m_counters.evictions;
        }
        ++m_counters.admissions;
        --maxAdmissions;
        place(slot, id, changes);
        m_state.pinnedAt[size_t(slot)] = m_state.call;
        m_usableFrom[size_t(slot)] = m_token + 1 + m_options.copyDelay;
    }
}

} // namespace enclave::moe
