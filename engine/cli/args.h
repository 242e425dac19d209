// Command-line flags of enclave-cli: "--name value" pairs and bare "--switch" flags.
#pragma once

#include "engine/backend.h"
#include "engine/runtime/ops.h"

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace enclave::cli {

struct Args {
    std::map<std::string, std::string> values;
    std::vector<std::string> switches;
    std::vector<std::string> positional; // bare arguments, for commands that take them

    bool has(const std::string &name) const;
    // Throws std::runtime_error "missing --name" when absent.
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

// Parses argv[first..]; names in switchNames take no value. Up to maxPositional bare arguments are
// kept in order; one more throws as a stray argument.
Args parseArgs(int argc, char **argv, int first, const std::vector<std::string> &switchNames,
               size_t maxPositional = 0);

// "1,2,3" → ids; throws naming the item that is not a token id.
std::vector<int32_t> parseTokenList(const std::string &text);

// Writes bytes to a file, reporting a full disk as such.
void writeFile(const std::string &path, const void *data, size_t bytes);
std::string readFile(const std::string &path);

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
// trace generate|stats|simulate: takes argv itself (sub-command and file are positional).
int runTraceCommand(int argc, char **argv);
int runQuantize(const Args &args);

} // namespace enclave::cli
