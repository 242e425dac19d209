// enclave-cli quantize: converts a safetensors model into a quantized, self-contained GGUF.
#include "engine/cli/args.h"
#include "engine/model/printable.h"
#include "engine/tools/model_converter.h"

#include <chrono>
#include <cstdio>

namespace enclave::cli {

int runQuantize(const Args &a)
{
    if (a.positional.size() != 2)
        throw UsageError("expected INPUT and OUTPUT.gguf");
    const std::string type = a.value("type");
    const std::optional<QuantMix> mix = quantMixFromName(type);
    if (!mix)
        throw std::runtime_error("--type must be q8_0, q6_k, q5_k_m or q4_k_m, not '" + type + "'");
    const std::string &input = a.positional[0], &output = a.positional[1];
    ConvertOptions options;
    options.mix = *mix;
    options.threads = a.has("threads") ? int(a.positiveInt("threads", 1)) : 0; // 0: every CPU
    const ConversionEstimate estimate = estimateConversion(input, *mix);
    std::fprintf(stderr, "quantizing %s (%s) to %s: %d tensors, about %s\n", printableText(input).c_str(),
                 printable(estimate.architecture).c_str(), std::string(quantMixName(*mix)).c_str(), estimate.tensorCount,
                 formatBytes(estimate.outputBytes).c_str());
    int lastPercent = -1;
    options.progress = [&](double fraction) {
        const int percent = int(fraction * 100);
        if (percent != lastPercent)
            std::fprintf(stderr, "\r  %3d%%", percent);
        lastPercent = percent;
    };
    const auto start = std::chrono::steady_clock::now();
    const uint64_t bytes = convertToGguf(input, output, options);
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::fprintf(stderr, "\r  100%%\nwrote %s (%s) in %.1f s\n", output.c_str(), formatBytes(bytes).c_str(), seconds);
    return 0;
}

} // namespace enclave::cli
