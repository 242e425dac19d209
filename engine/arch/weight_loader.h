// WeightLoader: looks weights up by role in a GGUF or Hugging Face tensor table and checks
// each one's shape against the hyper-parameters, naming the tensor, expected and actual
// shape in every error. Small vectors are converted to float32 into owned storage.
#pragma once

#include "engine/arch/model_config.h"
#include "engine/arch/tensor_names.h"
#include "engine/arch/weights.h"
#include "engine/model/model_files.h"

#include <deque>
#include <vector>

namespace enclave {

class WeightLoader {
public:
    // owned keeps converted buffers (FP8 scales) alive; it must outlive the weights.
    WeightLoader(const ModelFiles &files, ArchFamily family, std::deque<std::vector<float>> &owned);

    bool isGguf() const { return m_gguf; }
    std::string name(WeightRole role, int64_t layer = 0, int64_t expert = 0) const;
    bool has(WeightRole role, int64_t layer = 0, int64_t expert = 0) const;

    // A [rows, cols] matrix; absent and not required: an empty Matrix.
    Matrix matrix(WeightRole role, int64_t layer, int64_t rows, int64_t cols, bool required = true,
                  int64_t expert = 0) const;
    // [count, rows, cols] sliced into count matrices (GGUF stacked experts, MLA k_b / v_b).
    std::vector<Matrix> stacked(WeightRole role, int64_t layer, int64_t count, int64_t rows, int64_t cols) const;
    // A float32 copy of a vector of length n; absent and not required: empty.
    std::vector<float> vector(WeightRole role, int64_t layer, int64_t n, bool required = true) const;
    // The routed experts of a MoE layer, stacked (GGUF) or one tensor each (HF).
    std::vector<Expert> experts(int64_t layer, int64_t nExpert, int64_t nFf, int64_t nEmbd) const;

    const TensorView *find(const std::string &name) const { return m_files.findTensor(name); }
    Matrix matrixFrom(const TensorView &t, int64_t rows, int64_t cols) const;

private:
    void attachFp8Scales(const std::string &name, Matrix &m) const;

    const ModelFiles &m_files;
    ArchFamily m_family;
    bool m_gguf;
    std::deque<std::vector<float>> &m_owned;
};

// Float32 copy of a 1-D tensor of any float type.
std::vector<float> tensorToFloats(const TensorView &t);

} // namespace enclave
