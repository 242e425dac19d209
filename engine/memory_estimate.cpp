// Memory estimate arithmetic. Weights count as stored (the runner dequantizes on the fly), the KV
// cache in float32 like runtime/kv_cache.cpp, scratch for one prompt chunk.
#include "engine/memory_estimate.h"

#include "engine/model/model_files.h"
#include "engine/runtime/recurrent_state.h"

#include <algorithm>
#include <fstream>
#include <initializer_list>
#include <string>

namespace enclave {
namespace {

bool isRoutedExpert(const std::string &name)
{
    return name.find("_exps.") != std::string::npos || name.find(".experts.") != std::string::npos;
}

// a * b, or UINT64_MAX when the product does not fit: sizes from a file, or a context typed by a
// person, must never wrap around to a small number.
uint64_t mulSaturated(uint64_t a, uint64_t b)
{
    uint64_t out = 0;
    return __builtin_mul_overflow(a, b, &out) ? UINT64_MAX : out;
}

uint64_t mulSaturated(std::initializer_list<uint64_t> factors)
{
    uint64_t out = 1;
    for (uint64_t f : factors)
        out = mulSaturated(out, f);
    return out;
}

uint64_t nonNegative(int64_t v) { return v > 0 ? uint64_t(v) : 0; }

uint64_t addSaturated(uint64_t a, uint64_t b) { return a > UINT64_MAX - b ? UINT64_MAX : a + b; }

} // namespace

WeightBytes weightBytesOf(const ModelFiles &files)
{
    WeightBytes w;
    for (const TensorView &t : files.tensors()) {
        uint64_t &sum = isRoutedExpert(t.name) ? w.experts : w.dense;
        sum = addSaturated(sum, t.bytes);
    }
    return w;
}

uint64_t kvCacheBytes(const ModelConfig &c, int64_t contextLength)
{
    const uint64_t perPosition =
        c.isMla() ? addSaturated(nonNegative(c.mla.kvLoraRank), nonNegative(c.mla.qkRopeDim))
                  : mulSaturated(nonNegative(c.nHeadKv), addSaturated(nonNegative(c.headDim), nonNegative(c.headDimV)));
    const int64_t recurrent = std::count(c.recurrentLayers.begin(), c.recurrentLayers.end(), true);
    const int64_t attentionLayers = std::max<int64_t>(nonNegative(c.nLayer) - recurrent, 0);
    return addSaturated(mulSaturated({nonNegative(attentionLayers), nonNegative(contextLength), perPosition, sizeof(float)}),
                        recurrentStateBytes(c));
}

uint64_t scratchBytes(const ModelConfig &c, int64_t contextLength)
{
    const uint64_t chunk = uint64_t(std::min<int64_t>(kEstimateChunkTokens, std::max<int64_t>(contextLength, 1)));
    const uint64_t ffn =
        std::max(nonNegative(c.nFf), addSaturated(mulSaturated(nonNegative(c.moe.nExpertUsed), nonNegative(c.moe.nFfExpert)),
                                                  nonNegative(c.moe.nFfShared)));
    const uint64_t qkv = addSaturated(mulSaturated(nonNegative(c.nHead), addSaturated(nonNegative(c.headDim), nonNegative(c.headDimV))),
                                      mulSaturated({2, nonNegative(c.nHeadKv), nonNegative(c.headDim)}));
    uint64_t perToken = mulSaturated(4, nonNegative(c.nEmbd));
    for (uint64_t part : {qkv, mulSaturated(3, ffn), nonNegative(c.nVocab), mulSaturated(nonNegative(c.nHead), nonNegative(contextLength))})
        perToken = addSaturated(perToken, part);
    return mulSaturated({chunk, perToken, sizeof(float)});
}

MemoryNeeds estimateMemory(const WeightBytes &w, const ModelConfig &c, int64_t contextLength)
{
    return {w.dense, w.experts, kvCacheBytes(c, contextLength), scratchBytes(c, contextLength)};
}

MemoryFit memoryFit(const MemoryNeeds &n, uint64_t freeRam, uint64_t freeVram)
{
    if (freeVram > 0 && n.total() <= freeVram)
        return MemoryFit::FitsInVram;
    if (freeVram > 0 && n.expertWeights > 0 && n.withoutExperts() <= freeVram && n.expertWeights <= freeRam)
        return MemoryFit::ExpertsInRam;
    if (n.total() <= freeRam)
        return MemoryFit::CpuInRam;
    return MemoryFit::WillNotFit;
}

uint64_t availableRamBytes()
{
    std::ifstream in("/proc/meminfo");
    std::string key;
    uint64_t kb = 0;
    std::string unit;
    while (in >> key >> kb >> unit)
        if (key == "MemAvailable:")
            return kb * 1024;
    return 0;
}

std::string_view memoryFitText(MemoryFit fit)
{
    switch (fit) {
    case MemoryFit::FitsInVram: return "fits in VRAM";
    case MemoryFit::ExpertsInRam: return "fits with experts in RAM";
    case MemoryFit::CpuInRam: return "runs on CPU from RAM";
    case MemoryFit::WillNotFit: return "will not fit";
    }
    return "will not fit";
}

} // namespace enclave
