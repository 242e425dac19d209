// Weight traffic: the bytes of weights one generated token must read — every non-expert
// matrix, the used share of the routed experts, the output projection; the embedding
// contributes one row. With the machine's read bandwidth this is the decode speed limit.
#pragma once

#include "engine/runtime/model.h"

#include <cstdint>

namespace enclave {

struct WeightTraffic {
    uint64_t denseBytes = 0;        // read by every token (attention, norms, dense FFN, shared experts, output)
    uint64_t expertBytes = 0;       // all routed experts
    uint64_t expertBytesPerToken = 0; // routed experts one token reads on average (used / total)
    uint64_t perToken() const { return denseBytes + expertBytesPerToken; }
};

WeightTraffic weightTraffic(const Model &model);

} // namespace enclave
