// Renders a parsed template: Jinja's scoping (each loop iteration, macro call and with-block gets its
// own scope; if-blocks do not; namespaces carry values out of loops) and its global functions.
#pragma once

#include "engine/text/jinja_ast.h"
#include "engine/text/jinja_value.h"

#include <ctime>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace enclave::jinja {

// Limits keep a hostile template from exhausting the stack, the memory or the time of a session.
struct RenderSettings {
    std::optional<std::tm> localTime; // what strftime_now() formats; nullopt = the system clock
    int maxCallDepth = 200; // nested macro calls
    int64_t maxLoopIterations = 10'000'000; // all loop iterations of one render together
    size_t maxOutputBytes = 64u << 20; // of any one rendered text (the result, a macro's output)
};

class Scope {
public:
    explicit Scope(std::shared_ptr<Scope> parent = nullptr) : m_parent(std::move(parent)) {}

    const Value *find(std::string_view name) const; // this scope, then its parents
    void set(const std::string &name, Value value); // always in this scope

private:
    std::shared_ptr<Scope> m_parent;
    std::vector<std::pair<std::string, Value>> m_vars;
};

// range, dict, namespace, raise_exception, strftime_now, joiner.
void installGlobals(Scope &scope, const RenderSettings &settings);

// Throws TemplateError with the line and column of the construct that failed.
std::string renderTemplate(const Template &tpl, const ValueDict &context, const RenderSettings &settings);

} // namespace enclave::jinja
