// ChatController: conversation selection and sending, expressed as storage requests.
#include "app/chat_controller.h"

namespace enclave::app {

ChatController::ChatController(QObject *parent) : QObject(parent) {}

QString ChatController::titleFromMessage(const QString &text)
{
    constexpr int kMaxTitle = 48;
    QString title = text.simplified();
    if (title.size() > kMaxTitle) {
        title.truncate(kMaxTitle);
        const int space = int(title.lastIndexOf(QLatin1Char(' ')));
        if (space > kMaxTitle / 2)
            title.truncate(space);
        title += QStringLiteral("…");
    }
    return title.isEmpty() ? tr("New chat") : title;
}

void ChatController::openConversation(qint64 id, const QString &title, qint64 messageId)
{
    const bool changed = id != m_conversationId;
    m_conversationId = id;
    m_title = title;
    m_highlight = messageId;
    emit highlightChanged();
    if (changed)
        m_messages.reset({});
    emit conversationChanged();
    if (id)
        emit loadMessagesRequested(id);
}

void ChatController::newConversation() { openConversation(0, QString()); }

bool ChatController::sendMessage(const QString &text)
{
    const QString content = text.trimmed();
    if (content.isEmpty())
        return false;
    setPendingSend(m_pendingSend + 1);
    if (!m_conversationId)
        emit createConversationRequested(titleFromMessage(content), content);
    else
        emit addMessageRequested(m_conversationId, m_messages.lastId(), QStringLiteral("user"), content);
    return true;
}

void ChatController::onConversationCreated(const storage::Conversation &conversation, const QString &firstMessage)
{
    openConversation(conversation.id, conversation.title);
    if (!firstMessage.isEmpty())
        emit addMessageRequested(conversation.id, 0, QStringLiteral("user"), firstMessage);
}

void ChatController::onMessagesLoaded(qint64 conversationId, const QList<storage::Message> &messages)
{
    if (conversationId == m_conversationId)
        m_messages.reset(messages);
}

void ChatController::onMessageAdded(const storage::Message &message)
{
    if (message.role == QLatin1String("user"))
        setPendingSend(std::max(0, m_pendingSend - 1));
    if (message.conversationId != m_conversationId)
        return;
    m_messages.append(message);
    emit messageAppended(m_messages.rowCount() - 1);
}

void ChatController::onConversationsLoaded(const QList<storage::Conversation> &conversations)
{
    for (const auto &c : conversations) {
        if (c.id == m_conversationId && c.title != m_title) {
            m_title = c.title;
            emit conversationChanged();
        }
    }
}

void ChatController::onConversationRemoved(qint64 id)
{
    if (id == m_conversationId)
        newConversation();
}

void ChatController::setPendingSend(int pending)
{
    if (pending == m_pendingSend)
        return;
    m_pendingSend = pending;
    emit busyChanged();
}

} // namespace enclave::app
