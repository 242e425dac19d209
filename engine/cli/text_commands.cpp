// enclave-cli tokenize / detokenize: the model's own tokenizer from a terminal.
#include "engine/cli/args.h"
#include "engine/text/tokenizer.h"
#include "engine/text/tokenizer_files.h"

#include <cstdio>

namespace enclave::cli {

int runTokenize(const Args &args)
{
    const Tokenizer tokenizer(loadTokenizerSpec(args.value("model")));
    const std::string text = args.values.count("text-file") ? readFile(args.value("text-file")) : args.value("text");
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
    const Tokenizer tokenizer(loadTokenizerSpec(args.value("model")));
    const std::vector<int32_t> ids = parseTokenList(args.value("ids"));
    for (int32_t id : ids) {
        if (id >= tokenizer.vocabSize())
            throw std::runtime_error("token id " + std::to_string(id) + " outside the vocabulary of " +
                                     std::to_string(tokenizer.vocabSize()));
    }
    const std::string text = tokenizer.decode(ids);
    std::fwrite(text.data(), 1, text.size(), stdout);
    return 0;
}

} // namespace enclave::cli
