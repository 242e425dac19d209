// The format table: the one place that maps a QuantType to its sizes and scalar reference functions.
#include "engine/quant/traits.h"

#include "engine/quant/blocks.h"
#include "engine/quant/reference.h"

#include <array>
#include <stdexcept>
#include <string>

namespace enclave {
namespace {

#define ENCLAVE_TRAITS(T, ns, elems, bytes, dot)                                                   \
    QuantTraits{QuantType::T, #T, elems, bytes, ref::ns::dequantizeRow, ref::ns::quantizeRow,      \
                QuantType::dot, ref::ns::vecDot}

#define ENCLAVE_READ_ONLY_TRAITS(T, ns, bytes)                                                     \
    QuantTraits{QuantType::T, #T, kQK_K, bytes, ref::ns::dequantizeRow, nullptr, QuantType::Q8_K,  \
                ref::ns::vecDot}

constexpr std::array kTraits = {
    ENCLAVE_TRAITS(F32, f32, 1, 4, F32),
    ENCLAVE_TRAITS(F16, f16, 1, 2, F32),
    ENCLAVE_TRAITS(BF16, bf16, 1, 2, F32),
    QuantTraits{QuantType::F8_E4M3, "F8_E4M3", 1, 1, ref::f8_e4m3::dequantizeRow, nullptr, QuantType::F32,
                ref::f8_e4m3::vecDot},
    ENCLAVE_TRAITS(Q4_0, q4_0, kQK4_0, sizeof(BlockQ4_0), Q8_0),
    ENCLAVE_TRAITS(Q4_1, q4_1, kQK4_0, sizeof(BlockQ4_1), Q8_0),
    ENCLAVE_TRAITS(Q5_0, q5_0, kQK4_0, sizeof(BlockQ5_0), Q8_0),
    ENCLAVE_TRAITS(Q5_1, q5_1, kQK4_0, sizeof(BlockQ5_1), Q8_0),
    ENCLAVE_TRAITS(Q8_0, q8_0, kQK8_0, sizeof(BlockQ8_0), Q8_0),
    ENCLAVE_TRAITS(Q8_1, q8_1, kQK8_0, sizeof(BlockQ8_1), Q8_0),
    ENCLAVE_TRAITS(Q2_K, q2_k, kQK_K, sizeof(BlockQ2_K), Q8_K),
    ENCLAVE_TRAITS(Q3_K, q3_k, kQK_K, sizeof(BlockQ3_K), Q8_K),
    ENCLAVE_TRAITS(Q4_K, q4_k, kQK_K, sizeof(BlockQ4_K), Q8_K),
    ENCLAVE_TRAITS(Q5_K, q5_k, kQK_K, sizeof(BlockQ5_K), Q8_K),
    ENCLAVE_TRAITS(Q6_K, q6_k, kQK_K, sizeof(BlockQ6_K), Q8_K),
    ENCLAVE_TRAITS(Q8_K, q8_k, kQK_K, sizeof(BlockQ8_K), Q8_K),
    ENCLAVE_TRAITS(IQ4_NL, iq4_nl, kQK4_0, sizeof(BlockIQ4_NL), Q8_0),
    ENCLAVE_TRAITS(IQ4_XS, iq4_xs, kQK_K, sizeof(BlockIQ4_XS), Q8_K),
    ENCLAVE_TRAITS(MXFP4, mxfp4, kQKMxfp4, sizeof(BlockMXFP4), Q8_0),
    ENCLAVE_READ_ONLY_TRAITS(IQ1_S, iq1_s, sizeof(BlockIQ1_S)),
    ENCLAVE_READ_ONLY_TRAITS(IQ1_M, iq1_m, sizeof(BlockIQ1_M)),
    ENCLAVE_READ_ONLY_TRAITS(IQ2_XXS, iq2_xxs, sizeof(BlockIQ2_XXS)),
    ENCLAVE_READ_ONLY_TRAITS(IQ2_XS, iq2_xs, sizeof(BlockIQ2_XS)),
    ENCLAVE_READ_ONLY_TRAITS(IQ2_S, iq2_s, sizeof(BlockIQ2_S)),
    ENCLAVE_READ_ONLY_TRAITS(IQ3_XXS, iq3_xxs, sizeof(BlockIQ3_XXS)),
    ENCLAVE_READ_ONLY_TRAITS(IQ3_S, iq3_s, sizeof(BlockIQ3_S)),
};

#undef ENCLAVE_TRAITS
#undef ENCLAVE_READ_ONLY_TRAITS

} // namespace

const QuantTraits *findQuantTraits(QuantType type)
{
    for (const QuantTraits &t : kTraits) {
        if (t.type == type)
            return &t;
    }
    return nullptr;
}

const QuantTraits &quantTraits(QuantType type)
{
    if (const QuantTraits *t = findQuantTraits(type))
        return *t;
    throw std::invalid_argument("quantTraits: unknown quant type id " + std::to_string(uint32_t(type)));
}

} // namespace enclave
