// The backend registry: "cpu" is built in; GPU backends add themselves at start-up.
#include "engine/backend.h"

#include "engine/cpu/thread_pool.h"
#include "engine/runtime/inference_state.h"

#include <mutex>
#include <stdexcept>
#include <utility>

namespace enclave {
namespace {

struct Registry {
    std::mutex mutex;
    std::vector<std::pair<std::string, EvaluatorFactory>> factories;
};

Registry &registry()
{
    static Registry r;
    return r;
}

std::unique_ptr<Evaluator> createCpu(const Model &model, int64_t contextLength, ThreadPool &pool,
                                     const BackendOptions &options)
{
    auto state = std::make_unique<InferenceState>(model, contextLength, pool);
    state->setPrecision(options.precision);
    state->keepUsageProfile(options.usageProfilePath);
    return state;
}

EvaluatorFactory findFactory(const std::string &name)
{
    Registry &r = registry();
    std::lock_guard lock(r.mutex);
    for (const auto &[n, f] : r.factories)
        if (n == name)
            return f;
    return nullptr;
}

} // namespace

void registerBackend(const std::string &name, EvaluatorFactory factory)
{
    if (name == "cpu" || name == "auto")
        throw std::invalid_argument("backend name '" + name + "' is reserved");
    Registry &r = registry();
    std::lock_guard lock(r.mutex);
    for (auto &[n, f] : r.factories)
        if (n == name) {
            f = std::move(factory);
            return;
        }
    r.factories.emplace_back(name, std::move(factory));
}

std::vector<std::string> availableBackends()
{
    std::vector<std::string> names{"cpu"};
    Registry &r = registry();
    std::lock_guard lock(r.mutex);
    for (const auto &entry : r.factories)
        names.push_back(entry.first);
    return names;
}

std::unique_ptr<Evaluator> createEvaluator(const Model &model, int64_t contextLength, ThreadPool &pool,
                                           const BackendOptions &options, std::string *fallbackReason)
{
    if (options.backend == "cpu")
        return createCpu(model, contextLength, pool, options);
    if (options.backend != "auto") {
        const EvaluatorFactory factory = findFactory(options.backend);
        if (!factory)
            throw std::runtime_error("unknown backend '" + options.backend + "' (available: " + [] {
                std::string list;
                for (const std::string &n : availableBackends())
                    list += (list.empty() ? "" : ", ") + n;
                return list;
            }() + ")");
        return factory(model, contextLength, pool, options);
    }
    std::string reasons;
    const std::vector<std::string> names = availableBackends();
    for (size_t i = 1; i < names.size(); ++i) {
        try {
            BackendOptions named = options;
            named.backend = names[i];
            return findFactory(names[i])(model, contextLength, pool, named);
        } catch (const std::exception &e) {
            reasons += (reasons.empty() ? "" : "; ") + names[i] + ": " + e.what();
        }
    }
    if (fallbackReason)
        *fallbackReason = reasons;
    return createCpu(model, contextLength, pool, options);
}

} // namespace enclave
