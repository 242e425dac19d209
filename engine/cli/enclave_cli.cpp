// enclave-cli: every engine feature from a terminal. Command names, flags and output
// formats are a contract (see README): keep them.
//   enclave-cli info --model PATH [--json]
//   enclave-cli logits --model PATH --tokens 1,2,3 --out FILE [--step N] [--threads N]
#include "engine/cpu/thread_pool.h"
#include "engine/engine_info.h"
#include "engine/model_info.h"
#include "engine/runtime/inference_state.h"

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstring>
#include <exception>
#include <map>
#include <string>
#include <vector>

namespace {

constexpr const char *kUsage =
    "usage: enclave-cli <command> [options]\n"
    "commands:\n"
    "  info --model PATH [--json]   architecture, parameters, experts, context, quantization\n"
    "  logits --model PATH --tokens 1,2,3 --out FILE [--step N] [--threads N]\n"
    "                               float32 logits [n_tokens, n_vocab] of every prompt position;\n"
    "                               --step N feeds the prompt N tokens at a time through the cache\n"
    "PATH: a .gguf file (first shard of a split model), a .safetensors file next to its\n"
    "config.json, or a Hugging Face model folder.\n";

// Flags as --name value pairs plus bare --switches.
struct Args {
    std::map<std::string, std::string> values;
    std::vector<std::string> switches;

    bool has(const std::string &name) const
    {
        return values.count(name) || std::find(switches.begin(), switches.end(), name) != switches.end();
    }
    std::string value(const std::string &name) const
    {
        const auto it = values.find(name);
        if (it == values.end())
            throw std::runtime_error("missing --" + name);
        return it->second;
    }
};

Args parseArgs(int argc, char **argv, int first, const std::vector<std::string> &switchNames)
{
    Args args;
    for (int i = first; i < argc; ++i) {
        std::string a = argv[i];
        if (a.rfind("--", 0) != 0)
            throw std::runtime_error("unexpected argument '" + a + "'");
        a = a.substr(2);
        if (std::find(switchNames.begin(), switchNames.end(), a) != switchNames.end()) {
            args.switches.push_back(a);
            continue;
        }
        if (i + 1 >= argc)
            throw std::runtime_error("--" + a + " needs a value");
        args.values[a] = argv[++i];
    }
    return args;
}

int runInfo(int argc, char **argv)
{
    const Args args = parseArgs(argc, argv, 2, {"json"});
    const std::string path = args.value("model");
    const enclave::ModelFiles files(path);
    const enclave::ModelInfo info = enclave::describeModel(files, path);
    const std::string text = args.has("json") ? enclave::modelInfoJson(info) : enclave::modelInfoText(info);
    std::fwrite(text.data(), 1, text.size(), stdout);
    return 0;
}

std::vector<int32_t> parseTokenList(const std::string &text)
{
    std::vector<int32_t> ids;
    size_t at = 0;
    while (at < text.size()) {
        const size_t comma = text.find(',', at);
        const std::string item = text.substr(at, comma == std::string::npos ? std::string::npos : comma - at);
        size_t used = 0;
        long long value = 0;
        try {
            value = std::stoll(item, &used);
        } catch (const std::exception &) {
            used = 0;
        }
        if (used == 0 || used != item.size() || value < 0 || value > INT32_MAX)
            throw std::runtime_error("--tokens: '" + item + "' is not a token id");
        ids.push_back(int32_t(value));
        if (comma == std::string::npos)
            break;
        at = comma + 1;
    }
    if (ids.empty())
        throw std::runtime_error("--tokens: no token ids");
    return ids;
}

int64_t positiveInt(const Args &args, const std::string &name, int64_t fallback)
{
    if (!args.values.count(name))
        return fallback;
    const std::string text = args.value(name);
    size_t used = 0;
    const long long v = std::stoll(text, &used);
    if (used != text.size() || v <= 0)
        throw std::runtime_error("--" + name + " must be a positive integer, not '" + text + "'");
    return v;
}

void writeFloats(const std::string &path, const std::vector<float> &values)
{
    std::FILE *f = std::fopen(path.c_str(), "wb");
    if (!f)
        throw std::runtime_error("cannot write " + path + ": " + std::strerror(errno));
    const size_t written = std::fwrite(values.data(), sizeof(float), values.size(), f);
    const bool closed = std::fclose(f) == 0;
    if (written != values.size() || !closed)
        throw std::runtime_error("writing " + path + " failed (disk full?)");
}

int runLogits(int argc, char **argv)
{
    const Args args = parseArgs(argc, argv, 2, {});
    const std::vector<int32_t> tokens = parseTokenList(args.value("tokens"));
    const std::string out = args.value("out");
    const int64_t step = positiveInt(args, "step", int64_t(tokens.size()));
    enclave::setDefaultThreadCount(int(positiveInt(args, "threads", 0)));
    const auto model = enclave::Model::load(args.value("model"));
    const int64_t vocab = model->config().nVocab;
    enclave::InferenceState state(*model, int64_t(tokens.size()), enclave::defaultThreadPool());
    std::vector<float> logits(tokens.size() * size_t(vocab));
    for (size_t at = 0; at < tokens.size(); at += size_t(step)) {
        const size_t count = std::min(size_t(step), tokens.size() - at);
        state.evaluate(std::span(tokens).subspan(at, count), logits.data() + at * size_t(vocab));
    }
    writeFloats(out, logits);
    std::fprintf(stderr, "enclave-cli logits: %zu positions x %lld vocabulary written to %s\n", tokens.size(),
                 static_cast<long long>(vocab), out.c_str());
    return 0;
}

} // namespace

int main(int argc, char **argv)
{
    if (argc < 2 || std::string(argv[1]) == "--help" || std::string(argv[1]) == "help") {
        std::fputs(kUsage, argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    const std::string command = argv[1];
    if (command == "--version") {
        std::printf("enclave-cli %s\n", enclave::engineVersion().data());
        return 0;
    }
    try {
        if (command == "info")
            return runInfo(argc, argv);
        if (command == "logits")
            return runLogits(argc, argv);
        std::fprintf(stderr, "enclave-cli: unknown command '%s'\n%s", command.c_str(), kUsage);
        return 2;
    } catch (const std::exception &e) {
        std::fprintf(stderr, "enclave-cli %s: %s\n", command.c_str(), e.what());
        return 1;
    }
}
