// Intrusive doubly linked lists over cache slots (several lists share one pair of link
// arrays; a slot is in at most one list): O(1) move-to-front and removal for the LRU-based
// eviction policies, with no allocation after construction.
#pragma once

#include <cstdint>
#include <vector>

namespace enclave::moe {

class SlotLists {
public:
    SlotLists(int32_t slots, int32_t lists)
        : m_prev(size_t(slots), -1), m_next(size_t(slots), -1), m_list(size_t(slots), -1),
          m_head(size_t(lists), -1), m_tail(size_t(lists), -1), m_size(size_t(lists), 0)
    {
    }

    int32_t listOf(int32_t slot) const { return m_list[size_t(slot)]; }
    int32_t size(int32_t list) const { return m_size[size_t(list)]; }
    int32_t front(int32_t list) const { return m_head[size_t(list)]; }
    int32_t back(int32_t list) const { return m_tail[size_t(list)]; }
    int32_t towardsFront(int32_t slot) const { return m_prev[size_t(slot)]; }

    // Puts the slot at the front of `list`, taking it out of whatever list held it.
    void pushFront(int32_t list, int32_t slot)
    {
        remove(slot);
        const size_t s = size_t(slot), l = size_t(list);
        m_next[s] = m_head[l];
        m_prev[s] = -1;
        if (m_head[l] >= 0)
            m_prev[size_t(m_head[l])] = slot;
        else
            m_tail[l] = slot;
        m_head[l] = slot;
        m_list[s] = list;
        ++m_size[l];
    }

    void remove(int32_t slot)
    {
        const size_t s = size_t(slot);
        if (m_list[s] < 0)
            return;
        const size_t l = size_t(m_list[s]);
        (m_prev[s] >= 0 ? m_next[size_t(m_prev[s])] : m_head[l]) = m_next[s];
        (m_next[s] >= 0 ? m_prev[size_t(m_next[s])] : m_tail[l]) = m_prev[s];
        m_prev[s] = m_next[s] = m_list[s] = -1;
        --m_size[l];
    }

private:
    std::vector<int32_t> m_prev, m_next; // [slots] neighbours towards the front / the back
    std::vector<int32_t> m_list;         // [slots] list holding the slot, -1: none
    std::vector<int32_t> m_head, m_tail; // [lists] most / least recent slot, -1: empty
    std::vector<int32_t> m_size;         // [lists]
};

} // namespace enclave::moe
