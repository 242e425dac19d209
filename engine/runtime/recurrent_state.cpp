// RecurrentState allocation: zeros, one block per recurrent layer.
#include "engine/runtime/recurrent_state.h"

#include <algorithm>

namespace enclave {

RecurrentState::RecurrentState(const ModelConfig &c)
{
    if (!c.hasRecurrentLayers())
        return;
    const LinearAttentionConfig &la = c.linear;
    m_historyFloats = (la.convKernel - 1) * la.channels();
    m_headFloats = la.headKDim * la.headVDim;
    m_layers.resize(size_t(c.nLayer));
    for (int64_t i = 0; i < c.nLayer; ++i)
        if (c.isRecurrentLayer(i))
            m_layers[size_t(i)].assign(size_t(la.stateFloats()), 0.0f);
}

void RecurrentState::reset()
{
    for (std::vector<float> &layer : m_layers)
        std::fill(layer.begin(), layer.end(), 0.0f);
}

uint64_t recurrentStateBytes(const ModelConfig &c)
{
    const auto layers = uint64_t(std::count(c.recurrentLayers.begin(), c.recurrentLayers.end(), true));
    return layers * uint64_t(std::max<int64_t>(c.linear.stateFloats(), 0)) * sizeof(float);
}

} // namespace enclave
