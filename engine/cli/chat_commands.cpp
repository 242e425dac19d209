// enclave-cli template / run / chat: chat templates and generation from a terminal.
#include "engine/chat_session.h"
#include "engine/cli/args.h"
#include "engine/model/json_limits.h"
#include "engine/moe/routing_hook.h"
#include "engine/cpu/thread_pool.h"
#include "engine/text/tokenizer_files.h"

#include <atomic>
#include <csignal>
#include <cstdio>
#include <iostream>

namespace enclave::cli {
namespace {

// A --messages file: JSON, nested at most kMaxJsonDepth deep (the template walks it recursively).
nlohmann::ordered_json parseMessagesFile(const std::string &path)
{
    const std::string text = readFile(path);
    checkJsonDepth(text);
    try {
        return nlohmann::ordered_json::parse(text);
    } catch (const nlohmann::json::exception &e) {
        throw std::runtime_error("--messages " + path + ": not valid JSON: " + e.what());
    }
}

std::vector<ChatMessage> messagesFromJson(const nlohmann::ordered_json &list)
{
    if (!list.is_array())
        throw std::runtime_error("--messages: expected a JSON list of {\"role\": ..., \"content\": ...}");
    std::vector<ChatMessage> messages;
    for (const auto &item : list) {
        if (!item.is_object() || !item.contains("role") || !item["role"].is_string())
            throw std::runtime_error("--messages: every message needs a string \"role\"");
        ChatMessage m;
        m.extra = nlohmann::ordered_json::object();
        for (const auto &[key, value] : item.items()) {
            if (key == "role")
                m.role = value.get<std::string>();
            else if (key == "content" && value.is_string())
                m.content = value.get<std::string>();
            else if (key == "reasoning_content" && value.is_string())
                m.reasoningContent = value.get<std::string>();
            else
                m.extra[key] = value;
        }
        messages.push_back(std::move(m));
    }
    return messages;
}

SamplingParams samplingFrom(const Args &a)
{
    SamplingParams p;
    p.temperature = float(a.number("temp", p.temperature));
    p.topK = int32_t(a.integer("top-k", p.topK));
    p.topP = float(a.number("top-p", p.topP));
    p.minP = float(a.number("min-p", p.minP));
    p.repeatPenalty = float(a.number("repeat-penalty", p.repeatPenalty));
    p.presencePenalty = float(a.number("presence-penalty", p.presencePenalty));
    p.frequencyPenalty = float(a.number("frequency-penalty", p.frequencyPenalty));
    p.penaltyWindow = int32_t(a.integer("repeat-last-n", p.penaltyWindow));
    p.seed = uint64_t(a.integer("seed", 0));
    return p;
}

// Everything one generating command needs, loaded from --model.
struct Loaded {
    std::unique_ptr<Model> model;
    std::unique_ptr<Tokenizer> tokenizer;
    std::unique_ptr<ChatSession> session;
};

Loaded load(const Args &a)
{
    setDefaultThreadCount(int(a.positiveInt("threads", ThreadPool::resolveThreadCount(0))));
    Loaded l;
    const std::string path = a.value("model");
    l.model = Model::load(path);
    l.tokenizer = std::make_unique<Tokenizer>(loadTokenizerSpec(path));
    const int64_t ctx = a.positiveInt("ctx", std::min<int64_t>(l.model->config().nCtxTrain, 8192));
    l.session = std::make_unique<ChatSession>(*l.model, *l.tokenizer, ctx, defaultThreadPool(), backendOptionsFrom(a));
    if (!l.session->backendNotice().empty())
        std::fprintf(stderr, "running on the CPU (%s)\n", l.session->backendNotice().c_str());
    return l;
}

GenerationRequest requestFrom(const Args &a)
{
    GenerationRequest r;
    r.sampling = samplingFrom(a);
    r.maxTokens = a.positiveInt("max-tokens", a.positiveInt("n", r.maxTokens));
    if (a.values.count("stop"))
        r.stopStrings.push_back(a.value("stop"));
    r.overflow = a.valueOr("overflow", "drop-oldest") == "stop" ? OverflowPolicy::Stop : OverflowPolicy::DropOldest;
    return r;
}

// Streams events to the terminal: answer on stdout, reasoning and notices on stderr.
GenerationCallback printer(std::string *answer)
{
    return [answer](const GenerationEvent &e) {
        switch (e.kind) {
        case GenerationEvent::Kind::Text:
            std::fwrite(e.text.data(), 1, e.text.size(), stdout);
            std::fflush(stdout);
            if (answer)
                *answer += e.text;
            break;
        case GenerationEvent::Kind::Reasoning:
            std::fprintf(stderr, "\033[2m%s\033[0m", e.text.c_str());
            break;
        case GenerationEvent::Kind::Notice:
            std::fprintf(stderr, "[note: %s]\n", e.text.c_str());
            break;
        case GenerationEvent::Kind::End:
            std::fprintf(stderr,
                         "\n[%s; prompt %lld tokens (%lld reused) at %.1f tok/s; %lld tokens at %.1f tok/s; first "
                         "token after %.0f ms]\n",
                         endReasonName(e.reason), static_cast<long long>(e.stats.promptTokens),
                         static_cast<long long>(e.stats.reusedTokens), e.stats.promptTokensPerSecond,
                         static_cast<long long>(e.stats.generatedTokens), e.stats.generationTokensPerSecond,
                         e.stats.timeToFirstTokenMs);
            break;
        }
        return true;
    };
}

std::atomic<ChatSession *> g_activeSession{nullptr};

extern "C" void onInterrupt(int)
{
    if (ChatSession *s = g_activeSession.load())
        s->cancel();
    else
        std::_Exit(130);
}

} // namespace

int runTemplate(const Args &a)
{
    const TokenizerSpec spec = loadTokenizerSpec(a.value("model"));
    if (spec.chatTemplate.empty())
        throw std::runtime_error(a.value("model") + ": the model has no chat template");
    const auto messages = messagesFromJson(parseMessagesFile(a.value("messages")));
    const Tokenizer tokenizer(spec);
    nlohmann::ordered_json extra = nlohmann::ordered_json::object();
    if (tokenizer.bosId() >= 0)
        extra["bos_token"] = tokenizer.tokenPiece(tokenizer.bosId());
    if (tokenizer.eosId() >= 0)
        extra["eos_token"] = tokenizer.tokenPiece(tokenizer.eosId());
    const std::string text =
        renderChat(ChatTemplate::parse(spec.chatTemplate), messages, a.has("add-generation-prompt"), extra);
    std::fwrite(text.data(), 1, text.size(), stdout);
    return 0;
}

int runGenerate(const Args &a)
{
    Loaded l = load(a);
    GenerationRequest r = requestFrom(a);
    if (a.values.count("system"))
        r.messages.push_back({"system", a.value("system"), {}, {}});
    r.messages.push_back({"user", a.value("p"), {}, {}});
    // --record-trace FILE: the routing of every token (prompt and answer) as a routing trace.
    std::unique_ptr<moe::TraceRecorder> recorder;
    if (a.has("record-trace")) {
        const ModelConfig &c = l.model->config();
        std::vector<int32_t> moeLayers;
        for (int64_t i = 0; i < c.nLayer; ++i)
            if (c.isMoeLayer(i))
                moeLayers.push_back(int32_t(i));
        if (moeLayers.empty())
            throw std::runtime_error("--record-trace needs a mixture-of-experts model");
        recorder = std::make_unique<moe::TraceRecorder>(int32_t(c.nLayer), moeLayers, int32_t(c.moe.nExpert),
                                                        int32_t(c.moe.nExpertUsed));
        l.session->evaluator().setRoutingHook(recorder.get());
    }
    g_activeSession = l.session.get();
    std::signal(SIGINT, onInterrupt);
    l.session->generate(r, printer(nullptr));
    g_activeSession = nullptr;
    if (recorder) {
        recorder->trace().write(a.value("record-trace"));
        std::fprintf(stderr, "routing of %lld tokens recorded to %s\n", static_cast<long long>(recorder->recordedTokens()),
                     a.value("record-trace").c_str());
    }
    l.session->evaluator().saveProfile();
    return 0;
}

int runChat(const Args &a)
{
    Loaded l = load(a);
    GenerationRequest base = requestFrom(a);
    std::vector<ChatMessage> history;
    std::string system = a.valueOr("system", "");
    std::signal(SIGINT, onInterrupt);
    std::fprintf(stderr, "Chatting with %s. /reset starts over, /system TEXT sets the system prompt, /quit leaves; "
                         "Ctrl+C stops an answer.\n", a.value("model").c_str());
    std::string line;
    while (std::fputs("> ", stderr), std::getline(std::cin, line)) {
        if (line == "/quit" || line == "/exit")
            break;
        if (line == "/reset") {
            history.clear();
            continue;
        }
        if (line.rfind("/system", 0) == 0) {
            system = line.size() > 8 ? line.substr(8) : "";
            continue;
        }
        if (line.empty())
            continue;
        history.push_back({"user", line, {}, {}});
        GenerationRequest r = base;
        if (!system.empty())
            r.messages.push_back({"system", system, {}, {}});
        r.messages.insert(r.messages.end(), history.begin(), history.end());
        std::string answer;
        g_activeSession = l.session.get();
        l.session->generate(r, printer(&answer));
        g_activeSession = nullptr;
        history.push_back({"assistant", answer, {}, {}});
    }
    l.session->evaluator().saveProfile();
    return 0;
}

} // namespace enclave::cli
