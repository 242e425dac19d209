// enclave-cli: every engine feature from a terminal. Command names, flags and output
// formats are a contract (see README): keep them. Options and usage live in commands.cpp.
#include "engine/cli/commands.h"
#include "engine/engine_info.h"
#include "engine/model/printable.h"

#ifdef ENCLAVE_HAVE_CUDA
#include "cuda/cuda_backend.h"
#endif

#include <cstdio>
#include <string>

namespace {

bool isHelp(const std::string &arg) { return arg == "--help" || arg == "-h" || arg == "help"; }

} // namespace

int main(int argc, char **argv)
{
    using namespace enclave::cli;
    const std::string first = argc > 1 ? argv[1] : "";
    if (first.empty()) {
        std::fputs(topLevelUsage().c_str(), stderr);
        return 2;
    }
    if (isHelp(first)) { // `enclave-cli help run` is `enclave-cli run --help`
        const std::string topic = argc > 2 ? argv[2] : "";
        const Command *c = findCommand(topic);
        std::fputs(c ? c->usage.c_str() : topic == "trace" ? traceUsage().c_str() : topLevelUsage().c_str(), stdout);
        return 0;
    }
    if (first == "--version") {
        std::printf("enclave-cli %s\n", enclave::engineVersion().data());
        return 0;
    }
    if (first == "trace")
        return runTraceCommand(argc, argv);
#ifdef ENCLAVE_HAVE_CUDA
    enclave::cuda::registerCudaBackend();
#endif
    if (const Command *c = findCommand(first))
        return runCommand(c->name, c->usage, argc, argv, 2, c->options, c->run);
    std::fprintf(stderr, "enclave-cli: unknown command %s\n%s", enclave::quotedName(first).c_str(),
                 topLevelUsage().c_str());
    return 2;
}
