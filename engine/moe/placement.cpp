// planPlacement: overflow-safe sums, then as many whole expert slots as the rest holds.
#include "engine/moe/placement.h"

#include <algorithm>
#include <cstdio>
#include <limits>

namespace enclave::moe {

namespace {

std::string mib(uint64_t bytes)
{
    char text[32];
    std::snprintf(text, sizeof text, "%.1f MiB", double(bytes) / (1024.0 * 1024.0));
    return text;
}

uint64_t saturatingAdd(uint64_t a, uint64_t b)
{
    return a > std::numeric_limits<uint64_t>::max() - b ? std::numeric_limits<uint64_t>::max() : a + b;
}

} // namespace

PlacementPlan planPlacement(const PlacementInput &in)
{
    PlacementPlan plan;
    plan.requiredBytes = saturatingAdd(saturatingAdd(in.baseBytes, in.kvCacheBytes), in.scratchBytes);
    const std::string needs = "weights " + mib(in.baseBytes) + " + KV cache " + mib(in.kvCacheBytes) + " + scratch " +
                              mib(in.scratchBytes);
    if (plan.requiredBytes > in.vramBudget) {
        plan.summary = "does not fit: " + needs + " = " + mib(plan.requiredBytes) + " exceed the budget of " +
                       mib(in.vramBudget) + "; running on the CPU";
        return plan;
    }
    plan.fits = true;
    const uint64_t rest = in.vramBudget - plan.requiredBytes;
    const int64_t experts = std::max<int64_t>(in.expertCount, 0);
    if (in.bytesPerExpert == 0)
        plan.slotCount = experts;
    else
        plan.slotCount = int64_t(std::min<uint64_t>(rest / in.bytesPerExpert, uint64_t(experts)));
    plan.allExperts = plan.slotCount == experts;
    plan.expertBytes = uint64_t(plan.slotCount) * in.bytesPerExpert;
    plan.spareBytes = rest - plan.expertBytes;
    plan.summary = needs + ", then " + std::to_string(plan.slotCount) + " of " + std::to_string(experts) +
                   " experts (" + mib(plan.expertBytes) + ")" + (plan.allExperts ? ": all experts resident" : "") +
                   ", " + mib(plan.spareBytes) + " spare";
    return plan;
}

} // namespace enclave::moe
