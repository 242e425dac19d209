// enclave-cli template / run / chat: chat templates and generation from a terminal. What the
// model writes reaches a terminal escaped (terminal_text.h) and a pipe byte for byte.
#include "engine/chat_session.h"
#include "engine/cli/args.h"
#include "engine/cli/line_reader.h"
#include "engine/cli/terminal_text.h"
#include "engine/model/printable.h"
#include "engine/model/json_limits.h"
#include "engine/moe/routing_hook.h"
#include "engine/cpu/thread_pool.h"
#include "engine/text/tokenizer_files.h"

#include <atomic>
#include <csignal>
#include <cstdio>
#include <functional>
#include <utility>

namespace enclave::cli {
namespace {

// A --messages file: JSON, nested at most kMaxJsonDepth deep (the template walks it recursively).
nlohmann::ordered_json parseMessagesFile(const std::string &path)
{
    const std::string text = path == "-" ? readStdin() : readFile(path);
    try {
        return parseBoundedJson<nlohmann::ordered_json>(text);
    } catch (const std::runtime_error &e) {
        throw std::runtime_error("--messages " + path + ": " + e.what());
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
        std::fprintf(stderr, "running on the CPU (%s)\n", printableText(l.session->backendNotice()).c_str());
    return l;
}

GenerationRequest requestFrom(const Args &a)
{
    GenerationRequest r;
    r.sampling = samplingFrom(a);
    r.maxTokens = a.positiveInt("max-tokens", a.positiveInt("n", r.maxTokens));
    if (a.values.count("stop"))
        r.stopStrings.push_back(a.value("stop"));
    const std::string overflow = a.valueOr("overflow", "drop-oldest");
    if (overflow != "stop" && overflow != "drop-oldest")
        throw std::runtime_error("--overflow must be stop or drop-oldest, not '" + overflow + "'");
    r.overflow = overflow == "stop" ? OverflowPolicy::Stop : OverflowPolicy::DropOldest;
    return r;
}

// Streams events: the answer on stdout, reasoning (dimmed on a terminal) and notices on stderr.
class EventPrinter {
public:
    explicit EventPrinter(std::string *answer = nullptr) : m_answer(answer) {}

    bool operator()(const GenerationEvent &e)
    {
        switch (e.kind) {
        case GenerationEvent::Kind::Text:
            m_out.write(e.text);
            if (m_answer)
                *m_answer += e.text;
            break;
        case GenerationEvent::Kind::Reasoning:
            if (m_reasoning.toTerminal())
                std::fputs("\033[2m", stderr);
            m_reasoning.write(e.text);
            if (m_reasoning.toTerminal())
                std::fputs("\033[0m", stderr);
            break;
        case GenerationEvent::Kind::Notice:
            std::fprintf(stderr, "[note: %s]\n", printableText(e.text).c_str());
            break;
        case GenerationEvent::Kind::End:
            m_out.flush();
            m_reasoning.flush();
            printEnd(e);
            break;
        }
        return true;
    }

private:
    static void printEnd(const GenerationEvent &e)
    {
        std::fprintf(stderr,
                     "\n[%s; prompt %lld tokens (%lld reused) at %.1f tok/s; %lld tokens at %.1f tok/s; first "
                     "token after %.0f ms]\n",
                     endReasonName(e.reason), static_cast<long long>(e.stats.promptTokens),
                     static_cast<long long>(e.stats.reusedTokens), e.stats.promptTokensPerSecond,
                     static_cast<long long>(e.stats.generatedTokens), e.stats.generationTokensPerSecond,
                     e.stats.timeToFirstTokenMs);
    }

    TextStream m_out{stdout};
    TextStream m_reasoning{stderr};
    std::string *m_answer;
};

// -p TEXT, or with -p - standard input without its final line breaks.
std::string promptFrom(const Args &a)
{
    if (a.value("p") != "-")
        return a.value("p");
    std::string text = readStdin();
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r'))
        text.pop_back();
    if (text.empty())
        throw UsageError("-p -: standard input is empty");
    return text;
}

// The conversation `chat` keeps between lines.
struct ChatState {
    std::vector<ChatMessage> history;
    std::string system;
};

enum class ChatAction { Send, Handled, Quit };

const char *const kChatHelp = "/help          this list\n"
                              "/reset         start the conversation over (the system prompt stays)\n"
                              "/system TEXT   set the system prompt; /system alone removes it\n"
                              "/quit, /exit   leave (Ctrl+D too)\n"
                              "Ctrl+C stops an answer. To send a line that starts with /, begin it with //.\n";

// "/system  Be brief" → {"/system", "Be brief"}.
std::pair<std::string, std::string> splitCommand(const std::string &line)
{
    const size_t space = line.find_first_of(" \t");
    if (space == std::string::npos)
        return {line, ""};
    const size_t start = line.find_first_not_of(" \t", space);
    return {line.substr(0, space), start == std::string::npos ? "" : line.substr(start)};
}

// One line typed in `chat`: a /command is carried out here and never reaches the model; other
// text is to be sent (a leading "//" loses one slash). Confirmations go to stderr.
ChatAction handleChatLine(std::string *line, ChatState &state)
{
    if (line->find_first_not_of(" \t") == std::string::npos)
        return ChatAction::Handled;
    if (line->rfind("//", 0) == 0) {
        line->erase(0, 1);
        return ChatAction::Send;
    }
    if ((*line)[0] != '/')
        return ChatAction::Send;
    const auto [command, rest] = splitCommand(*line);
    if (command == "/quit" || command == "/exit")
        return ChatAction::Quit;
    if (command == "/help") {
        std::fputs(kChatHelp, stderr);
    } else if (command == "/reset") {
        state.history.clear();
        std::fputs("[conversation cleared; the next message starts over]\n", stderr);
    } else if (command == "/system") {
        state.system = rest;
        if (rest.empty())
            std::fputs("[system prompt removed]\n", stderr);
        else
            std::fprintf(stderr, "[system prompt set: %s]\n", printableText(rest).c_str());
    } else {
        std::fprintf(stderr, "unknown command %s; /help lists them\n", printable(command, 40).c_str());
    }
    return ChatAction::Handled;
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
    const std::string text = terminalSafe(
        renderChat(ChatTemplate::parse(spec.chatTemplate), messages, a.has("add-generation-prompt"), extra),
        isTerminal(stdout));
    std::fwrite(text.data(), 1, text.size(), stdout);
    return 0;
}

int runGenerate(const Args &a)
{
    GenerationRequest r = requestFrom(a);
    if (a.values.count("system"))
        r.messages.push_back({"system", a.value("system"), {}, {}});
    r.messages.push_back({"user", promptFrom(a), {}, {}});
    Loaded l = load(a);
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
    EventPrinter printer;
    l.session->generate(r, std::ref(printer));
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
    const GenerationRequest base = requestFrom(a);
    Loaded l = load(a);
    ChatState state;
    state.system = a.valueOr("system", "");
    std::signal(SIGINT, onInterrupt);
    std::fprintf(stderr, "Chatting with %s. /help lists the commands; Ctrl+C stops an answer.\n",
                 printableText(a.value("model")).c_str());
    LineReader reader;
    std::string line;
    while (reader.read("> ", &line)) {
        const ChatAction action = handleChatLine(&line, state);
        if (action == ChatAction::Quit)
            break;
        if (action == ChatAction::Handled)
            continue;
        state.history.push_back({"user", line, {}, {}});
        GenerationRequest r = base;
        if (!state.system.empty())
            r.messages.push_back({"system", state.system, {}, {}});
        r.messages.insert(r.messages.end(), state.history.begin(), state.history.end());
        std::string answer;
        EventPrinter printer(&answer);
        g_activeSession = l.session.get();
        l.session->generate(r, std::ref(printer));
        g_activeSession = nullptr;
        state.history.push_back({"assistant", answer, {}, {}});
    }
    l.session->evaluator().saveProfile();
    return 0;
}

} // namespace enclave::cli
