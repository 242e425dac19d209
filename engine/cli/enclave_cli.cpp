// enclave-cli: every engine feature from a terminal. Command names, flags and output
// formats are a contract (see README): keep them.
//   enclave-cli info --model PATH [--json]
#include "engine/engine_info.h"
#include "engine/model_info.h"

#include <algorithm>
#include <cstdio>
#include <exception>
#include <map>
#include <string>
#include <vector>

namespace {

constexpr const char *kUsage =
    "usage: enclave-cli <command> [options]\n"
    "commands:\n"
    "  info --model PATH [--json]   architecture, parameters, experts, context, quantization\n"
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
        std::fprintf(stderr, "enclave-cli: unknown command '%s'\n%s", command.c_str(), kUsage);
        return 2;
    } catch (const std::exception &e) {
        std::fprintf(stderr, "enclave-cli %s: %s\n", command.c_str(), e.what());
        return 1;
    }
}
