// RecurrentState: what the recurrent (Gated DeltaNet) layers of one sequence carry from token to
// token, in place of a KV cache: per such layer the convolution's last convKernel - 1 inputs and
// every value head's [headKDim × headVDim] state. It holds no history: a sequence can be rewound
// only to its start (reset()).
#pragma once

#include "engine/arch/model_config.h"

#include <vector>

namespace enclave {

class RecurrentState {
public:
    explicit RecurrentState(const ModelConfig &c);

    // Back to the state before the first token (zeros).
    void reset();
    // The convolution history of a recurrent layer: [convKernel - 1][channels], oldest first.
    float *convHistory(int64_t layer) { return m_layers[size_t(layer)].data(); }
    // Value head h's state of a recurrent layer: [headKDim][headVDim].
    float *headState(int64_t layer, int64_t h)
    {
        return m_layers[size_t(layer)].data() + m_historyFloats + h * m_headFloats;
    }

private:
    std::vector<std::vector<float>> m_layers; // [layer] (empty for attention layers)
    int64_t m_historyFloats = 0;
    int64_t m_headFloats = 0;
};

// Bytes of one sequence's recurrent state (0 for a model without recurrent layers).
uint64_t recurrentStateBytes(const ModelConfig &c);

} // namespace enclave
