// EngineWorker: owns the loaded model and its chat session on the engine thread. The GUI
// sends *Requested signals (queued); results come back as signals carrying values only.
// cancel() is the one direct call: it flips an atomic the generation loop checks per token.
#pragma once

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
    void loadModel(qint64 modelId, const QString &path, int contextLength);
    void unloadModel();
    // CPU threads for the kernels (0: every core).
    void setThreads(int threads);
    // messages: [{role, content}], settings: temperature, top_k, top_p, min_p,
    // repeat_penalty, seed, max_tokens (JSON as stored with the conversation).
    void generate(qint64 requestId, const QJsonArray &messages, const QJsonObject &settings);
    // How many tokens of the context these messages take; answers contextMeasured.
    void measureContext(qint64 conversationId, const QJsonArray &messages);

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

private:
    std::unique_ptr<Model> m_model;
    std::unique_ptr<Tokenizer> m_tokenizer;
    std::unique_ptr<ChatSession> m_session;
    std::atomic<qint64> m_cancelledUpTo{0};
    std::mutex m_activeMutex;            // guards m_activeSession/m_activeRequest against unload
    ChatSession *m_activeSession = nullptr;
    qint64 m_activeRequest = 0;
};

} // namespace enclave::app
