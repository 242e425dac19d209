// TensorView: one weight as it lies in a mapped model file (GGUF or safetensors), never copied.
// Shapes are outer-first (PyTorch order, [rows, cols]); shape.back() is the contiguous row length.
// GGUF stores ne[] innermost-first, so the GGUF reader reverses it.
#pragma once

#include "engine/quant/quant_type.h"

#include <cstdint>
#include <string>
#include <vector>

namespace enclave {

struct TensorView {
    std::string name;
    QuantType type = QuantType::F32;
    std::vector<int64_t> shape;    // outer-first, e.g. [nVocab, nEmbd]; empty = scalar
    const uint8_t *data = nullptr; // points into the owning file's map; valid while that file is open
    uint64_t bytes = 0;            // size of data

    // Product of all dims (1 for a scalar). Loaders guarantee it does not overflow.
    int64_t elements() const
    {
        int64_t n = 1;
        for (int64_t d : shape)
            n *= d;
        return n;
    }
    // Contiguous row length: shape.back() (1 for a scalar).
    int64_t rowLength() const { return shape.empty() ? 1 : shape.back(); }
    // Number of rows: the product of all dims but the last (0 when the row length is 0).
    int64_t rows() const { return rowLength() == 0 ? 0 : elements() / rowLength(); }
};

} // namespace enclave
