// Fuzz target support: scratch files and the model exercise shared by the model targets.
#include "fuzz_support.h"

#include "engine/cpu/thread_pool.h"
#include "engine/memory_estimate.h"
#include "engine/model_info.h"
#include "engine/runtime/inference_state.h"
#include "engine/runtime/model.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <unistd.h>
#include <vector>

namespace enclave::fuzz {

namespace fs = std::filesystem;

const std::string &scratchDir()
{
    // Never destroyed: the exit handler below still needs it after static destructors ran.
    static const std::string *dir = [] {
        const char *tmp = std::getenv("TMPDIR");
        const fs::path p = fs::path(tmp && *tmp ? tmp : "/tmp") / ("enclave-fuzz-" + std::to_string(getpid()));
        fs::create_directories(p);
        auto *path = new std::string(p.string());
        std::atexit([] {
            std::error_code ec;
            fs::remove_all(scratchDir(), ec);
        });
        return path;
    }();
    return *dir;
}

std::string writeScratch(const std::string &name, std::string_view bytes)
{
    const std::string path = (fs::path(scratchDir()) / name).string();
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), std::streamsize(bytes.size()));
    return path;
}

std::pair<std::string_view, std::string_view> splitInput(std::string_view input)
{
    constexpr std::string_view kSeparator = "\n====\n";
    const size_t at = input.find(kSeparator);
    if (at == std::string_view::npos)
        return {input, {}};
    return {input.substr(0, at), input.substr(at + kSeparator.size())};
}

void useModel(const std::string &path)
{
    try {
        const ModelFiles files(path);
        (void)modelInfoText(describeModel(files, path));
    } catch (const std::exception &) {
        // describing may fail where loading would too; go on and load
    }
    try {
        const auto model = Model::load(path);
        (void)estimateMemory(weightBytesOf(model->files()), model->config(), 4096);
        static ThreadPool pool(1);
        InferenceState state(*model, 8, pool);
        const int32_t vocab = int32_t(model->config().nVocab);
        const std::vector<int32_t> tokens = {0, vocab - 1, vocab / 2};
        std::vector<float> logits(static_cast<size_t>(vocab));
        state.evaluate(tokens, nullptr, logits.data());
    } catch (const std::exception &) {
    }
}

} // namespace enclave::fuzz
