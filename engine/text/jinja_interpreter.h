// Renders a parsed template: Jinja's scoping (each loop iteration, macro call and with-block gets its
// own scope; if-blocks do not; namespaces carry values out of loops) and its global functions.
#pragma once

#include "engine/text/jinja_ast.h"
#include "engine/text/jinja_limits.h"
#include "engine/text/jinja_value.h"

#include <ctime>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace enclave::jinja {

// Limits keep a hostile template from exhausting the stack, the memory or the time of a session; the
// defaults are the ones of jinja_limits.h, tests lower them.
struct RenderSettings {
    std::optional<std::tm> localTime; // what strftime_now() formats; nullopt = the system clock
    int maxCallDepth = kMaxCallDepth; // nested macro calls
    int maxRenderDepth = kMaxRenderDepth; // nested evaluations of expressions, statements and calls
    int64_t maxLoopIterations = kMaxLoopIterations; // all loop iterations of one render together
    int64_t maxSteps = kMaxSteps; // the work budget of one render
    size_t maxOutputBytes = kMaxOutputBytes; // of any one rendered text (the result, a macro's output)
    RenderStats *stats = nullptr; // when set, receives what the render used, also when it failed
};

class Scope {
public:
    explicit Scope(std::shared_ptr<Scope> parent = nullptr) : m_parent(std::move(parent)) {}

    // This scope, then its parents; adds the number of scopes looked into to `visited`.
    const Value *find(std::string_view name, size_t *visited = nullptr) const;
    void set(const std::string &name, Value value); // always in this scope

private:
    static constexpr size_t kIndexFrom = 16; // names a scope holds before it indexes them
    static constexpr size_t kAbsent = size_t(-1);

    size_t indexOf(std::string_view name) const; // in m_vars, or kAbsent

    std::shared_ptr<Scope> m_parent;
    std::vector<std::pair<std::string, Value>> m_vars;
    std::unordered_map<std::string, size_t> m_index; // name -> position in m_vars, once that is large
};

// range, dict, namespace, raise_exception, strftime_now, joiner. Every namespace created is also
// appended to `namespaces`, which must outlive the render.
void installGlobals(Scope &scope, const RenderSettings &settings, std::vector<Value> &namespaces);

// Throws TemplateError with the line and column of the construct that failed.
std::string renderTemplate(const Template &tpl, const ValueDict &context, const RenderSettings &settings);

} // namespace enclave::jinja
