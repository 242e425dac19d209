// Fuzz target: any template source through the Jinja lexer, parser and interpreter, rendered
// with a small conversation (the app renders the last model's template at start-up).
#include "fuzz_support.h"

#include "engine/text/chat_template.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    using namespace enclave;
    try {
        const ChatTemplate t = ChatTemplate::parse(std::string(fuzz::asText(data, size)));
        const std::vector<ChatMessage> messages = {{"system", "Be brief.", "", {}},
                                                   {"user", "Hello", "", {}},
                                                   {"assistant", "Hi!", "thinking", {}},
                                                   {"user", "2+2?", "", {}}};
        (void)renderChat(t, messages, true, {{"bos_token", "<s>"}, {"eos_token", "</s>"}});
    } catch (const std::exception &) {
    }
    return 0;
}
