// Chat templates: renders a model's own Jinja chat template (tokenizer.chat_template in GGUF,
// chat_template in tokenizer_config.json or chat_template.jinja) exactly as Hugging Face's
// apply_chat_template does (trim_blocks, lstrip_blocks, HF's tojson, raise_exception, strftime_now).
// Contexts are ordered JSON because key order shows up in tojson output; a plain nlohmann::json
// converts implicitly but brings its keys sorted.
#pragma once

#include "engine/text/jinja_error.h"
#include "engine/text/jinja_limits.h"

#include <nlohmann/json.hpp>

#include <ctime>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace enclave {

namespace jinja {
struct Template;
}

struct ChatMessage {
    std::string role; // "system", "user", "assistant", "tool"...
    std::string content;
    std::string reasoningContent; // given to the template as reasoning_content and thinking, when non-empty
    nlohmann::ordered_json extra; // object merged into the message last: tool_calls, tool_call_id, name...
};

struct ChatRenderOptions {
    std::optional<std::tm> localTime; // what strftime_now() reads; nullopt = the system clock
    jinja::RenderStats *stats = nullptr; // when set, receives the work the render took (steps, depth...)
};

// A parsed template. Immutable: render() may run on several threads at once; copies share the tree.
class ChatTemplate {
public:
    // Throws TemplateError naming the line, column and construct of the first syntax error, or of
    // a filter or test this interpreter does not have.
    static ChatTemplate parse(std::string source);

    // Renders with `context` as the template's variables (messages, add_generation_prompt, bos_token,
    // eos_token, tools, enable_thinking, date_string...). Throws TemplateError naming the line and
    // construct that failed, also when the template passes a limit of jinja_limits.h (depth, work,
    // sizes, 64-bit integers); when the template called raise_exception(msg), message() is msg and
    // raisedByTemplate() is true. Nothing else is thrown.
    std::string render(const nlohmann::ordered_json &context, const ChatRenderOptions &options = {}) const;

    const std::string &source() const { return m_source; }

private:
    std::string m_source;
    std::shared_ptr<const jinja::Template> m_template;
};

// The message list as the template sees it: {role, content, reasoning_content?, thinking?, ...extra}.
nlohmann::ordered_json chatMessagesToJson(const std::vector<ChatMessage> &messages);

// What apply_chat_template passes: messages, tools = null, documents = null, add_generation_prompt,
// then every key of `extra` (bos_token, eos_token, tools, enable_thinking... override the defaults).
std::string renderChat(const ChatTemplate &chatTemplate, const std::vector<ChatMessage> &messages,
                       bool addGenerationPrompt, const nlohmann::ordered_json &extra = nlohmann::ordered_json::object(),
                       const ChatRenderOptions &options = {});

// Fallback when a model has no template or its template fails: ChatML, one
// "<|im_start|>{role}\n{content}<|im_end|>\n" per message, then "<|im_start|>assistant\n" when
// addGenerationPrompt. Reasoning content and extra fields are left out. Never throws.
std::string renderGenericChat(const std::vector<ChatMessage> &messages, bool addGenerationPrompt);

// The template source in a tokenizer_config.json "chat_template" field: a string, or a list of
// {"name", "template"} entries, from which `name` is taken if given, else "tool_use" when withTools
// and present, else "default". nullopt when there is none.
std::optional<std::string> selectChatTemplate(const nlohmann::ordered_json &field, std::string_view name = {},
                                              bool withTools = false);

} // namespace enclave
