// Fuzz target: a GGUF file through the header parser, the model facts, the loader and a forward
// pass, and its tokenizer and chat template through the text pipeline.
#include "fuzz_support.h"

#include "engine/text/chat_template.h"
#include "engine/text/tokenizer.h"
#include "engine/text/tokenizer_files.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    using namespace enclave;
    const std::string path = fuzz::writeScratch("model.gguf", fuzz::asText(data, size));
    fuzz::useModel(path);
    try {
        const TokenizerSpec spec = loadTokenizerSpec(path);
        const Tokenizer tokenizer(spec);
        const std::vector<int32_t> ids = tokenizer.encode("Hello, world! 123 héllo 😀", true);
        (void)tokenizer.decode(ids);
        if (!spec.chatTemplate.empty())
            (void)renderChat(ChatTemplate::parse(spec.chatTemplate), {{"user", "hi", "", {}}}, true);
    } catch (const std::exception &) {
    }
    return 0;
}
