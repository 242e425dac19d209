// enclave-cli synth: writes a synthetic model of a real architecture's shape with random
// valid weights, so benchmarks need no downloads.
#include "engine/cli/args.h"
#include "engine/tools/synthetic_model.h"

#include <algorithm>
#include <cstdio>
#include <iterator>

namespace enclave::cli {

namespace {

const char *const kQuantMixes[] = {"Q4_K_M", "Q8_0", "Q6_K", "Q4_0", "BF16", "F32"};

// "a, b, c" for messages.
std::string listed(const std::vector<std::string> &names)
{
    std::string out;
    for (const std::string &n : names)
        out += (out.empty() ? "" : ", ") + n;
    return out;
}

// --preset and --quant checked here, so a typo is answered with the choices.
SyntheticModelSpec specFrom(const Args &a)
{
    const std::string preset = a.value("preset");
    const std::vector<std::string> presets = syntheticPresetNames();
    if (std::find(presets.begin(), presets.end(), preset) == presets.end())
        throw std::runtime_error("unknown --preset '" + preset + "' (known: " + listed(presets) + ")");
    SyntheticModelSpec spec = syntheticPreset(preset);
    spec.quantMix = a.valueOr("quant", spec.quantMix);
    const std::vector<std::string> mixes(std::begin(kQuantMixes), std::end(kQuantMixes));
    if (std::find(mixes.begin(), mixes.end(), spec.quantMix) == mixes.end())
        throw std::runtime_error("--quant must be one of " + listed(mixes) + ", not '" + spec.quantMix + "'");
    return spec;
}

} // namespace

int runSynth(const Args &a)
{
    SyntheticModelSpec spec = specFrom(a);
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
