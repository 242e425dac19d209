// enclave-cli's command table: the options each command accepts and the usage it prints. The
// option lists are the contract of the parser: an option not listed here is an error.
#include "engine/cli/commands.h"

#include "engine/model/printable.h"

#include <cstdio>
#include <exception>
#include <initializer_list>
#include <vector>

namespace enclave::cli {
namespace {

const char *const kOverview =
    "usage: enclave-cli <command> [options]     enclave-cli <command> --help: its options\n"
    "commands:\n"
    "  info --model PATH [--json] [--ctx N]   architecture, parameters, experts, context,\n"
    "                               quantization, memory needed at N tokens against free RAM\n"
    "  logits --model PATH --tokens 1,2,3 --out FILE [--step N] [--threads N]\n"
    "                               float32 logits [n_tokens, n_vocab] of every prompt position;\n"
    "                               --step N feeds the prompt N tokens at a time through the cache\n"
    "  tokenize --model PATH (--text STRING | --text-file FILE) [--add-special] [--json]\n"
    "  detokenize --model PATH --ids 1,2,3\n"
    "  template --model PATH --messages FILE.json [--add-generation-prompt]\n"
    "                               the prompt the model's chat template renders, exactly\n"
    "  run --model PATH -p TEXT [--system TEXT] [sampling] [--max-tokens N] [--ctx N]\n"
    "      [--record-trace FILE]    also write the routing of every token (MoE models)\n"
    "  chat --model PATH [--system TEXT] [sampling] [--ctx N]   interactive; /help lists its commands\n"
    "    sampling: --temp T --top-k K --top-p P --min-p P --repeat-penalty R --repeat-last-n N\n"
    "              --presence-penalty P --frequency-penalty P --seed S --stop TEXT\n"
    "              --overflow stop|drop-oldest (when the conversation outgrows the context)\n"
    "  logits, bench, run and chat take --precision exact|fast: exact (default) computes in\n"
    "  float32 like the reference; fast quantises decode activations to 8 bits (faster, ~1-3%)\n"
    "  bench --model PATH [--prompt 512] [--gen 128] [--threads N] [--replay-trace FILE]\n"
    "        [--record-trace FILE] [--cache-policy NAME]\n"
    "                               prompt and generation tok/s against the memory bandwidth limit;\n"
    "                               with a GPU also the device's bandwidths and the share of expert\n"
    "                               computations served from VRAM (replaying a trace: for measuring)\n"
    "  logits, bench, run and chat take --backend cpu|cuda|auto (default cpu; auto: the GPU when\n"
    "  one is usable) and --vram-budget MiB (default: free VRAM minus a margin; experts that do\n"
    "  not fit run on the CPU), --gpu N, --profile FILE (expert usage profile, read and updated)\n"
    "  synth --preset NAME --out FILE.gguf [--quant Q4_K_M|Q8_0|Q6_K|Q4_0|BF16|F32] [--seed N]\n"
    "                               a random model of a real shape (qwen3-30b-a3b, olmoe-1b-7b,\n"
    "                               deepseek-v2-lite, tiny-*) for benchmarks\n"
    "  kernels [--threads N] [--mib 512] [--formats LIST]\n"
    "                               every weight format's decoding dot (exact and fast) in GB/s\n"
    "                               against the memory bandwidth limit\n"
    "  quantize INPUT OUTPUT.gguf --type q8_0|q6_k|q5_k_m|q4_k_m [--threads N]\n"
    "                               a safetensors model as a self-contained quantized GGUF\n"
    "  trace generate|stats|simulate   routing traces: synthetic ones, their locality, and the\n"
    "                               hit rates of the GPU expert cache policies on them\n"
    "PATH: a .gguf file (first shard of a split model), a .safetensors file next to its\n"
    "config.json, or a Hugging Face model folder (tokenize/detokenize also take a folder with\n"
    "tokenizer.json, or a tokenizer.json file).\n"
    "-p - (run), --text - / --text-file - (tokenize), --ids - (detokenize) and --messages -\n"
    "(template) read standard input.\n";

const char *const kModelOption =
    "  --model PATH        a .gguf file (first shard of a split model), a .safetensors file next\n"
    "                      to its config.json, or a Hugging Face model folder\n";
const char *const kTokenizerOption =
    "  --model PATH        a model (as for info), a folder with tokenizer.json, or a tokenizer.json\n";
const char *const kThreadsOption = "  --threads N         CPU threads (default: every core)\n";
const char *const kCtxOption = "  --ctx N             context length in tokens (default: the model's, at most 8192)\n";

const char *const kBackendHelp =
    "backend:\n"
    "  --backend cpu|cuda|auto   where it runs (default cpu; auto: the GPU when one is usable)\n"
    "  --vram-budget MiB   VRAM to use (default: free VRAM minus a margin); experts that do not\n"
    "                      fit run on the CPU\n"
    "  --gpu N             which GPU (default 0)\n"
    "  --profile FILE      expert usage profile, read and updated (a warm start next time)\n"
    "  --cache-policy NAME   the GPU expert cache's policy (see enclave-cli trace simulate)\n"
    "  --precision exact|fast   exact (default): float32 like the reference; fast: 8-bit\n"
    "                      activations while decoding (faster, ~1-3% off)\n";

const char *const kSamplingHelp =
    "sampling:\n"
    "  --temp T (0.7; 0: greedy)  --top-k K (40)  --top-p P (0.95)  --min-p P (0.05)\n"
    "  --repeat-penalty R (1)  --repeat-last-n N (64)  --presence-penalty P  --frequency-penalty P\n"
    "  --seed S            random seed (default: a fresh one)\n"
    "  --stop TEXT         end the answer before TEXT\n"
    "  --max-tokens N      longest answer in tokens (default 1024; -n N is the same)\n"
    "  --overflow stop|drop-oldest   when the conversation outgrows the context (default\n"
    "                      drop-oldest: the oldest turns are dropped)\n";

const std::vector<std::string> kBackendOptions = {"backend", "vram-budget", "gpu", "profile", "cache-policy",
                                                  "precision"};
const std::vector<std::string> kSamplingOptions = {
    "temp",   "top-k", "top-p", "min-p", "repeat-penalty", "repeat-last-n", "presence-penalty", "frequency-penalty",
    "seed",   "stop",  "max-tokens", "n", "overflow"};

std::vector<std::string> join(std::initializer_list<std::vector<std::string>> lists)
{
    std::vector<std::string> out;
    for (const auto &list : lists)
        out.insert(out.end(), list.begin(), list.end());
    return out;
}

std::vector<Command> modelCommands()
{
    return {
        {"info", runInfo, {{"model", "ctx"}, {"json"}, {"model"}, 0},
         std::string("usage: enclave-cli info --model PATH [--json] [--ctx N]\n"
                     "  architecture, parameters (total / active per token), layers, experts, context,\n"
                     "  vocabulary, tensor types, size, and the memory needed against free RAM\n"
                     "options:\n") +
             kModelOption +
             "  --json              machine-readable, without the memory lines\n"
             "  --ctx N             context length of the memory estimate (default: the model's, at\n"
             "                      most 8192)\n"},
        {"logits", runLogits, {join({{"model", "tokens", "out", "step", "threads"}, kBackendOptions}), {},
                               {"model", "tokens", "out"}, 0},
         std::string("usage: enclave-cli logits --model PATH --tokens 1,2,3 --out FILE [--step N] [--threads N]\n"
                     "  float32 logits [n_tokens, n_vocab], little-endian, of every prompt position\n"
                     "options:\n") +
             kModelOption +
             "  --tokens LIST       comma-separated token ids\n"
             "  --out FILE          where the logits go\n"
             "  --step N            feed the prompt N tokens at a time through the cache (default: all)\n" +
             kThreadsOption + kBackendHelp},
        {"bench", runBench, {join({{"model", "prompt", "gen", "threads", "replay-trace", "record-trace"},
                                   kBackendOptions}), {}, {"model"}, 0},
         std::string("usage: enclave-cli bench --model PATH [--prompt 512] [--gen 128] [--threads N]\n"
                     "  prompt and generation tok/s against the memory bandwidth limit; with a GPU also the\n"
                     "  device's bandwidths and the share of expert computations served from VRAM\n"
                     "options:\n") +
             kModelOption +
             "  --prompt N          prompt tokens (default 512)\n"
             "  --gen N             generated tokens (default 128)\n" +
             kThreadsOption +
             "  --replay-trace FILE   route by a recorded trace instead of the router (measuring only)\n"
             "  --record-trace FILE   write this run's routing (MoE models)\n" +
             kBackendHelp},
    };
}

std::vector<Command> textCommands()
{
    return {
        {"tokenize", runTokenize, {{"model", "text", "text-file"}, {"add-special", "json"}, {"model"}, 0},
         std::string("usage: enclave-cli tokenize --model PATH (--text STRING | --text-file FILE) [--add-special]\n"
                     "                            [--json]\n"
                     "  the token ids of a text, comma-separated\n"
                     "options:\n") +
             kTokenizerOption +
             "  --text STRING       the text; - reads it from standard input, byte for byte\n"
             "  --text-file FILE    the text of a file; - is standard input\n"
             "  --add-special       add the special tokens (BOS) the model expects\n"
             "  --json              a JSON list instead\n"},
        {"detokenize", runDetokenize, {{"model", "ids"}, {}, {"model", "ids"}, 0},
         std::string("usage: enclave-cli detokenize --model PATH --ids 1,2,3\n"
                     "  the text of token ids: exact bytes to a pipe or file; on a terminal, control\n"
                     "  characters and escape sequences are shown escaped (\\x1b)\n"
                     "options:\n") +
             kTokenizerOption + "  --ids LIST          comma-separated token ids; - reads them from standard input\n"},
        {"template", runTemplate, {{"model", "messages"}, {"add-generation-prompt"}, {"model", "messages"}, 0},
         std::string("usage: enclave-cli template --model PATH --messages FILE.json [--add-generation-prompt]\n"
                     "  the prompt the model's chat template renders, exactly\n"
                     "options:\n") +
             kTokenizerOption +
             "  --messages FILE.json   a JSON list of {\"role\": ..., \"content\": ...}; - reads standard\n"
             "                      input\n"
             "  --add-generation-prompt   end with the opening of the assistant's turn\n"},
    };
}

std::vector<Command> generationCommands()
{
    const std::vector<std::string> common = join({{"model", "system", "ctx", "threads"}, kSamplingOptions,
                                                  kBackendOptions});
    return {
        {"run", runGenerate, {join({common, {"p", "record-trace"}}), {}, {"model", "p"}, 0},
         std::string("usage: enclave-cli run --model PATH -p TEXT [--system TEXT] [sampling] [backend]\n"
                     "  one answer, streamed to standard output (escaped on a terminal, exact bytes to a\n"
                     "  pipe); reasoning and statistics go to standard error\n"
                     "options:\n") +
             kModelOption +
             "  -p TEXT             the prompt; -p - reads it from standard input (without the final\n"
             "                      line break)\n"
             "  --system TEXT       a system prompt\n" +
             kCtxOption + kThreadsOption +
             "  --record-trace FILE   also write the routing of every token (MoE models), for trace\n" +
             kSamplingHelp + kBackendHelp},
        {"chat", runChat, {common, {}, {"model"}, 0},
         std::string("usage: enclave-cli chat --model PATH [--system TEXT] [sampling] [backend]\n"
                     "  a conversation, one message per line: line editing and history on a terminal,\n"
                     "  lines of standard input otherwise. Answers go to standard output.\n"
                     "  In the chat: /help, /reset, /system TEXT, /quit; Ctrl+C stops an answer\n"
                     "options:\n") +
             kModelOption + "  --system TEXT       the system prompt to start with\n" + kCtxOption + kThreadsOption +
             kSamplingHelp + kBackendHelp},
    };
}

std::vector<Command> toolCommands()
{
    return {
        {"synth", runSynth, {{"preset", "out", "quant", "seed"}, {}, {"preset", "out"}, 0},
         "usage: enclave-cli synth --preset NAME --out FILE.gguf [--quant TYPE] [--seed N]\n"
         "  a model of a real shape with random weights, for benchmarks without downloads\n"
         "options:\n"
         "  --preset NAME       qwen3-30b-a3b, olmoe-1b-7b, deepseek-v2-lite, or one of the small\n"
         "                      tiny-qwen3moe, tiny-llama, tiny-olmoe, tiny-qwen3, tiny-deepseek2\n"
         "  --out FILE.gguf     where the model goes\n"
         "  --quant TYPE        Q4_K_M (default), Q8_0, Q6_K, Q4_0, BF16 or F32\n"
         "  --seed N            random seed (default 42)\n"},
        {"kernels", runKernels, {{"threads", "mib", "formats"}, {}, {}, 0},
         std::string("usage: enclave-cli kernels [--threads N] [--mib 512] [--formats q4_k,iq2_xxs,...]\n"
                     "  the decoding dot of every weight format over a matrix larger than the caches, as\n"
                     "  weight GB/s against this machine's memory read bandwidth: exact (float32\n"
                     "  activations) and fast (8-bit activations)\n"
                     "options:\n") +
             kThreadsOption +
             "  --mib N             weight bytes per format in MiB (default 512)\n"
             "  --formats LIST      only these formats, comma-separated (default: all)\n"},
        {"quantize", runQuantize, {{"type", "threads"}, {}, {"type"}, 2},
         std::string("usage: enclave-cli quantize INPUT OUTPUT.gguf --type q8_0|q6_k|q5_k_m|q4_k_m [--threads N]\n"
                     "  a safetensors model (a file next to its config.json, or a folder) as a\n"
                     "  self-contained quantized GGUF\n"
                     "options:\n"
                     "  --type TYPE         q8_0, q6_k, q5_k_m or q4_k_m\n") +
             kThreadsOption},
    };
}

const std::vector<Command> &allCommands()
{
    static const std::vector<Command> all = [] {
        std::vector<Command> out;
        for (auto &&group : {modelCommands(), textCommands(), generationCommands(), toolCommands()})
            out.insert(out.end(), group.begin(), group.end());
        return out;
    }();
    return all;
}

// What a usage error shows: the usage up to its option list, which --help shows in full.
std::string synopsis(const std::string &usage, const std::string &label)
{
    const size_t options = usage.find("\noptions:\n");
    if (options == std::string::npos)
        return usage;
    return usage.substr(0, options + 1) + "(enclave-cli " + label + " --help lists the options)\n";
}

} // namespace

const std::string &topLevelUsage()
{
    static const std::string usage = kOverview;
    return usage;
}

const Command *findCommand(const std::string &name)
{
    for (const Command &c : allCommands())
        if (c.name == name)
            return &c;
    return nullptr;
}

int runCommand(const std::string &label, const std::string &usage, int argc, char **argv, int first,
               const OptionSpec &spec, const std::function<int(const Args &)> &run)
{
    try {
        const Args args = parseArgs(argc, argv, first, spec);
        if (args.help) {
            std::fputs(usage.c_str(), stdout);
            return 0;
        }
        return run(args);
    } catch (const UsageError &e) {
        std::fprintf(stderr, "enclave-cli %s: %s\n%s", label.c_str(), printableText(e.what()).c_str(),
                     synopsis(usage, label).c_str());
        return 2;
    } catch (const std::exception &e) {
        std::fprintf(stderr, "enclave-cli %s: %s\n", label.c_str(), printableText(e.what()).c_str());
        return 1;
    }
}

} // namespace enclave::cli
