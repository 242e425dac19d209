// MemoryEstimate: how much memory a model needs at a context length, and whether that fits this
// machine: all in a GPU's free VRAM, with the routed experts in RAM (the rest on the GPU), on the CPU
// from RAM, or not at all. Pure arithmetic on the model's tensor sizes and hyper-parameters.
#pragma once

#include "engine/arch/model_config.h"

#include <cstdint>
#include <initializer_list>
#include <string_view>

namespace enclave {

class ModelFiles;

// Bytes of the weights as stored, split by whether a tensor holds routed experts.
struct WeightBytes {
    uint64_t dense = 0;   // everything every token reads (attention, norms, embeddings, shared experts)
    uint64_t experts = 0; // routed experts (GGUF *_exps, HF .experts.N.)
};

struct MemoryNeeds {
    uint64_t denseWeights = 0;
    uint64_t expertWeights = 0;
    uint64_t kvCache = 0;   // float32 keys/values (MLA: latent + rope key) of every layer and position
    uint64_t scratch = 0;   // activations of one prompt chunk, logits, attention scores
    // Sums saturate at UINT64_MAX (sizes from a damaged file never wrap to a small number).
    uint64_t total() const { return sum({denseWeights, expertWeights, kvCache, scratch}); }
    // What must sit on the GPU when the experts stay in RAM.
    uint64_t withoutExperts() const { return sum({denseWeights, kvCache, scratch}); }

private:
    static uint64_t sum(std::initializer_list<uint64_t> parts)
    {
        uint64_t s = 0;
        for (uint64_t p : parts)
            if (__builtin_add_overflow(s, p, &s))
                return UINT64_MAX;
        return s;
    }
};

enum class MemoryFit {
    FitsInVram,    // everything fits the GPU's free memory
    ExpertsInRam,  // all but the routed experts fit the GPU; the experts fit free RAM
    CpuInRam,      // no GPU fit, but everything fits free RAM
    WillNotFit,
};

// Prompt tokens evaluated at once (the scratch estimate assumes chunks of this size).
inline constexpr int64_t kEstimateChunkTokens = 512;

// Sums the tensors of an opened model by kind.
WeightBytes weightBytesOf(const ModelFiles &files);
// KV cache bytes at `contextLength` positions, as runtime/kv_cache.cpp allocates it (float32).
uint64_t kvCacheBytes(const ModelConfig &config, int64_t contextLength);
uint64_t scratchBytes(const ModelConfig &config, int64_t contextLength);
MemoryNeeds estimateMemory(const WeightBytes &weights, const ModelConfig &config, int64_t contextLength);

// freeVram 0: no GPU. ExpertsInRam needs a model with experts.
MemoryFit memoryFit(const MemoryNeeds &needs, uint64_t freeRam, uint64_t freeVram);
// MemAvailable of /proc/meminfo in bytes; 0 when unreadable.
uint64_t availableRamBytes();

// "fits in VRAM", "fits with experts in RAM", "runs on CPU from RAM", "will not fit".
std::string_view memoryFitText(MemoryFit fit);

} // namespace enclave
