// Fuzz target: a Hugging Face folder — config.json, then "\n====\n", then model.safetensors —
// through the safetensors reader, the config mapping, the model facts, the loader and a forward pass.
#include "fuzz_support.h"

#include <filesystem>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    using namespace enclave;
    const auto [config, weights] = fuzz::splitInput(fuzz::asText(data, size));
    fuzz::writeScratch("config.json", config);
    fuzz::writeScratch("model.safetensors", weights);
    fuzz::useModel(fuzz::scratchDir());
    return 0;
}
