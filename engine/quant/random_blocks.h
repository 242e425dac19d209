// Random rows of any weight format, for tests and benchmarks: every bit pattern of the levels and
// packed scales of a block is valid, so the bytes are random and only the float scale fields are
// set to a sane value. Float formats get N(0, 1) values.
#pragma once

#include "engine/quant/quant_type.h"

#include <cstdint>
#include <vector>

namespace enclave {

enum class RandomScales {
    Varied, // zero, normal and subnormal halves, both signs: what a kernel must get right
    Normal, // normal values of both signs only: what a throughput measurement should see
};

// n elements (a multiple of the format's block) of `type`, reproducible from seed.
std::vector<uint8_t> randomBlocks(QuantType type, int64_t n, uint32_t seed, RandomScales scales = RandomScales::Varied);

} // namespace enclave
