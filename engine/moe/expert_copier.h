// ExpertCopier: what the ExpertScheduler needs from a backend to move expert weights into GPU
// slots. The CUDA backend implements it with a side stream and events; tests and the cache
// simulator use SimulatedCopier.
#pragma once

#include "engine/moe/expert_id.h"

#include <cstdint>

namespace enclave::moe {

class ExpertCopier {
public:
    virtual ~ExpertCopier() = default;
    // Start copying `expert`'s weights into `slot`, asynchronously. The scheduler calls this
    // only once no submitted work reads the slot's previous content any more.
    virtual void startCopy(int32_t slot, ExpertId expert) = 0;
    // Has the most recent copy started into `slot` completed? Non-blocking.
    virtual bool copyFinished(int32_t slot) = 0;
};

} // namespace enclave::moe
