// RoutingHook: what the runtime tells about every routed token, and the one place where routing
// may be overridden (trace replay for measurements).
#pragma once

#include <cstdint>
#include <span>

namespace enclave::moe {

class RoutingHook {
public:
    virtual ~RoutingHook() = default;
    // After the router chose `experts` (k ids, routing order) for the token at `position` in model layer
    // `layer`. A hook may rewrite the ids in place (trace replay); the runtime then re-derives the weights
    // for the new ids from the same router scores.
    virtual void routed(int64_t layer, int64_t position, std::span<int32_t> experts) = 0;
};

} // namespace enclave::moe
