// The commands of enclave-cli: each one's options and usage text in one table, and the one
// place that turns a command's outcome into an exit status (0 done, 1 failed, 2 misused).
#pragma once

#include "engine/cli/args.h"

#include <functional>
#include <string>

namespace enclave::cli {

struct Command {
    std::string name;
    int (*run)(const Args &) = nullptr;
    OptionSpec options;
    std::string usage; // what `enclave-cli NAME --help` prints
};

// The overview `enclave-cli --help` prints.
const std::string &topLevelUsage();

// The command called name, or nullptr. trace is not in the table: it has sub-commands
// (runTraceCommand parses them, traceUsage() is its usage).
const Command *findCommand(const std::string &name);
const std::string &traceUsage();

// Parses argv[first..] against spec and runs the command: --help prints usage to stdout (0); a
// UsageError prints the message and usage to stderr (2); any other exception its message (1).
// label names the command in messages ("run", "trace stats").
int runCommand(const std::string &label, const std::string &usage, int argc, char **argv, int first,
               const OptionSpec &spec, const std::function<int(const Args &)> &run);

} // namespace enclave::cli
