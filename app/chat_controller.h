// ChatController: the chat pane's state — which conversation is open, its messages, and
// sending. Commands go to the StorageWorker as queued *Requested signals.
#pragma once

#include "app/message_model.h"
#include "storage/records.h"

#include <QElapsedTimer>
#include <QJsonArray>
#include <QJsonObject>
#include <QObject>
#include <QtQml/qqmlregistration.h>

namespace enclave::app {

class ChatController : public QObject {
    Q_OBJECT
    QML_ELEMENT
    QML_UNCREATABLE("Owned by AppContext")
    Q_PROPERTY(qint64 conversationId READ conversationId NOTIFY conversationChanged)
    Q_PROPERTY(QString title READ title NOTIFY conversationChanged)
    Q_PROPERTY(enclave::app::MessageModel *messages READ messages CONSTANT)
    Q_PROPERTY(qint64 highlightedMessageId READ highlightedMessageId NOTIFY highlightChanged)
    Q_PROPERTY(bool busy READ busy NOTIFY busyChanged)
    Q_PROPERTY(bool generating READ generating NOTIFY generatingChanged)
    Q_PROPERTY(QString lastNotice READ lastNotice NOTIFY lastNoticeChanged)
    // Why the last message sent could not be stored (its text went back to the composer).
    Q_PROPERTY(QString sendError READ sendError NOTIFY sendErrorChanged)
    Q_PROPERTY(QString systemPrompt READ systemPrompt NOTIFY optionsChanged)
    Q_PROPERTY(QVariantMap settings READ settings NOTIFY optionsChanged)
    Q_PROPERTY(QVariantMap defaults READ defaults NOTIFY optionsChanged)
    Q_PROPERTY(bool hasOverrides READ hasOverrides NOTIFY optionsChanged)
    Q_PROPERTY(qint64 contextTokens READ contextTokens NOTIFY contextChanged)
    Q_PROPERTY(qint64 contextCapacity READ contextCapacity NOTIFY contextChanged)

public:
    explicit ChatController(QObject *parent = nullptr);

    qint64 conversationId() const { return m_conversationId; }
    QString title() const { return m_title; }
    MessageModel *messages() { return &m_messages; }
    qint64 highlightedMessageId() const { return m_highlight; }
    bool busy() const { return m_pendingSend > 0; }
    bool generating() const { return m_generatingId != 0 || m_awaitingAssistant; }
    QString lastNotice() const { return m_lastNotice; }
    QString sendError() const { return m_sendError; }
    // The open conversation's system prompt, or the app-wide default when it has none.
    QString systemPrompt() const { return m_systemPrompt.isEmpty() ? m_defaultPrompt : m_systemPrompt; }
    qint64 contextTokens() const { return m_contextTokens; }
    qint64 contextCapacity() const { return m_contextCapacity; }
    // The open conversation's generation settings: its overrides over the app-wide defaults
    // over the built-in ones (temperature, top_k, top_p, min_p, repeat_penalty, seed,
    // max_tokens, context_length).
    QVariantMap settings() const;
    // The app-wide defaults over the built-in ones: what a conversation without overrides uses.
    QVariantMap defaults() const;
    bool hasOverrides() const { return !m_settings.isEmpty() || !m_systemPrompt.isEmpty(); }
    static QJsonObject builtInSettings();
    // App-wide defaults (AppContext keeps them): generation settings and a system prompt.
    void setDefaults(const QJsonObject &settings, const QString &systemPrompt);
    // Whether a model is ready: sending then also asks it for an answer. name: recorded
    // with every answer.
    void setModelReady(bool ready, const QString &name = {})
    {
        m_modelReady = ready;
        m_modelName = name;
    }

    // Opens a conversation; messageId (optional) is scrolled to and highlighted.
    Q_INVOKABLE void openConversation(qint64 id, const QString &title, qint64 messageId = 0);
    Q_INVOKABLE void newConversation();
    // Stores the user's message; creates the conversation first when none is open.
    Q_INVOKABLE bool sendMessage(const QString &text);
    // Stops the answer being generated (Esc / the Stop button); what was written is kept.
    Q_INVOKABLE void stop();
    // A new answer to the same question, as a new branch beside the old one.
    Q_INVOKABLE void regenerate(qint64 assistantMessageId);
    // The user's message rewritten, as a new branch (the model answers it again).
    Q_INVOKABLE void editMessage(qint64 userMessageId, const QString &text);
    // Shows the previous (-1) or next (+1) sibling of a message and its newest replies.
    Q_INVOKABLE void switchBranch(qint64 messageId, int delta);
    Q_INVOKABLE void copyToClipboard(const QString &text);
    // The text of the last answer shown (Ctrl+Shift+C).
    Q_INVOKABLE QString lastAnswer() const;
    // Stores the open conversation's system prompt and generation settings; only what differs
    // from the app-wide defaults is kept as an override.
    Q_INVOKABLE void saveOptions(const QString &systemPrompt, const QVariantMap &settings);
    // Drops the conversation's overrides: it follows the app-wide defaults again.
    Q_INVOKABLE void resetOptions();
    // Deletes a message with every reply below it in the tree (not while generating).
    Q_INVOKABLE void deleteMessage(qint64 messageId);

    static QString titleFromMessage(const QString &text);

public slots:
    void onConversationCreated(const enclave::storage::Conversation &conversation, const QString &firstMessage);
    void onMessagesLoaded(qint64 conversationId, const QList<enclave::storage::Message> &branch,
                          const QList<enclave::storage::Message> &all);
    void onMessageAdded(const enclave::storage::Message &message);
    // The store refused a message (a full disk...): a user's text goes back to the composer
    // (draftReturned) with the reason in sendError; an answer's placeholder stops waiting.
    void onMessageNotStored(qint64 conversationId, const QString &role, const QString &content, const QString &reason);
    void onConversationsLoaded(const QList<enclave::storage::Conversation> &conversations);
    void onConversationLoaded(const enclave::storage::Conversation &conversation);
    void onConversationRemoved(qint64 id);
    void onTextDelta(qint64 requestId, const QString &text);
    void onReasoningDelta(qint64 requestId, const QString &text);
    void onNotice(qint64 requestId, const QString &text);
    void onGenerationFinished(qint64 requestId, const QString &reason, const QJsonObject &stats);
    void onContextMeasured(qint64 conversationId, qint64 tokens, qint64 capacity);
    // Asks the engine how full the context is for what is shown now.
    void measureContext();

signals:
    void conversationChanged();
    void highlightChanged();
    void busyChanged();
    void messageAppended(int row);
    void createConversationRequested(const QString &title, const QString &firstMessage);
    void loadMessagesRequested(qint64 conversationId);
    void selectBranchRequested(qint64 conversationId, qint64 messageId);
    // settings: for answers, the model and generation settings that produce it.
    void addMessageRequested(qint64 conversationId, qint64 parentId, const QString &role, const QString &content,
                             const QString &status, const QJsonObject &settings);
    void deleteMessageRequested(qint64 conversationId, qint64 messageId);
    void updateMessageRequested(qint64 id, const QString &content, const QString &reasoning, const QString &status,
                                const QJsonObject &stats);
    void generateRequested(qint64 requestId, const QJsonArray &messages, const QJsonObject &settings);
    void stopRequested(qint64 requestId);
    void generatingChanged();
    void optionsChanged();
    void contextChanged();
    void measureContextRequested(qint64 conversationId, const QJsonArray &messages, int contextLength);
    void optionsSaveRequested(qint64 conversationId, const QString &systemPrompt, const QJsonObject &settings);
    void lastNoticeChanged();
    void sendErrorChanged();
    // Text the user sent that was not stored: the composer takes it back.
    void draftReturned(const QString &text);

private:
    void setPendingSend(int pending);
    void setSendError(const QString &error);
    void startGeneration(const storage::Message &placeholder);
    void requestAnswer(qint64 parentId);
    void refreshBranchInfo();
    QList<qint64> siblingsOf(const storage::Message &m) const;
    void saveAnswer(const QString &status, const QJsonObject &stats = {});
    QJsonArray engineMessages(qint64 upTo) const;
    QJsonObject generationRecord() const;
    int contextLength() const;

    MessageModel m_messages;
    QList<storage::Message> m_tree; // every message of the open conversation
    qint64 m_conversationId = 0;
    QString m_title;
    qint64 m_highlight = 0;
    int m_pendingSend = 0;
    bool m_modelReady = false;
    bool m_awaitingAssistant = false; // the answer's placeholder is being stored
    qint64 m_generatingId = 0;        // the assistant message being written, 0: none
    QString m_answer, m_reasoning;
    QElapsedTimer m_sinceSave;
    QElapsedTimer m_reasoningTimer; // from the first reasoning text
    qint64 m_reasoningMs = -1;      // until the first answer text (or the end); -1: still thinking
    QString m_modelName;
    QString m_lastNotice;
    QString m_sendError;
    QString m_systemPrompt;
    QJsonObject m_settings; // only what the user changed from the defaults
    QJsonObject m_defaults; // app-wide
    QString m_defaultPrompt;
    qint64 m_contextTokens = 0;
    qint64 m_contextCapacity = 0;
};

} // namespace enclave::app
