// enclave-cli info / logits / bench: the model-level commands.
#include "engine/cli/args.h"
#include "engine/cli/bench.h"
#include "engine/cpu/thread_pool.h"
#include "engine/arch/architectures.h"
#include "engine/memory_estimate.h"
#include "engine/model_info.h"
#include "engine/tools/model_converter.h"
#include "engine/runtime/inference_state.h"

#include <cstdio>

namespace enclave::cli {
namespace {

// The memory lines of `info`: needs at the context length against this machine's free RAM (the
// CLI has no GPU backend linked, so the verdict is for the CPU).
std::string memoryText(const ModelFiles &files, int64_t context)
{
    const ModelConfig config = readModelConfig(files);
    if (context <= 0)
        context = std::min<int64_t>(config.nCtxTrain, 8192);
    const MemoryNeeds n = estimateMemory(weightBytesOf(files), config, context);
    const uint64_t ram = availableRamBytes();
    return "memory:       " + std::to_string(context) + " tokens need " + formatBytes(n.total()) + " (weights " +
           formatBytes(n.denseWeights) + " + experts " + formatBytes(n.expertWeights) + ", KV cache " +
           formatBytes(n.kvCache) + ", scratch " + formatBytes(n.scratch) + ")\n" + "fit:          " + formatBytes(ram) +
           " RAM free: " + std::string(memoryFitText(memoryFit(n, ram, 0))) + "\n";
}

} // namespace

int runInfo(const Args &args)
{
    const std::string path = args.value("model");
    const ModelFiles files(path);
    const ModelInfo info = describeModel(files, path);
    const int64_t context = args.has("ctx") ? args.positiveInt("ctx", 1) : 0;
    const std::string text = args.has("json") ? modelInfoJson(info) : modelInfoText(info) + memoryText(files, context);
    std::fwrite(text.data(), 1, text.size(), stdout);
    return 0;
}

int runLogits(const Args &args)
{
    const std::vector<int32_t> tokens = parseTokenList(args.value("tokens"));
    const std::string out = args.value("out");
    const int64_t step = args.positiveInt("step", int64_t(tokens.size()));
    setDefaultThreadCount(int(args.positiveInt("threads", ThreadPool::resolveThreadCount(0))));
    const auto model = Model::load(args.value("model"));
    const int64_t vocab = model->config().nVocab;
    std::string fallback;
    const auto state = createEvaluator(*model, int64_t(tokens.size()), defaultThreadPool(), backendOptionsFrom(args),
                                       &fallback);
    if (!fallback.empty())
        std::fprintf(stderr, "enclave-cli logits: running on the CPU (%s)\n", fallback.c_str());
    std::vector<float> logits(tokens.size() * size_t(vocab));
    for (size_t at = 0; at < tokens.size(); at += size_t(step)) {
        const size_t count = std::min(size_t(step), tokens.size() - at);
        state->evaluate(std::span(tokens).subspan(at, count), logits.data() + at * size_t(vocab));
    }
    writeFile(out, logits.data(), logits.size() * sizeof(float));
    std::fprintf(stderr, "enclave-cli logits: %zu positions x %lld vocabulary written to %s\n", tokens.size(),
                 static_cast<long long>(vocab), out.c_str());
    return 0;
}

int runBench(const Args &args)
{
    BenchOptions options;
    options.modelPath = args.value("model");
    options.promptTokens = args.positiveInt("prompt", options.promptTokens);
    options.genTokens = args.positiveInt("gen", options.genTokens);
    options.threads = int(args.positiveInt("threads", ThreadPool::resolveThreadCount(0)));
    options.backend = backendOptionsFrom(args);
    options.replayTrace = args.valueOr("replay-trace", "");
    options.recordTrace = args.valueOr("record-trace", "");
    options.precision = options.backend.precision;
    return enclave::runBench(options);
}

} // namespace enclave::cli
