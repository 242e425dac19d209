// Model: an opened model file with its hyper-parameters and canonical weights. Weights are
// views into the memory map; loading reads headers only. Immutable after load(), so any
// number of InferenceStates may share one Model across threads.
#pragma once

#include "engine/arch/model_config.h"
#include "engine/arch/weights.h"
#include "engine/model/model_files.h"

#include <deque>
#include <memory>
#include <string>
#include <vector>

namespace enclave {

class Model {
public:
    // Throws std::runtime_error naming the file and what is wrong (format, architecture,
    // missing tensor, shape against the hyper-parameters).
    static std::unique_ptr<Model> load(const std::string &path);

    const std::string &path() const { return m_path; }
    const ModelFiles &files() const { return *m_files; }
    const ModelConfig &config() const { return m_config; }
    const ModelWeights &weights() const { return m_weights; }

private:
    Model() = default;

    std::string m_path;
    std::unique_ptr<ModelFiles> m_files;
    ModelConfig m_config;
    std::deque<std::vector<float>> m_owned; // float32 copies of norms and scales
    ModelWeights m_weights;
};

} // namespace enclave
