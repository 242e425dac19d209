// TraceRecorder, TraceReplayer and UsageRecorder (see routing_hook.h).
#include "engine/moe/routing_hook.h"

#include <stdexcept>

namespace enclave::moe {

TraceRecorder::TraceRecorder(int32_t nLayer, std::vector<int32_t> moeLayers, int32_t nExpert, int32_t k)
    : m_shape(nLayer, std::move(moeLayers), nExpert, k)
{
}

void TraceRecorder::routed(int64_t layer, int64_t position, std::span<int32_t> experts)
{
    const int32_t moe = m_shape.moeIndexOf(layer);
    if (moe < 0)
        throw std::invalid_argument("trace recorder: layer " + std::to_string(layer) + " is not a MoE layer");
    if (int64_t(experts.size()) != m_shape.k())
        throw std::invalid_argument("trace recorder: " + std::to_string(experts.size()) + " experts routed, the trace records " +
                                    std::to_string(m_shape.k()));
    for (const int32_t e : experts)
        if (e < 0 || e >= m_shape.nExpert())
            throw std::invalid_argument("trace recorder: expert " + std::to_string(e) + " outside 0.." +
                                        std::to_string(m_shape.nExpert() - 1));
    const int64_t rows = recordedTokens();
    const size_t nMoe = size_t(m_shape.nMoeLayer());
    int64_t row = m_runRow + (position - m_runPosition);
    if (position < m_runPosition || row > rows || (row < rows && m_filled[size_t(row) * nMoe + size_t(moe)])) {
        m_runRow = row = rows; // a new run of positions
        m_runPosition = position;
    }
    if (row == rows) {
        m_ids.resize(m_ids.size() + nMoe * size_t(m_shape.k()));
        m_filled.resize(m_filled.size() + nMoe, false);
        m_layersDone.push_back(0);
    }
    std::copy(experts.begin(), experts.end(), m_ids.begin() + std::ptrdiff_t((size_t(row) * nMoe + size_t(moe)) * size_t(m_shape.k())));
    m_filled[size_t(row) * nMoe + size_t(moe)] = true;
    ++m_layersDone[size_t(row)];
}

RoutingTrace TraceRecorder::trace() const
{
    RoutingTrace out(m_shape.nLayer(), m_shape.moeLayers(), m_shape.nExpert(), m_shape.k());
    const size_t rowSize = size_t(m_shape.nMoeLayer()) * size_t(m_shape.k());
    for (size_t row = 0; row < m_layersDone.size(); ++row)
        if (m_layersDone[row] == m_shape.nMoeLayer())
            out.appendToken(std::span(m_ids).subspan(row * rowSize, rowSize));
    return out;
}

TraceReplayer::TraceReplayer(RoutingTrace trace, int32_t nLayer, const std::vector<int32_t> &moeLayers,
                             int32_t nExpert, int32_t k)
    : m_trace(std::move(trace))
{
    if (m_trace.tokens() == 0)
        throw std::runtime_error("trace replay: the trace holds no tokens");
    if (m_trace.k() != k)
        throw std::runtime_error("trace replay: the trace routes " + std::to_string(m_trace.k()) +
                                 " experts per token, the model " + std::to_string(k));
    if (m_trace.nExpert() > nExpert)
        throw std::runtime_error("trace replay: the trace uses " + std::to_string(m_trace.nExpert()) +
                                 " experts per layer, the model has " + std::to_string(nExpert));
    if (m_trace.nLayer() != nLayer || m_trace.moeLayers() != moeLayers)
        throw std::runtime_error("trace replay: the trace's layers (" + std::to_string(m_trace.nLayer()) + ", " +
                                 std::to_string(m_trace.nMoeLayer()) + " MoE) differ from the model's (" +
                                 std::to_string(nLayer) + ", " + std::to_string(moeLayers.size()) + " MoE)");
}

void TraceReplayer::routed(int64_t layer, int64_t position, std::span<int32_t> experts)
{
    const int32_t moe = m_trace.moeIndexOf(layer);
    if (moe < 0)
        throw std::runtime_error("trace replay: layer " + std::to_string(layer) + " is not a MoE layer of the trace");
    if (int64_t(experts.size()) != m_trace.k())
        throw std::runtime_error("trace replay: " + std::to_string(experts.size()) + " experts routed, the trace has " +
                                 std::to_string(m_trace.k()));
    const int64_t token = position >= 0 ? position % m_trace.tokens() : 0;
    const auto ids = m_trace.experts(token, moe);
    std::copy(ids.begin(), ids.end(), experts.begin());
}

void UsageRecorder::routed(int64_t layer, int64_t, std::span<int32_t> experts)
{
    if (layer == m_firstMoeLayer)
        m_usage.advance(1);
    for (const int32_t e : experts)
        m_usage.record(int32_t(layer), e);
}

} // namespace enclave::moe
