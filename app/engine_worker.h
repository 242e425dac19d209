// EngineWorker: owns the loaded model and its chat session on the engine thread. The GUI
// sends *Requested signals (queued); results come back as signals carrying values only.
// cancel() is the one direct call: it flips an atomic the generation loop checks per token.
#pragma once

#include "engine/backend.h"

#include <QJsonArray>
#include <QJsonObject>
#include <QObject>
#include <atomic>
#include <memory>
#include <mutex>

namespace enclave {
class Model;
class Tokenizer;
class ChatSession;
} // namespace enclave

namespace enclave::app {

class EngineWorker : public QObject {
    Q_OBJECT
public:
    explicit EngineWorker(QObject *parent = nullptr);
    ~EngineWorker() override;

    // Thread-safe: stops request `requestId` (and any earlier one) within one token, also
    // when it is still waiting in the queue.
    void cancel(qint64 requestId);

public slots:
    // options: context_length (0: the model's own, at most 8192), vram_budget_mib (0: free
    // VRAM minus a safety margin). modelLoaded's info repeats the options it was loaded with.
    void loadModel(qint64 modelId, const QString &path, const QJsonObject &options);
    void unloadModel();
    // CPU threads for the kernels (0: every core).
    void setThreads(int threads);
    // messages: [{role, content}], settings: temperature, top_k, top_p, min_p,
    // repeat_penalty, seed, max_tokens, context_length (0: the one chosen at load).
    void generate(qint64 requestId, const QJsonArray &messages, const QJsonObject &settings);
    // How many tokens of a context of contextLength (0: the one chosen at load) these
    // messages take; answers contextMeasured.
    void measureContext(qint64 conversationId, const QJsonArray &messages, int contextLength);
    // Answers echoed(token) once every request queued before it has run (without crashing).
    void echo(qint64 token);

signals:
    void modelLoaded(qint64 modelId, const QJsonObject &info);
    void modelLoadFailed(qint64 modelId, const QString &error);
    void modelUnloaded();
    void textDelta(qint64 requestId, const QString &text);
    void reasoningDelta(qint64 requestId, const QString &text);
    void notice(qint64 requestId, const QString &text);
    // reason: stop token | stop string | length | context full | cancelled | error.
    void finished(qint64 requestId, const QString &reason, const QJsonObject &stats);
    void contextMeasured(qint64 conversationId, qint64 tokens, qint64 capacity);
    void echoed(qint64 token);

private:
    // A session with this context length (0: the load-time one), rebuilt only when it changes.
    void useContextLength(int contextLength);
    void renderSample();

    std::unique_ptr<Model> m_model;
    std::unique_ptr<Tokenizer> m_tokenizer;
    std::unique_ptr<ChatSession> m_session;
    int64_t m_loadContext = 0;  // the context length chosen at load
    // Creates the session on the configured backend (GPU when asked and usable, else the CPU).
    std::unique_ptr<ChatSession> makeSession(int64_t contextLength);
    // Writes the session's expert usage profile (warm start next time); failures are only logged.
    void saveProfileQuietly();

    BackendOptions m_backend;   // from the load options: use_gpu, vram_budget_mib (0: auto), profile_path
    int m_vramBudgetMiB = 0;
    QString m_backendNotice;    // why the GPU is not used, when it was asked for
    std::atomic<qint64> m_cancelledUpTo{0};
    std::mutex m_activeMutex;            // guards m_activeSession/m_activeRequest against unload
    ChatSession *m_activeSession = nullptr;
    qint64 m_activeRequest = 0;
};

} // namespace enclave::app
