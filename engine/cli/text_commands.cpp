// enclave-cli tokenize / detokenize: the model's own tokenizer from a terminal. "-" as the text
// or the ids reads standard input, so the two can be piped into each other.
#include "engine/cli/args.h"
#include "engine/cli/terminal_text.h"
#include "engine/text/tokenizer.h"
#include "engine/text/tokenizer_files.h"

#include <cstdio>

namespace enclave::cli {

namespace {

// --text STRING or --text-file FILE, exactly one of them; "-" for either is standard input.
std::string inputText(const Args &args)
{
    const bool text = args.values.count("text") != 0, file = args.values.count("text-file") != 0;
    if (text == file)
        throw UsageError(text ? "give --text or --text-file, not both" : "missing --text STRING or --text-file FILE");
    if (text)
        return valueOrStdin(args, "text");
    const std::string path = args.value("text-file");
    return path == "-" ? readStdin() : readFile(path);
}

} // namespace

int runTokenize(const Args &args)
{
    const std::string text = inputText(args);
    const Tokenizer tokenizer(loadTokenizerSpec(args.value("model")));
    const std::vector<int32_t> ids = tokenizer.encode(text, args.has("add-special"));
    const bool json = args.has("json");
    std::string out = json ? "[" : "";
    for (size_t i = 0; i < ids.size(); ++i)
        out += (i ? (json ? ", " : ",") : "") + std::to_string(ids[i]);
    out += json ? "]\n" : "\n";
    std::fwrite(out.data(), 1, out.size(), stdout);
    return 0;
}

int runDetokenize(const Args &args)
{
    const std::vector<int32_t> ids = parseTokenList(valueOrStdin(args, "ids"));
    const Tokenizer tokenizer(loadTokenizerSpec(args.value("model")));
    for (int32_t id : ids) {
        if (id >= tokenizer.vocabSize())
            throw std::runtime_error("token id " + std::to_string(id) + " outside the vocabulary of " +
                                     std::to_string(tokenizer.vocabSize()));
    }
    const std::string text = terminalSafe(tokenizer.decode(ids), isTerminal(stdout));
    std::fwrite(text.data(), 1, text.size(), stdout);
    return 0;
}

} // namespace enclave::cli
