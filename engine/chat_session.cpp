// ChatSession: render → fit the context → reuse the cached prefix → prefill → sample,
// decode and filter token by token until a stop token, stop string, length or cancel.
#include "engine/chat_session.h"

#include "engine/text/harmony.h"
#include "engine/text/output_filter.h"
#include "engine/text/stream_decoder.h"

#include <chrono>

namespace enclave {
namespace {

using Clock = std::chrono::steady_clock;

double msSince(Clock::time_point t) { return std::chrono::duration<double, std::milli>(Clock::now() - t).count(); }

bool endsWithThinkOpen(const std::string &prompt)
{
    const size_t at = prompt.rfind("<think>");
    return at != std::string::npos && prompt.find_first_not_of(" \n", at + 7) == std::string::npos;
}

} // namespace

const char *endReasonName(EndReason reason)
{
    switch (reason) {
    case EndReason::StopToken: return "stop token";
    case EndReason::StopString: return "stop string";
    case EndReason::Length: return "length";
    case EndReason::ContextFull: return "context full";
    case EndReason::Cancelled: return "cancelled";
    case EndReason::Error: return "error";
    }
    return "error";
}

ChatSession::ChatSession(const Model &model, const Tokenizer &tokenizer, int64_t contextLength, ThreadPool &pool,
                         const BackendOptions &backend)
    : m_model(model), m_tokenizer(tokenizer), m_state(createEvaluator(model, contextLength, pool, backend, &m_backendNotice))
{
    const std::string &source = tokenizer.spec().chatTemplate;
    if (source.empty()) {
        m_templateError = "the model has no chat template";
        return;
    }
    try {
        m_template = ChatTemplate::parse(source);
    } catch (const std::exception &e) {
        m_templateError = e.what();
    }
}

ChatSession::~ChatSession() = default;

void ChatSession::reset()
{
    m_cached.clear();
    m_state->truncate(0);
}

std::string ChatSession::renderPrompt(const std::vector<ChatMessage> &messages, const nlohmann::ordered_json &variables,
                                      std::string *notice) const
{
    if (m_template) {
        nlohmann::ordered_json extra = variables;
        const auto piece = [this](int32_t id) { return id >= 0 ? m_tokenizer.tokenPiece(id) : std::string(); };
        if (!extra.contains("bos_token"))
            extra["bos_token"] = piece(m_tokenizer.bosId());
        if (!extra.contains("eos_token"))
            extra["eos_token"] = piece(m_tokenizer.eosId());
        try {
            return renderChat(*m_template, messages, true, extra);
        } catch (const std::exception &e) {
            if (notice)
                *notice = std::string("the chat template failed (") + e.what() + "); using a generic format";
            return renderGenericChat(messages, true);
        }
    }
    if (notice)
        *notice = m_templateError + "; using a generic format";
    return renderGenericChat(messages, true);
}

int64_t ChatSession::countTokens(const std::vector<ChatMessage> &messages, const nlohmann::ordered_json &variables) const
{
    return int64_t(m_tokenizer.encode(renderPrompt(messages, variables.is_null() ? nlohmann::ordered_json::object() : variables),
                                      false).size());
}

// Renders and tokenizes; when the prompt plus room for an answer exceeds the context, drops
// the oldest turns after the system prompt (policy DropOldest) or reports it (Stop).
std::vector<int32_t> ChatSession::fitPrompt(const GenerationRequest &request, const GenerationCallback &onEvent,
                                            std::string *prompt, bool *fits)
{
    std::vector<ChatMessage> messages = request.messages;
    const int64_t capacity = m_state->capacity();
    const int64_t room = std::min<int64_t>(request.maxTokens, std::max<int64_t>(capacity / 4, 1));
    int dropped = 0;
    for (;;) {
        std::string notice;
        *prompt = renderPrompt(messages, request.templateVariables, &notice);
        if (!notice.empty() && dropped == 0)
            onEvent({GenerationEvent::Kind::Notice, notice, {}, {}});
        // Templates write BOS themselves when the model wants one (as apply_chat_template does).
        std::vector<int32_t> tokens = m_tokenizer.encode(*prompt, false);
        *fits = int64_t(tokens.size()) + room <= capacity;
        const size_t first = !messages.empty() && messages.front().role == "system" ? 1 : 0;
        if (*fits || request.overflow == OverflowPolicy::Stop || messages.size() <= first + 1) {
            if (dropped > 0)
                onEvent({GenerationEvent::Kind::Notice,
                         std::to_string(dropped) + " earliest message(s) no longer fit the context of " +
                             std::to_string(capacity) + " tokens and were left out",
                         {}, {}});
            *fits = int64_t(tokens.size()) < capacity;
            return tokens;
        }
        messages.erase(messages.begin() + ptrdiff_t(first));
        ++dropped;
    }
}

int64_t ChatSession::reusePrefix(const std::vector<int32_t> &prompt)
{
    size_t common = 0;
    while (common < m_cached.size() && common < prompt.size() && m_cached[common] == prompt[common])
        ++common;
    if (common == prompt.size() && common > 0)
        --common; // the last prompt token must be evaluated again to get its logits
    if (!m_state->canTruncate(int64_t(common)))
        common = 0; // a recurrent state cannot go back to an earlier position: recompute
    m_cached.resize(common);
    m_state->truncate(int64_t(common));
    return int64_t(common);
}

GenerationStats ChatSession::generate(const GenerationRequest &request, const GenerationCallback &onEvent)
{
    m_cancel.store(false);
    GenerationStats stats;
    const auto finish = [&](EndReason reason) {
        onEvent({GenerationEvent::Kind::End, {}, reason, stats});
        return stats;
    };
    std::string prompt;
    bool fits = false;
    const std::vector<int32_t> tokens = fitPrompt(request, onEvent, &prompt, &fits);
    stats.promptTokens = int64_t(tokens.size());
    if (!fits) {
        onEvent({GenerationEvent::Kind::Notice,
                 "the conversation (" + std::to_string(tokens.size()) + " tokens) does not fit the context of " +
                     std::to_string(m_state->capacity()) + " tokens",
                 {}, {}});
        return finish(EndReason::ContextFull);
    }
    stats.reusedTokens = reusePrefix(tokens);

    const auto start = Clock::now();
    std::vector<float> logits(size_t(m_model.config().nVocab));
    const std::span<const int32_t> fresh = std::span(tokens).subspan(size_t(stats.reusedTokens));
    m_state->evaluate(fresh, nullptr, logits.data());
    m_cached.insert(m_cached.end(), fresh.begin(), fresh.end());
    const double prefillMs = msSince(start);
    stats.promptTokensPerSecond = fresh.empty() ? 0 : double(fresh.size()) / (prefillMs / 1000.0);

    Sampler sampler(request.sampling);
    StreamDecoder decoder(m_tokenizer, true);
    OutputFilter filter(request.stopStrings, endsWithThinkOpen(prompt));
    // gpt-oss answers in harmony messages: the parser sorts them by channel, then the answer goes
    // through the filter (stop strings) and the reasoning through one of its own.
    const std::unique_ptr<HarmonyParser> harmony = HarmonyParser::forTokenizer(m_tokenizer, prompt);
    OutputFilter reasoningFilter({}, true);
    const auto filtered = [&](const std::vector<OutputFilter::Piece> &pieces) {
        std::vector<OutputFilter::Piece> out;
        for (const OutputFilter::Piece &p : pieces)
            for (OutputFilter::Piece &q : (p.reasoning ? reasoningFilter : filter).push(p.text))
                out.push_back(std::move(q));
        return out;
    };
    const auto next = [&](int32_t id) { return harmony ? filtered(harmony->push(id)) : filter.push(decoder.push(id)); };
    std::vector<int32_t> history = tokens;
    const auto deliver = [&](const std::vector<OutputFilter::Piece> &pieces) {
        bool keepGoing = true;
        for (const auto &p : pieces) {
            const auto kind = p.reasoning ? GenerationEvent::Kind::Reasoning : GenerationEvent::Kind::Text;
            keepGoing = onEvent({kind, p.text, {}, {}}) && keepGoing;
        }
        return keepGoing;
    };
    const auto genStart = Clock::now();
    EndReason reason = EndReason::Length;
    for (int64_t i = 0; i < request.maxTokens; ++i) {
        if (m_cancel.load()) {
            reason = EndReason::Cancelled;
            break;
        }
        const int32_t id = sampler.sample(logits, history);
        if (i == 0)
            stats.timeToFirstTokenMs = msSince(start);
        if (m_tokenizer.isEndOfGeneration(id)) {
            reason = EndReason::StopToken;
            break;
        }
        ++stats.generatedTokens;
        history.push_back(id);
        const bool keepGoing = deliver(next(id));
        if (filter.stopped()) {
            reason = EndReason::StopString;
            break;
        }
        if (!keepGoing || m_cancel.load()) {
            reason = EndReason::Cancelled;
            break;
        }
        if (m_state->position() >= m_state->capacity()) {
            reason = EndReason::ContextFull;
            break;
        }
        m_state->evaluate(std::span(&id, 1), nullptr, logits.data());
        m_cached.push_back(id);
    }
    if (reason != EndReason::StopString)
        deliver(harmony ? filtered(harmony->flush()) : filter.push(decoder.flush()));
    deliver(reasoningFilter.flush());
    deliver(filter.flush());
    const double genSeconds = msSince(genStart) / 1000.0;
    stats.generationTokensPerSecond = genSeconds > 0 ? double(stats.generatedTokens) / genSeconds : 0;
    return finish(reason);
}

} // namespace enclave
