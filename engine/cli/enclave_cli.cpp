// enclave-cli: every engine feature from a terminal. Command names, flags and output
// formats are a contract (see README): keep them.
#include "engine/cli/args.h"
#include "engine/engine_info.h"
#include "engine/model/printable.h"

#ifdef ENCLAVE_HAVE_CUDA
#include "cuda/cuda_backend.h"
#endif

#include <cstdio>
#include <exception>
#include <string>
#include <vector>

namespace {

constexpr const char *kUsage =
    "usage: enclave-cli <command> [options]\n"
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
    "  chat --model PATH [--system TEXT] [sampling] [--ctx N]   interactive; /reset, /system, /quit\n"
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
    "  quantize INPUT OUTPUT.gguf --type q8_0|q6_k|q5_k_m|q4_k_m [--threads N]\n"
    "                               a safetensors model as a self-contained quantized GGUF\n"
    "PATH: a .gguf file (first shard of a split model), a .safetensors file next to its\n"
    "config.json, or a Hugging Face model folder (tokenize/detokenize also take a folder with\n"
    "tokenizer.json, or a tokenizer.json file).\n";

struct Command {
    const char *name;
    int (*run)(const enclave::cli::Args &);
    std::vector<std::string> switches;
    size_t positionals = 0;
};

} // namespace

int main(int argc, char **argv)
{
    using namespace enclave::cli;
    const std::string first = argc > 1 ? argv[1] : "";
    if (first.empty() || first == "--help" || first == "-h" || first == "help") {
        std::fputs(kUsage, first.empty() ? stderr : stdout);
        return first.empty() ? 2 : 0;
    }
    if (first == "trace")
        return runTraceCommand(argc, argv);
    if (first == "--version") {
        std::printf("enclave-cli %s\n", enclave::engineVersion().data());
        return 0;
    }
#ifdef ENCLAVE_HAVE_CUDA
    enclave::cuda::registerCudaBackend();
#endif
    const Command commands[] = {
        {"info", runInfo, {"json"}},
        {"logits", runLogits, {}},
        {"tokenize", runTokenize, {"add-special", "json"}},
        {"detokenize", runDetokenize, {}},
        {"template", runTemplate, {"add-generation-prompt"}},
        {"run", runGenerate, {}},
        {"chat", runChat, {}},
        {"bench", runBench, {}},
        {"synth", runSynth, {}},
        {"quantize", runQuantize, {}, 2},
    };
    for (const Command &c : commands) {
        if (first != c.name)
            continue;
        try {
            return c.run(parseArgs(argc, argv, 2, c.switches, c.positionals));
        } catch (const std::exception &e) {
            std::fprintf(stderr, "enclave-cli %s: %s\n", c.name, enclave::printableText(e.what()).c_str());
            return 1;
        }
    }
    std::fprintf(stderr, "enclave-cli: unknown command %s\n%s", enclave::quotedName(first).c_str(), kUsage);
    return 2;
}
