// Weight traffic per generated token, from the canonical weights' sizes.
#include "engine/runtime/weight_traffic.h"

namespace enclave {
namespace {

uint64_t bytesOf(const Matrix &m) { return m.present() ? uint64_t(m.rows * m.rowBytes) : 0; }
uint64_t bytesOf(const Expert &e) { return bytesOf(e.gate) + bytesOf(e.up) + bytesOf(e.down); }

} // namespace

WeightTraffic weightTraffic(const Model &model)
{
    const ModelConfig &c = model.config();
    const ModelWeights &w = model.weights();
    WeightTraffic t;
    t.denseBytes += uint64_t(w.tokenEmbd.rowBytes) + bytesOf(w.output);
    for (const LayerWeights &l : w.layers) {
        for (const Matrix *m : {&l.wq, &l.wk, &l.wv, &l.wo, &l.wqA, &l.wqB, &l.wkvA, &l.ffnGate, &l.ffnUp, &l.ffnDown,
                                &l.router})
            t.denseBytes += bytesOf(*m);
        for (const auto *heads : {&l.wkB, &l.wvB})
            for (const Matrix &m : *heads)
                t.denseBytes += bytesOf(m);
        t.denseBytes += bytesOf(l.shared);
        uint64_t layerExperts = 0;
        for (const Expert &e : l.experts)
            layerExperts += bytesOf(e);
        t.expertBytes += layerExperts;
        if (!l.experts.empty())
            t.expertBytesPerToken += layerExperts / l.experts.size() * uint64_t(c.moe.nExpertUsed);
    }
    return t;
}

} // namespace enclave
