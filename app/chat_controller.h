// ChatController: the chat pane's state — which conversation is open, its messages, and
// sending. Commands go to the StorageWorker as queued *Requested signals.
#pragma once

#include "app/message_model.h"
#include "storage/records.h"

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

public:
    explicit ChatController(QObject *parent = nullptr);

    qint64 conversationId() const { return m_conversationId; }
    QString title() const { return m_title; }
    MessageModel *messages() { return &m_messages; }
    qint64 highlightedMessageId() const { return m_highlight; }
    bool busy() const { return m_pendingSend > 0; }

    // Opens a conversation; messageId (optional) is scrolled to and highlighted.
    Q_INVOKABLE void openConversation(qint64 id, const QString &title, qint64 messageId = 0);
    Q_INVOKABLE void newConversation();
    // Stores the user's message; creates the conversation first when none is open.
    Q_INVOKABLE bool sendMessage(const QString &text);

    static QString titleFromMessage(const QString &text);

public slots:
    void onConversationCreated(const enclave::storage::Conversation &conversation, const QString &firstMessage);
    void onMessagesLoaded(qint64 conversationId, const QList<enclave::storage::Message> &messages);
    void onMessageAdded(const enclave::storage::Message &message);
    void onConversationsLoaded(const QList<enclave::storage::Conversation> &conversations);
    void onConversationRemoved(qint64 id);

signals:
    void conversationChanged();
    void highlightChanged();
    void busyChanged();
    void messageAppended(int row);
    void createConversationRequested(const QString &title, const QString &firstMessage);
    void loadMessagesRequested(qint64 conversationId);
    void addMessageRequested(qint64 conversationId, qint64 parentId, const QString &role, const QString &content);

private:
    void setPendingSend(int pending);

    MessageModel m_messages;
    qint64 m_conversationId = 0;
    QString m_title;
    qint64 m_highlight = 0;
    int m_pendingSend = 0;
};

} // namespace enclave::app
