// The eviction policies of ExpertCache. All are O(1) per hit except LfuDecay (O(log slots)
// heap update); victim searches skip the few slots pinned by the current call.
#include "engine/moe/eviction_policy.h"

#include "engine/moe/expert_cache.h"
#include "engine/moe/slot_lists.h"

#include <algorithm>
#include <cmath>

namespace enclave::moe {

namespace {

// The unpinned slot nearest the back of `list`, -1 if none.
int32_t oldestUnpinned(const SlotLists &lists, int32_t list, const CacheState &state)
{
    for (int32_t s = lists.back(list); s >= 0; s = lists.towardsFront(s))
        if (!state.pinned(s))
            return s;
    return -1;
}

class LruPolicy final : public EvictionPolicy {
public:
    LruPolicy(const CacheState &state) : m_state(state), m_lists(int32_t(state.content.size()), 1) {}
    void inserted(int32_t slot) override { m_lists.pushFront(0, slot); }
    void touched(int32_t slot) override { m_lists.pushFront(0, slot); }
    void removed(int32_t slot) override { m_lists.remove(slot); }
    int32_t victim() override { return oldestUnpinned(m_lists, 0, m_state); }

private:
    const CacheState &m_state;
    SlotLists m_lists;
};

// Segmented LRU over a set of slots: new entries enter probation; a hit in probation promotes to
// the protected segment, whose overflow is demoted back to the front of probation.
class SegmentedLru {
public:
    enum List { Probation, Protected, Window };
    SegmentedLru(const CacheState &state, int32_t lists, int32_t protectedCapacity)
        : m_state(state), m_lists(int32_t(state.content.size()), lists), m_protectedCapacity(protectedCapacity)
    {
    }
    void enter(int32_t slot) { m_lists.pushFront(Probation, slot); }
    void touch(int32_t slot)
    {
        m_lists.pushFront(Protected, slot);
        while (m_lists.size(Protected) > std::max(m_protectedCapacity, 1))
            m_lists.pushFront(Probation, m_lists.back(Protected));
    }
    int32_t victim() const
    {
        const int32_t s = oldestUnpinned(m_lists, Probation, m_state);
        return s >= 0 ? s : oldestUnpinned(m_lists, Protected, m_state);
    }
    SlotLists &lists() { return m_lists; }
    const SlotLists &lists() const { return m_lists; }

private:
    const CacheState &m_state;
    SlotLists m_lists;
    int32_t m_protectedCapacity;
};

class SlruPolicy final : public EvictionPolicy {
public:
    SlruPolicy(const CacheState &state, const CacheOptions &o)
        : m_slru(state, 2, int32_t(std::lround(o.protectedFraction * double(state.content.size()))))
    {
    }
    void inserted(int32_t slot) override { m_slru.enter(slot); }
    void touched(int32_t slot) override { m_slru.touch(slot); }
    void removed(int32_t slot) override { m_slru.lists().remove(slot); }
    int32_t victim() override { return m_slru.victim(); }

private:
    SegmentedLru m_slru;
};

// W-TinyLFU adapted to slots: a recency window in front of an SLRU main part. When the cache is
// full, the window's oldest expert and the main part's victim compete: the one routed to less
// often (decayed counts of every expert, resident or not) is evicted. Experts seen once pass
// through the window without flushing the frequently used ones.
//
// Adaptive: the window's share is tuned by hill climbing on the hit rate of usable experts
// (resident and copied): every period the window moves one step; a worse period than the last
// reverses the direction. Small caches and slow copies favour frequency (a small window), large
// caches and fast copies recency.
class TinyLfuPolicy final : public EvictionPolicy {
public:
    TinyLfuPolicy(const CacheState &state, const CacheOptions &o, bool adaptive)
        : m_state(state), m_adaptive(adaptive),
          m_windowCapacity(std::max(1, int32_t(std::lround(o.windowFraction * double(state.content.size()))))),
          m_main(state, 3,
                 int32_t(std::lround(o.protectedFraction * double(int32_t(state.content.size()) - m_windowCapacity))))
    {
    }
    void inserted(int32_t slot) override
    {
        SlotLists &lists = m_main.lists();
        lists.pushFront(SegmentedLru::Window, slot);
        while (lists.size(SegmentedLru::Window) > m_windowCapacity)
            m_main.enter(lists.back(SegmentedLru::Window));
    }
    void touched(int32_t slot) override
    {
        if (m_main.lists().listOf(slot) == SegmentedLru::Window)
            m_main.lists().pushFront(SegmentedLru::Window, slot);
        else
            m_main.touch(slot);
    }
    void removed(int32_t slot) override { m_main.lists().remove(slot); }
    void accessed(bool usableHit) override
    {
        if (!m_adaptive)
            return;
        m_periodHits += usableHit;
        if (++m_periodAccesses < kClimbPeriod)
            return;
        const double rate = double(m_periodHits) / double(m_periodAccesses);
        if (rate < m_lastRate)
            m_direction = -m_direction;
        m_lastRate = rate;
        m_periodHits = m_periodAccesses = 0;
        const int32_t slots = int32_t(m_state.content.size());
        const int32_t step = std::max(1, int32_t(m_stepFraction * double(slots)));
        m_stepFraction = std::max(kMinStep, m_stepFraction * kStepDecay);
        m_windowCapacity = std::clamp(m_windowCapacity + m_direction * step, 1, std::max(1, slots - 1));
        SlotLists &lists = m_main.lists();
        while (lists.size(SegmentedLru::Window) > m_windowCapacity)
            m_main.enter(lists.back(SegmentedLru::Window));
    }
    int32_t victim() override
    {
        const SlotLists &lists = m_main.lists();
        const int32_t fromMain = m_main.victim();
        const int32_t fromWindow = lists.size(SegmentedLru::Window) >= m_windowCapacity
                                       ? oldestUnpinned(lists, SegmentedLru::Window, m_state)
                                       : -1;
        if (fromWindow < 0 || fromMain < 0)
            return fromMain >= 0 ? fromMain : fromWindow;
        // The window's oldest moves on into the main part only if it beats the main victim.
        return m_state.frequencyOf(fromWindow) > m_state.frequencyOf(fromMain) ? fromMain : fromWindow;
    }

private:
    static constexpr int64_t kClimbPeriod = 8192; // accesses (about 20 tokens of a 48-layer, top-8 model)
    static constexpr double kMinStep = 0.01;
    static constexpr double kStepDecay = 0.98;

    const CacheState &m_state;
    bool m_adaptive;
    int32_t m_windowCapacity;
    SegmentedLru m_main;
    int64_t m_periodAccesses = 0;
    int64_t m_periodHits = 0;
    double m_lastRate = 0;
    int32_t m_direction = 1;
    double m_stepFraction = 0.05;
};

// Least decayed-frequently used: an indexed min-heap of slots keyed by their expert's count.
class LfuDecayPolicy final : public EvictionPolicy {
public:
    LfuDecayPolicy(const CacheState &state) : m_state(state), m_position(state.content.size(), -1) {}
    void inserted(int32_t slot) override
    {
        m_position[size_t(slot)] = int32_t(m_heap.size());
        m_heap.push_back(slot);
        siftUp(m_heap.size() - 1);
    }
    void touched(int32_t slot) override { siftDown(size_t(m_position[size_t(slot)])); } // counts only grow
    void removed(int32_t slot) override
    {
        const size_t at = size_t(m_position[size_t(slot)]);
        swapAt(at, m_heap.size() - 1);
        m_heap.pop_back();
        m_position[size_t(slot)] = -1;
        if (at < m_heap.size()) {
            siftUp(at);
            siftDown(at);
        }
    }
    int32_t victim() override
    {
        // Walk down from the top through pinned slots only: below an unpinned slot nothing is
        // smaller, so the smallest unpinned slot met is the answer (few slots are pinned).
        int32_t best = -1;
        m_frontier.assign(1, 0);
        while (!m_frontier.empty()) {
            const size_t at = m_frontier.back();
            m_frontier.pop_back();
            if (at >= m_heap.size())
                continue;
            const int32_t slot = m_heap[at];
            if (best >= 0 && key(slot) >= key(best))
                continue;
            if (!m_state.pinned(slot)) {
                best = slot;
                continue;
            }
            m_frontier.push_back(2 * at + 1);
            m_frontier.push_back(2 * at + 2);
        }
        return best;
    }

private:
    double key(int32_t slot) const { return m_state.frequencyOf(slot); }
    void swapAt(size_t a, size_t b)
    {
        std::swap(m_heap[a], m_heap[b]);
        m_position[size_t(m_heap[a])] = int32_t(a);
        m_position[size_t(m_heap[b])] = int32_t(b);
    }
    void siftUp(size_t at)
    {
        while (at > 0 && key(m_heap[at]) < key(m_heap[(at - 1) / 2])) {
            swapAt(at, (at - 1) / 2);
            at = (at - 1) / 2;
        }
    }
    void siftDown(size_t at)
    {
        for (;;) {
            size_t smallest = at;
            for (const size_t child : {2 * at + 1, 2 * at + 2})
                if (child < m_heap.size() && key(m_heap[child]) < key(m_heap[smallest]))
                    smallest = child;
            if (smallest == at)
                return;
            swapAt(at, smallest);
            at = smallest;
        }
    }

    const CacheState &m_state;
    std::vector<int32_t> m_heap;     // slots, min-heap by key
    std::vector<int32_t> m_position; // [slots] index in m_heap, -1: absent
    std::vector<size_t> m_frontier;  // scratch for victim()
};

// Static placements never evict.
class StaticPolicy final : public EvictionPolicy {
public:
    void inserted(int32_t) override {}
    void touched(int32_t) override {}
    void removed(int32_t) override {}
    int32_t victim() override { return -1; }
};

} // namespace

std::unique_ptr<EvictionPolicy> makeEvictionPolicy(CachePolicy policy, const CacheState &state,
                                                   const CacheOptions &options)
{
    switch (policy) {
    case CachePolicy::Lru:
        return std::make_unique<LruPolicy>(state);
    case CachePolicy::LfuDecay:
        return std::make_unique<LfuDecayPolicy>(state);
    case CachePolicy::Slru:
        return std::make_unique<SlruPolicy>(state, options);
    case CachePolicy::TinyLfu:
        return std::make_unique<TinyLfuPolicy>(state, options, false);
    case CachePolicy::Adaptive:
        return std::make_unique<TinyLfuPolicy>(state, options, true);
    case CachePolicy::Static:
    case CachePolicy::StaticLayers:
        break;
    }
    return std::make_unique<StaticPolicy>();
}

} // namespace enclave::moe
