// enclave-cli synth: writes a synthetic model of a real architecture's shape with random
// valid weights, so benchmarks need no downloads.
#include "engine/cli/args.h"
#include "engine/tools/synthetic_model.h"

#include <cstdio>

namespace enclave::cli {

int runSynth(const Args &a)
{
    SyntheticModelSpec spec = syntheticPreset(a.value("preset"));
    spec.quantMix = a.valueOr("quant", spec.quantMix);
    spec.seed = uint64_t(a.integer("seed", int64_t(spec.seed)));
    const std::string out = a.value("out");
    std::fprintf(stderr, "writing %s (%s, %.2f GB of tensor data) to %s\n", a.value("preset").c_str(),
                 spec.quantMix.c_str(), double(syntheticDataBytes(spec)) / 1e9, out.c_str());
    int lastPercent = -1;
    writeSyntheticModel(spec, out, [&](double fraction) {
        const int percent = int(fraction * 100);
        if (percent / 10 != lastPercent / 10)
            std::fprintf(stderr, "  %d%%\n", percent);
        lastPercent = percent;
    });
    return 0;
}

} // namespace enclave::cli
