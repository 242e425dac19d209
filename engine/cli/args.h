// Command-line flags of enclave-cli: "--name value" pairs and bare "--switch" flags, checked
// against each command's OptionSpec so a typo is an error with the usage, never ignored.
#pragma once

#include "engine/backend.h"
#include "engine/runtime/ops.h"

#include <cstdint>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

namespace enclave::cli {

// A mistake in how the command was called (unknown option, missing value or argument): main
// prints it with the command's usage and exits with status 2.
class UsageError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// The options one command accepts. One-letter names are written -p, longer ones --name.
struct OptionSpec {
    std::vector<std::string> values;   // options that take a value (--name VALUE or --name=VALUE)
    std::vector<std::string> switches; // options without one
    std::vector<std::string> required; // values that must be given
    size_t maxPositional = 0;          // bare arguments kept in order; one more is an error
};

struct Args {
    std::map<std::string, std::string> values;
    std::vector<std::string> switches;
    std::vector<std::string> positional; // bare arguments, for commands that take them
    bool help = false;                   // --help or -h was given: print the usage, nothing else

    bool has(const std::string &name) const;
    // Throws UsageError "missing --name" when absent.
    std::string value(const std::string &name) const;
    std::string valueOr(const std::string &name, const std::string &fallback) const;
    int64_t positiveInt(const std::string &name, int64_t fallback) const;
    int64_t integer(const std::string &name, int64_t fallback) const;
    double number(const std::string &name, double fallback) const;
};

// --precision exact|fast (default exact); throws on anything else.
MatmulPrecision precisionFrom(const Args &args);

// --backend cpu|cuda|auto (default cpu), --vram-budget MiB (default: free VRAM minus a margin),
// --gpu N, --profile FILE (expert usage profile), --precision.
BackendOptions backendOptionsFrom(const Args &args);

// Parses argv[first..] against spec. Throws UsageError for an unknown option, an option without
// its value, a stray argument or a missing required option. --help or -h anywhere (before "--")
// sets Args::help instead, and nothing else is checked.
Args parseArgs(int argc, char **argv, int first, const OptionSpec &spec);
bool asksForHelp(int argc, char **argv, int first);

// "1,2,3" → ids (spaces and line breaks around items are ignored); throws naming the item that
// is not a token id.
std::vector<int32_t> parseTokenList(const std::string &text);

// Writes bytes to a file, reporting a full disk as such.
void writeFile(const std::string &path, const void *data, size_t bytes);
std::string readFile(const std::string &path);
// Everything on standard input, byte for byte.
std::string readStdin();
// The value of --name, or standard input when it is "-".
std::string valueOrStdin(const Args &args, const std::string &name);

// The command entry points, one per file of cli/.
int runInfo(const Args &args);
int runLogits(const Args &args);
int runTokenize(const Args &args);
int runDetokenize(const Args &args);
int runTemplate(const Args &args);
int runGenerate(const Args &args);
int runChat(const Args &args);
int runBench(const Args &args);
int runSynth(const Args &args);
int runKernels(const Args &args);
// trace generate|stats|simulate: takes argv itself (sub-command and file are positional).
int runTraceCommand(int argc, char **argv);
int runQuantize(const Args &args);

} // namespace enclave::cli
