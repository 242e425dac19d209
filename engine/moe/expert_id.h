// ExpertId: one routed expert of one model layer, the unit the GPU expert cache holds.
#pragma once

#include <cstdint>

namespace enclave::moe {

struct ExpertId {
    int32_t layer = -1;  // model layer (dense layers included in the numbering)
    int32_t expert = -1; // routed expert within the layer
    bool valid() const { return layer >= 0 && expert >= 0; }
    bool operator==(const ExpertId &o) const { return layer == o.layer && expert == o.expert; }
    bool operator!=(const ExpertId &o) const { return !(*this == o); }
    bool operator<(const ExpertId &o) const { return layer != o.layer ? layer < o.layer : expert < o.expert; }
};

} // namespace enclave::moe
