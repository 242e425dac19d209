// Variable scopes of a render. Small scopes (a loop iteration, a macro call) are scanned; a scope
// that gathers many names (thousands of {% set %}s at the top level) indexes them, so that a long
// template cannot make every lookup linear in its size.
#include "engine/text/jinja_interpreter.h"

namespace enclave::jinja {

size_t Scope::indexOf(std::string_view name) const
{
    if (!m_index.empty()) {
        const auto hit = m_index.find(std::string(name));
        return hit == m_index.end() ? kAbsent : hit->second;
    }
    for (size_t i = 0; i < m_vars.size(); ++i) {
        if (m_vars[i].first == name)
            return i;
    }
    return kAbsent;
}

const Value *Scope::find(std::string_view name, size_t *visited) const
{
    size_t levels = 0;
    for (const Scope *s = this; s; s = s->m_parent.get()) {
        ++levels;
        const size_t i = s->indexOf(name);
        if (i != kAbsent) {
            if (visited)
                *visited += levels;
            return &s->m_vars[i].second;
        }
    }
    if (visited)
        *visited += levels;
    return nullptr;
}

void Scope::set(const std::string &name, Value value)
{
    const size_t i = indexOf(name);
    if (i != kAbsent) {
        m_vars[i].second = std::move(value);
        return;
    }
    m_vars.emplace_back(name, std::move(value));
    if (m_vars.size() > kIndexFrom) {
        if (m_index.empty()) {
            for (size_t k = 0; k < m_vars.size(); ++k)
                m_index.emplace(m_vars[k].first, k);
        } else {
            m_index.emplace(name, m_vars.size() - 1);
        }
    }
}

} // namespace enclave::jinja
