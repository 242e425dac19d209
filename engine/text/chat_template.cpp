// ChatTemplate: JSON context -> template values -> rendered prompt, plus the ChatML fallback and the
// selection of a template from tokenizer_config.json. The context is held to the limits templates are
// (jinja_limits.h), and every failure, whatever its cause, leaves as a TemplateError.
#include "engine/text/chat_template.h"

#include "engine/text/jinja_interpreter.h"
#include "engine/text/jinja_limits.h"
#include "engine/text/jinja_parser.h"

namespace enclave {

namespace {

using OrderedJson = nlohmann::ordered_json;

jinja::Value valueFromJson(const OrderedJson &json, int depth = 0)
{
    if (depth >= jinja::kMaxValueDepth)
        throw jinja::RuntimeError("the context is nested too deeply (more than " +
                                  std::to_string(jinja::kMaxValueDepth) + " levels)");
    switch (json.type()) {
    case OrderedJson::value_t::boolean: return jinja::Value(json.get<bool>());
    case OrderedJson::value_t::number_integer: return jinja::Value(json.get<int64_t>());
    case OrderedJson::value_t::number_unsigned: {
        const auto u = json.get<uint64_t>();
        return u <= uint64_t(INT64_MAX) ? jinja::Value(int64_t(u)) : jinja::Value(double(u));
    }
    case OrderedJson::value_t::number_float: return jinja::Value(json.get<double>());
    case OrderedJson::value_t::string: return jinja::Value(json.get<std::string>());
    case OrderedJson::value_t::array: {
        jinja::ValueList items;
        for (const OrderedJson &item : json)
            items.push_back(valueFromJson(item, depth + 1));
        return jinja::Value::list(std::move(items));
    }
    case OrderedJson::value_t::object: {
        jinja::ValueDict dict;
        for (const auto &[k, v] : json.items())
            dict.append(jinja::Value(k), valueFromJson(v, depth + 1)); // JSON object keys are unique
        return jinja::Value::dict(std::move(dict));
    }
    default: return jinja::Value::none();
    }
}

// Whether `json` nests more than kMaxValueDepth levels, found without recursing (copying so deep a
// value would exhaust the stack inside nlohmann::json).
bool tooDeep(const OrderedJson &json)
{
    std::vector<std::pair<const OrderedJson *, int>> pending = {{&json, 0}};
    while (!pending.empty()) {
        const auto [value, depth] = pending.back();
        pending.pop_back();
        if (!value->is_structured())
            continue;
        if (depth >= jinja::kMaxValueDepth)
            return true;
        for (const OrderedJson &child : *value)
            pending.emplace_back(&child, depth + 1);
    }
    return false;
}

void requireShallow(const OrderedJson &json, const char *what)
{
    if (tooDeep(json))
        throw TemplateError(std::string(what) + " is nested too deeply (more than " +
                                std::to_string(jinja::kMaxValueDepth) + " levels)",
                            0, 0);
}

} // namespace

ChatTemplate ChatTemplate::parse(std::string source)
{
    ChatTemplate result;
    result.m_template = jinja::parseTemplate(source);
    result.m_source = std::move(source);
    return result;
}

std::string ChatTemplate::render(const OrderedJson &context, const ChatRenderOptions &options) const
{
    if (!m_template)
        throw TemplateError("no template was parsed", 0, 0);
    if (!context.is_object())
        throw TemplateError("the render context must be a JSON object", 0, 0);
    jinja::RenderSettings settings;
    settings.localTime = options.localTime;
    settings.stats = options.stats;
    jinja::Value values;
    try {
        values = valueFromJson(context);
    } catch (const std::exception &e) {
        throw TemplateError(std::string("the render context cannot be used: ") + e.what(), 0, 0);
    }
    return jinja::renderTemplate(*m_template, values.asDict(), settings);
}

OrderedJson chatMessagesToJson(const std::vector<ChatMessage> &messages)
{
    OrderedJson list = OrderedJson::array();
    for (const ChatMessage &message : messages) {
        OrderedJson m = OrderedJson::object();
        m["role"] = message.role;
        m["content"] = message.content;
        if (!message.reasoningContent.empty()) {
            m["reasoning_content"] = message.reasoningContent;
            m["thinking"] = message.reasoningContent;
        }
        if (message.extra.is_object()) {
            requireShallow(message.extra, "a message's extra fields");
            for (const auto &[k, v] : message.extra.items())
                m[k] = v;
        }
        list.push_back(std::move(m));
    }
    return list;
}

std::string renderChat(const ChatTemplate &chatTemplate, const std::vector<ChatMessage> &messages,
                       bool addGenerationPrompt, const OrderedJson &extra, const ChatRenderOptions &options)
{
    OrderedJson context = OrderedJson::object();
    context["messages"] = chatMessagesToJson(messages);
    context["tools"] = nullptr;
    context["documents"] = nullptr;
    context["add_generation_prompt"] = addGenerationPrompt;
    if (extra.is_object()) {
        requireShallow(extra, "the template variables");
        for (const auto &[k, v] : extra.items())
            context[k] = v;
    }
    return chatTemplate.render(context, options);
}

std::string renderGenericChat(const std::vector<ChatMessage> &messages, bool addGenerationPrompt)
{
    std::string out;
    for (const ChatMessage &message : messages)
        out += "<|im_start|>" + message.role + "\n" + message.content + "<|im_end|>\n";
    if (addGenerationPrompt)
        out += "<|im_start|>assistant\n";
    return out;
}

std::optional<std::string> selectChatTemplate(const OrderedJson &field, std::string_view name, bool withTools)
{
    if (field.is_string())
        return field.get<std::string>();
    if (!field.is_array())
        return std::nullopt;
    const auto find = [&](std::string_view wanted) -> std::optional<std::string> {
        for (const OrderedJson &entry : field) {
            if (entry.is_object() && entry.value("name", "") == wanted && entry.contains("template") &&
                entry["template"].is_string())
                return entry["template"].get<std::string>();
        }
        return std::nullopt;
    };
    if (!name.empty())
        return find(name);
    if (withTools) {
        if (auto toolUse = find("tool_use"))
            return toolUse;
    }
    return find("default");
}

} // namespace enclave
