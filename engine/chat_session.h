// ChatSession: one conversation with a loaded model, Qt-free. It renders the messages with
// the model's chat template, reuses the KV cache for the prefix it already holds, samples
// an answer and streams it as events (text, reasoning, notices, end with stats).
// generate() runs on the caller's thread; cancel() may be called from any thread and
// stops generation within one token step.
#pragma once

#include "engine/runtime/inference_state.h"
#include "engine/text/chat_template.h"
#include "engine/text/sampler.h"
#include "engine/text/tokenizer.h"

#include <atomic>
#include <functional>
#include <optional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace enclave {

enum class OverflowPolicy { Stop, DropOldest };
enum class EndReason { StopToken, StopString, Length, ContextFull, Cancelled, Error };
const char *endReasonName(EndReason reason);

struct GenerationStats {
    int64_t promptTokens = 0;    // tokens of the rendered conversation
    int64_t reusedTokens = 0;    // of those, already in the cache
    int64_t generatedTokens = 0;
    double timeToFirstTokenMs = 0;
    double promptTokensPerSecond = 0;     // tokens actually evaluated for the prompt
    double generationTokensPerSecond = 0;
};

struct GenerationEvent {
    enum class Kind { Text, Reasoning, Notice, End };
    Kind kind = Kind::Text;
    std::string text;                 // Text/Reasoning delta, or the notice
    EndReason reason = EndReason::StopToken; // End only
    GenerationStats stats;            // End only
};

struct GenerationRequest {
    std::vector<ChatMessage> messages;
    SamplingParams sampling;
    int64_t maxTokens = 1024;
    std::vector<std::string> stopStrings;
    OverflowPolicy overflow = OverflowPolicy::DropOldest;
    nlohmann::ordered_json templateVariables = nlohmann::ordered_json::object(); // e.g. enable_thinking
};

// Returns false to stop generation (like cancel()).
using GenerationCallback = std::function<bool(const GenerationEvent &)>;

class ChatSession {
public:
    // model and tokenizer must outlive the session. contextLength ≤ 0: the model's own.
    // backend: where it runs (BackendOptions); "auto" falls back to the CPU, backendNotice() says why.
    ChatSession(const Model &model, const Tokenizer &tokenizer, int64_t contextLength, ThreadPool &pool,
                const BackendOptions &backend = {});
    ~ChatSession();

    GenerationStats generate(const GenerationRequest &request, const GenerationCallback &onEvent);
    void cancel() { m_cancel.store(true); }

    // The prompt text the template gives for these messages (with the generation prompt).
    // notice (optional) receives why the generic format was used, when it was.
    std::string renderPrompt(const std::vector<ChatMessage> &messages, const nlohmann::ordered_json &variables,
                             std::string *notice = nullptr) const;
    int64_t contextLength() const { return m_state->capacity(); }
    // Tokens the rendered conversation takes (with the generation prompt).
    int64_t countTokens(const std::vector<ChatMessage> &messages, const nlohmann::ordered_json &variables = {}) const;
    int64_t cachedTokens() const { return int64_t(m_cached.size()); }
    // Forget the cache (next turn evaluates everything).
    void reset();
    void setPrecision(MatmulPrecision precision) { m_state->setPrecision(precision); }
    Evaluator &evaluator() { return *m_state; }
    const Evaluator &evaluator() const { return *m_state; }
    // Why the requested backend was not used (empty when it was).
    const std::string &backendNotice() const { return m_backendNotice; }

private:
    std::vector<int32_t> fitPrompt(const GenerationRequest &request, const GenerationCallback &onEvent,
                                   std::string *prompt, bool *fits);
    int64_t reusePrefix(const std::vector<int32_t> &prompt);

    const Model &m_model;
    const Tokenizer &m_tokenizer;
    std::string m_backendNotice; // before m_state: its initialiser writes it
    std::unique_ptr<Evaluator> m_state;
    std::optional<ChatTemplate> m_template;
    std::string m_templateError;
    std::vector<int32_t> m_cached; // tokens whose keys/values the state holds, in order
    std::atomic<bool> m_cancel{false};
};

} // namespace enclave
