// Fuzz target: a conversation as JSON (what `enclave-cli template --messages` and an imported
// conversation carry) rendered by each real chat template the project tests against.
#include "fuzz_support.h"

#include "engine/model/json_limits.h"
#include "engine/text/chat_template.h"

#include <filesystem>
#include <fstream>
#include <sstream>

namespace {

std::vector<enclave::ChatTemplate> realTemplates()
{
    std::vector<enclave::ChatTemplate> out;
    for (const auto &e : std::filesystem::directory_iterator(ENCLAVE_TEST_DATA_DIR "/chat_templates")) {
        if (e.path().extension() != ".jinja")
            continue;
        std::ifstream in(e.path());
        std::stringstream text;
        text << in.rdbuf();
        out.push_back(enclave::ChatTemplate::parse(text.str()));
    }
    return out;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    using namespace enclave;
    static const std::vector<ChatTemplate> templates = realTemplates();
    try {
        const std::string_view text = fuzz::asText(data, size);
        checkJsonDepth(text);
        const nlohmann::ordered_json list = nlohmann::ordered_json::parse(text);
        if (!list.is_array())
            return 0;
        std::vector<ChatMessage> messages;
        for (const auto &item : list) {
            if (!item.is_object())
                continue;
            ChatMessage m;
            m.role = item.value("role", std::string("user"));
            m.content = item.value("content", std::string());
            m.extra = nlohmann::ordered_json::object();
            for (const auto &[key, value] : item.items())
                if (key != "role" && key != "content")
                    m.extra[key] = value;
            messages.push_back(std::move(m));
        }
        for (const ChatTemplate &t : templates) {
            try {
                (void)renderChat(t, messages, true);
            } catch (const std::exception &) {
            }
        }
    } catch (const std::exception &) {
    }
    return 0;
}
