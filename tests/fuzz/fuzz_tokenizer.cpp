// Fuzz target: a tokenizer.json through the loader, then encode (with and without special
// tokens) and decode of every id and of ids past the vocabulary.
#include "fuzz_support.h"

#include "engine/text/tokenizer.h"
#include "engine/text/tokenizer_files.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    using namespace enclave;
    const auto [json, text] = fuzz::splitInput(fuzz::asText(data, size));
    const std::string path = fuzz::writeScratch("tokenizer.json", json);
    try {
        const Tokenizer tokenizer(loadTokenizerSpec(path));
        const std::string sample = text.empty() ? std::string("Hello world! <|im_start|> 12345 \xe2\x96\x81x") : std::string(text);
        const std::vector<int32_t> ids = tokenizer.encode(sample, true);
        (void)tokenizer.decode(ids);
        (void)tokenizer.encode(sample, false, false);
        std::vector<int32_t> probe = {0, 1, -1, int32_t(1) << 30};
        for (int32_t id : probe) {
            try {
                (void)tokenizer.decode(std::vector<int32_t>{id});
            } catch (const std::exception &) {
            }
        }
    } catch (const std::exception &) {
    }
    return 0;
}
