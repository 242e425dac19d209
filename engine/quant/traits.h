// QuantTraits: everything the engine knows about one storage format, looked up by QuantType.
// traits.cpp holds the only table keyed by format; the functions are the scalar references
// (quant/<format>.cpp). Fast kernels live in cpu/ and are tested against these.
#pragma once

#include "engine/quant/quant_type.h"

#include <cstdint>

namespace enclave {

using DequantizeRowFn = void (*)(const void *src, float *dst, int64_t n);
using QuantizeRowFn = void (*)(const float *src, void *dst, int64_t n);
using VecDotFn = float (*)(int64_t n, const void *weightRow, const void *activationRow);

struct QuantTraits {
    QuantType type;
    const char *name;
    int64_t blockElems;
    int64_t blockBytes;
    // n elements (a multiple of blockElems) from src blocks into dst floats; bit-exact with GGUF.
    DequantizeRowFn dequantizeRow;
    // Reference quantizer (round to nearest, scale search for k-quants); nullptr for the codebook
    // formats (IQ1-IQ3), which Enclave reads but does not write.
    QuantizeRowFn quantizeRow;
    // Activation format vecDot wants: Q8_0 for the formats of 32-element blocks (legacy quants,
    // IQ4_NL, MXFP4), Q8_K for those of 256 (k-quants, IQ1-IQ4_XS), F32 for float formats.
    QuantType dotType;
    // Scalar reference: weight row in this format . activation row already quantized to dotType.
    VecDotFn vecDot;
};

// Traits of a format; throws std::invalid_argument for an id the engine does not know.
// The returned reference is to static storage, valid forever, safe from any thread.
const QuantTraits &quantTraits(QuantType type);
// Same lookup without throwing: nullptr for an unknown id.
const QuantTraits *findQuantTraits(QuantType type);

} // namespace enclave
