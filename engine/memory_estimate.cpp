// Memory estimate arithmetic. Weights count as stored (the runner dequantizes on the fly), the KV
// cache in float32 like runtime/kv_cache.cpp, scratch for one prompt chunk.
#include "engine/memory_estimate.h"

#include "engine/model/model_files.h"

#include <algorithm>
#include <fstream>
#include <string>

namespace enclave {
namespace {

bool isRoutedExpert(const std::string &name)
{
    return name.find("_exps.") != std::string::npos || name.find(".experts.") != std::string::npos;
}

} // namespace

WeightBytes weightBytesOf(const ModelFiles &files)
{
    WeightBytes w;
    for (const TensorView &t : files.tensors())
        (isRoutedExpert(t.name) ? w.experts : w.dense) += t.bytes;
    return w;
}

uint64_t kvCacheBytes(const ModelConfig &c, int64_t contextLength)
{
    const int64_t perPosition = c.isMla() ? c.mla.kvLoraRank + c.mla.qkRopeDim
                                          : c.nHeadKv * c.headDim + c.nHeadKv * c.headDimV;
    return uint64_t(c.nLayer) * uint64_t(std::max<int64_t>(contextLength, 0)) * uint64_t(perPosition) * sizeof(float);
}

uint64_t scratchBytes(const ModelConfig &c, int64_t contextLength)
{
    const int64_t chunk = std::min<int64_t>(kEstimateChunkTokens, std::max<int64_t>(contextLength, 1));
    const int64_t ffn = std::max(c.nFf, c.moe.nExpertUsed * c.moe.nFfExpert + c.moe.nFfShared);
    const int64_t qkv = c.nHead * (c.headDim + c.headDimV) + 2 * c.nHeadKv * c.headDim;
    const int64_t perToken = 4 * c.nEmbd + qkv + 3 * ffn + c.nVocab + c.nHead * contextLength;
    return uint64_t(chunk) * uint64_t(perToken) * sizeof(float);
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
