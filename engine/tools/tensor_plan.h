// TensorPlan: the tensors of the GGUF a checkpoint converts to — GGUF names, outer-first shapes,
// storage types from the quant mix — each with a reader that yields one output row in float32
// (dequantizing BF16/F16/FP8 with block scales, stacking experts, permuting llama q/k rows,
// transposing MLA's k_b), so that quantization streams row by row without a float copy of the model.
#pragma once

#include "engine/arch/model_config.h"
#include "engine/arch/weights.h"
#include "engine/tools/quant_mix.h"

#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace enclave {

struct PlannedTensor {
    std::string name;            // "blk.0.attn_q.weight"
    std::vector<int64_t> shape;  // outer-first: [rows..., rowLength]
    QuantType type = QuantType::F32;
    // Writes output row `row` (of rows()) as rowLength floats. Thread-safe (reads only).
    std::function<void(int64_t row, float *dst)> readRow;

    int64_t rowLength() const { return shape.back(); }
    int64_t rows() const;
    uint64_t bytes() const;
};

// Plans every tensor of `weights` (loaded from a Hugging Face checkpoint; views stay valid while the
// files are open) in GGUF order. Throws std::runtime_error for weights GGUF cannot hold.
std::vector<PlannedTensor> planGgufTensors(const ModelConfig &config, const ModelWeights &weights, QuantMix mix);

} // namespace enclave
