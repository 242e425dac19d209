// Scalar reference functions of every format, one namespace per format (defined in quant/<format>.cpp).
// Internal to quant/ and cpu/: everything else goes through quantTraits(). Rows hold n elements,
// n a multiple of the block size; vecDot's activation row is in the format's dotType.
#pragma once

#include <cstdint>

namespace enclave::ref {

#define ENCLAVE_REF_FORMAT(ns)                                                                     \
    namespace ns {                                                                                 \
    void dequantizeRow(const void *src, float *dst, int64_t n);                                    \
    void quantizeRow(const float *src, void *dst, int64_t n);                                      \
    float vecDot(int64_t n, const void *weightRow, const void *activationRow);                     \
    }

ENCLAVE_REF_FORMAT(f32)
ENCLAVE_REF_FORMAT(f16)
ENCLAVE_REF_FORMAT(bf16)
ENCLAVE_REF_FORMAT(q4_0)
ENCLAVE_REF_FORMAT(q4_1)
ENCLAVE_REF_FORMAT(q5_0)
ENCLAVE_REF_FORMAT(q5_1)
ENCLAVE_REF_FORMAT(q8_0)
ENCLAVE_REF_FORMAT(q8_1)
ENCLAVE_REF_FORMAT(q8_k)
ENCLAVE_REF_FORMAT(q2_k)
ENCLAVE_REF_FORMAT(q3_k)
ENCLAVE_REF_FORMAT(q4_k)
ENCLAVE_REF_FORMAT(q5_k)
ENCLAVE_REF_FORMAT(q6_k)
ENCLAVE_REF_FORMAT(iq4_nl)
ENCLAVE_REF_FORMAT(iq4_xs)
ENCLAVE_REF_FORMAT(mxfp4)

#undef ENCLAVE_REF_FORMAT

// The codebook formats have no quantizer (files of them are made with an importance matrix).
#define ENCLAVE_REF_READ_ONLY_FORMAT(ns)                                                           \
    namespace ns {                                                                                 \
    void dequantizeRow(const void *src, float *dst, int64_t n);                                    \
    float vecDot(int64_t n, const void *weightRow, const void *activationRow);                     \
    }

ENCLAVE_REF_READ_ONLY_FORMAT(iq1_s)
ENCLAVE_REF_READ_ONLY_FORMAT(iq1_m)
ENCLAVE_REF_READ_ONLY_FORMAT(iq2_xxs)
ENCLAVE_REF_READ_ONLY_FORMAT(iq2_xs)
ENCLAVE_REF_READ_ONLY_FORMAT(iq2_s)
ENCLAVE_REF_READ_ONLY_FORMAT(iq3_xxs)
ENCLAVE_REF_READ_ONLY_FORMAT(iq3_s)

#undef ENCLAVE_REF_READ_ONLY_FORMAT

// float8 e4m3fn has no quantizer (checkpoints arrive already in it).
namespace f8_e4m3 {
void dequantizeRow(const void *src, float *dst, int64_t n);
float vecDot(int64_t n, const void *weightRow, const void *activationRow);
} // namespace f8_e4m3

} // namespace enclave::ref
