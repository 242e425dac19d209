// Safetensors → GGUF conversion with quantization: a Hugging Face checkpoint (one file, shards or a
// folder; F32/F16/BF16 or FP8 E4M3 with block scales) becomes one self-contained GGUF (weights in a
// quant mix, hyper-parameters, tokenizer and chat template) that any GGUF reader loads.
// note: the output is written as "<output>.tmp" in the target folder and renamed only when complete;
// a cancel, an error or a full disk removes it, and the source files are only ever read.
#pragma once

#include "engine/model/format_bytes.h" // formatBytes, for the users of this header
#include "engine/tools/quant_mix.h"

#include <atomic>
#include <cstdint>
#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

namespace enclave {

// Thrown by convertToGguf when the cancel flag was set; nothing is left on disk.
class ConversionCancelled : public std::runtime_error {
public:
    ConversionCancelled() : std::runtime_error("conversion cancelled") {}
};

struct ConvertOptions {
    QuantMix mix = QuantMix::Q8_0;
    int threads = 0;                            // quantization threads; <= 0: every CPU
    std::function<void(double fraction)> progress; // 0..1, on the calling thread
    const std::atomic<bool> *cancel = nullptr;  // checked between chunks of rows
    // Bytes free for a new file in `folder`; default: std::filesystem::space().available.
    std::function<uint64_t(const std::string &folder)> freeSpace;
};

// What a conversion would write, from headers only (nothing is quantized).
struct ConversionEstimate {
    QuantMix mix = QuantMix::Q8_0;
    std::string architecture;  // GGUF general.architecture ("qwen3moe")
    uint64_t outputBytes = 0;  // estimated file size (tensor data + metadata, upper bound)
    int tensorCount = 0;
};

// Throws std::runtime_error naming the file and problem (not a safetensors model, unknown
// architecture, missing tensor or tokenizer, truncated or malformed file).
ConversionEstimate estimateConversion(const std::string &input, QuantMix mix);
// The same for several mixes, opening the checkpoint once (the import dialog shows them all).
std::vector<ConversionEstimate> estimateConversions(const std::string &input, const std::vector<QuantMix> &mixes);

// Converts `input` into `output` (a .gguf path; its folder must exist). Checks the free space of the
// output folder against the estimate before writing anything. Throws ConversionCancelled on cancel,
// std::runtime_error with a clear message otherwise (both sizes when space is short; the OS error,
// "disk full" included, when a write fails). Returns the bytes written.
uint64_t convertToGguf(const std::string &input, const std::string &output, const ConvertOptions &options);

} // namespace enclave
