// ExpertId: one routed expert of one model layer, the unit the GPU expert cache holds.
#pragma once

#include <compare>
#include <cstdint>

namespace enclave::moe {

struct ExpertId {
    int32_t layer = -1;  // model layer (dense layers included in the numbering)
    int32_t expert = -1; // routed expert within the layer
    bool valid() const { return layer >= 0 && expert >= 0; }
    auto operator<=>(const ExpertId &) const = default;
};

} // namespace enclave::moe
