// The VRAM budget planner: what must be resident first (everything but the routed experts),
// and how many routed-expert slots the rest holds. Pure arithmetic on byte counts the caller
// measures; a plan that cannot hold the base says why, and the caller runs on the CPU.
#pragma once

#include <cstdint>
#include <string>

namespace enclave::moe {

struct PlacementInput {
    uint64_t vramBudget = 0;     // bytes the engine may use on the device
    uint64_t baseBytes = 0;      // non-expert weights, routers, shared experts
    uint64_t kvCacheBytes = 0;   // KV cache at the context length
    uint64_t scratchBytes = 0;   // activations, staging buffers
    uint64_t bytesPerExpert = 0; // one routed expert (all its matrices)
    int64_t expertCount = 0;     // routed experts over all MoE layers
};

struct PlacementPlan {
    bool fits = false;         // the base fits; slots may be used
    bool allExperts = false;   // every routed expert fits: no cache, no CPU experts
    int64_t slotCount = 0;     // expert slots to allocate (<= expertCount)
    uint64_t requiredBytes = 0; // base + KV cache + scratch
    uint64_t expertBytes = 0;   // slots * bytesPerExpert
    uint64_t spareBytes = 0;    // budget left after both
    std::string summary;        // one line for the log; says why when it does not fit
};

PlacementPlan planPlacement(const PlacementInput &input);

} // namespace enclave::moe
