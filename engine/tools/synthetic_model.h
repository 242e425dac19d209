// Synthetic GGUF models: real architecture shapes, metadata and tensor names as the converters
// write them, a byte-level BPE vocabulary and seeded random weights, so benchmarks and tests need
// no download. Large tensors reuse a pool of random blocks (see synthetic_weights.h).
#pragma once

#include "engine/quant/quant_type.h"

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace enclave {

struct SyntheticModelSpec {
    std::string architecture;   // "qwen3moe", "olmoe", "llama", "qwen3", "deepseek2"
    int64_t nVocab = 0;         // tokens, specials included
    int64_t nEmbd = 0;
    int64_t nLayer = 0;
    int64_t nHead = 0;
    int64_t nHeadKv = 0;        // deepseek2: 1 (MLA is stored as one shared latent "kv head")
    int64_t headDim = 0;        // query/key head width (deepseek2: nope + rope part)
    int64_t nFf = 0;            // dense FFN width (leading dense layers, dense archs)
    int64_t nExpert = 0;        // 0: dense model
    int64_t nExpertUsed = 0;
    int64_t nFfExpert = 0;
    int64_t nExpertShared = 0;  // shared experts (deepseek2)
    int64_t nFfShared = 0;      // width of the fused shared expert
    int64_t leadingDense = 0;   // first layers with a dense FFN instead of experts
    int64_t contextLength = 0;
    double ropeTheta = 10000.0;
    std::string quantMix = "Q4_K_M"; // "Q4_K_M", "Q8_0", "BF16", "F32", "Q6_K", "Q4_0"
    uint64_t seed = 42;
    // Beyond the common shape: general.name, the norm epsilon and deepseek2's MLA widths.
    std::string name;           // general.name; the architecture when empty
    double rmsEps = 1e-6;
    int64_t qLoraRank = 0;      // deepseek2: 0 = plain attn_q
    int64_t kvLoraRank = 0;     // deepseek2 latent width
    int64_t ropeDim = 0;        // deepseek2 rotary part of headDim
    int64_t valueDim = 0;       // deepseek2 value head width; 0 = headDim
};

// One tensor of a synthetic model. Shapes are outer-first (GgufWriter reverses them to ne[]).
struct SyntheticTensor {
    std::string name;
    QuantType type = QuantType::F32;
    std::vector<int64_t> shape;
    float mean = 0; // values are mean + stddev * N(0, 1) before quantization
    float stddev = 0;
};

// "qwen3-30b-a3b", "olmoe-1b-7b", "deepseek-v2-lite", "tiny-qwen3moe", "tiny-llama", "tiny-olmoe",
// "tiny-qwen3", "tiny-deepseek2" (the tiny ones: hidden 256, 2 layers, for tests).
// Throws std::invalid_argument for another name.
SyntheticModelSpec syntheticPreset(std::string_view name);
std::vector<std::string> syntheticPresetNames();

// The tensors writeSyntheticModel writes, in file order, with their storage types: the mix puts
// most matrices in its main type; Q4_K_M, like llama.cpp's, stores output and the attn_v /
// ffn_down(_exps) of about a third of the layers in Q6_K; norms and routers are F32.
// A row length the chosen block size does not divide falls back to Q8_0
// (or F32 when 32 does not divide it either). Throws std::invalid_argument for a bad spec.
std::vector<SyntheticTensor> syntheticTensors(const SyntheticModelSpec &spec);
// Bytes of the tensor data (without header and padding).
uint64_t syntheticDataBytes(const SyntheticModelSpec &spec);

// Writes the model to `path` (via "<path>.tmp", like GgufWriter). Weights are generated and
// quantized on defaultThreadPool(), one tensor in memory at a time; the file depends only on the
// spec (same spec and seed: byte-identical file on the same machine, whatever the thread count).
// progress(fraction of tensor bytes written) is called on the calling thread after each tensor.
// Throws std::invalid_argument for a bad spec, GgufError for an I/O failure.
void writeSyntheticModel(const SyntheticModelSpec &spec, const std::string &path,
                         const std::function<void(double fraction)> &progress = {});

} // namespace enclave
