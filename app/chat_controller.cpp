// ChatController: conversation selection and sending, expressed as storage requests.
#include "app/chat_controller.h"

#include <QClipboard>
#include <QDateTime>
#include <QGuiApplication>

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
    if (changed) {
        m_systemPrompt.clear();
        m_settings = {};
        m_contextTokens = 0;
        emit optionsChanged();
        emit contextChanged();
    }
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
    setSendError({});
    setPendingSend(m_pendingSend + 1);
    if (!m_conversationId)
        emit createConversationRequested(titleFromMessage(content), content);
    else
        emit addMessageRequested(m_conversationId, m_messages.lastId(), QStringLiteral("user"), content,
                                 QStringLiteral("complete"), {});
    return true;
}

void ChatController::onConversationCreated(const storage::Conversation &conversation, const QString &firstMessage)
{
    openConversation(conversation.id, conversation.title);
    if (!firstMessage.isEmpty())
        emit addMessageRequested(conversation.id, 0, QStringLiteral("user"), firstMessage, QStringLiteral("complete"), {});
}

void ChatController::onMessagesLoaded(qint64 conversationId, const QList<storage::Message> &branch,
                                      const QList<storage::Message> &all)
{
    if (conversationId != m_conversationId)
        return;
    m_tree = all;
    m_messages.reset(branch);
    refreshBranchInfo();
    measureContext();
}

QList<qint64> ChatController::siblingsOf(const storage::Message &m) const
{
    QList<qint64> ids;
    for (const storage::Message &other : m_tree)
        if (other.parentId == m.parentId)
            ids << other.id;
    return ids; // ascending: m_tree is in creation order
}

void ChatController::refreshBranchInfo()
{
    QHash<qint64, QPair<int, int>> info;
    for (const storage::Message &m : m_messages.messages()) {
        const QList<qint64> siblings = siblingsOf(m);
        info.insert(m.id, {int(siblings.indexOf(m.id)) + 1, int(siblings.size())});
    }
    m_messages.setBranchInfo(info);
}

void ChatController::requestAnswer(qint64 parentId)
{
    m_awaitingAssistant = true;
    emit generatingChanged();
    emit addMessageRequested(m_conversationId, parentId, QStringLiteral("assistant"), QString(),
                             QStringLiteral("partial"), generationRecord());
}

void ChatController::regenerate(qint64 assistantMessageId)
{
    const storage::Message *m = m_messages.find(assistantMessageId);
    if (!m || m->role != QLatin1String("assistant") || generating() || !m_modelReady)
        return;
    requestAnswer(m->parentId);
}

void ChatController::editMessage(qint64 userMessageId, const QString &text)
{
    const storage::Message *m = m_messages.find(userMessageId);
    const QString content = text.trimmed();
    if (!m || m->role != QLatin1String("user") || content.isEmpty() || generating())
        return;
    setSendError({});
    setPendingSend(m_pendingSend + 1);
    emit addMessageRequested(m_conversationId, m->parentId, QStringLiteral("user"), content, QStringLiteral("complete"),
                             {});
}

void ChatController::switchBranch(qint64 messageId, int delta)
{
    const storage::Message *m = m_messages.find(messageId);
    if (!m || generating())
        return;
    const QList<qint64> siblings = siblingsOf(*m);
    const int target = int(siblings.indexOf(messageId)) + delta;
    if (target < 0 || target >= siblings.size())
        return;
    emit selectBranchRequested(m_conversationId, siblings[target]);
}

void ChatController::copyToClipboard(const QString &text) { QGuiApplication::clipboard()->setText(text); }

QString ChatController::lastAnswer() const
{
    const auto &all = m_messages.messages();
    for (auto it = all.rbegin(); it != all.rend(); ++it)
        if (it->role == QLatin1String("assistant"))
            return it->content;
    return {};
}

void ChatController::onMessageAdded(const storage::Message &message)
{
    if (message.role == QLatin1String("user"))
        setPendingSend(std::max(0, m_pendingSend - 1));
    if (message.conversationId != m_conversationId)
        return;
    m_tree.append(message);
    if (message.parentId && message.parentId != m_messages.lastId())
        m_messages.truncateAfter(message.parentId); // a new branch: edit or regenerate
    else if (!message.parentId && m_messages.rowCount() > 0)
        m_messages.reset({}); // the first message was edited
    m_messages.append(message);
    refreshBranchInfo();
    emit messageAppended(m_messages.rowCount() - 1);
    if (message.role == QLatin1String("user") && m_modelReady && !generating()) {
        requestAnswer(message.id);
    } else if (message.role == QLatin1String("assistant") && m_awaitingAssistant) {
        startGeneration(message);
    }
}

void ChatController::onMessageNotStored(qint64, const QString &role, const QString &content, const QString &reason)
{
    if (role == QLatin1String("user")) {
        setPendingSend(std::max(0, m_pendingSend - 1));
        setSendError(tr("Your message could not be saved: %1. It is back in the message box.").arg(reason));
        emit draftReturned(content);
    } else if (role == QLatin1String("assistant") && m_awaitingAssistant) {
        m_awaitingAssistant = false;
        emit generatingChanged();
        setSendError(tr("The answer could not be started: %1.").arg(reason));
    }
}

// The conversation up to the placeholder, as the engine wants it, with the settings recorded
// in the placeholder: what is stored is exactly what produced the answer.
void ChatController::startGeneration(const storage::Message &placeholder)
{
    m_awaitingAssistant = false;
    m_generatingId = placeholder.id;
    m_answer.clear();
    m_reasoning.clear();
    m_sinceSave.start();
    m_reasoningTimer.invalidate();
    m_reasoningMs = -1;
    emit generatingChanged();
    const QJsonObject settings = placeholder.settings.isEmpty() ? generationRecord() : placeholder.settings;
    emit generateRequested(placeholder.id, engineMessages(placeholder.id), settings);
}

// What an answer records about how it was made: the model, the system prompt and settings.
QJsonObject ChatController::generationRecord() const
{
    QJsonObject record = QJsonObject::fromVariantMap(settings());
    if (!m_modelName.isEmpty())
        record.insert(QStringLiteral("model"), m_modelName);
    if (!systemPrompt().isEmpty())
        record.insert(QStringLiteral("system_prompt"), systemPrompt());
    return record;
}

int ChatController::contextLength() const { return settings().value(QStringLiteral("context_length")).toInt(); }

// The system prompt and the shown messages before `upTo` (0: all), as the engine wants them.
QJsonArray ChatController::engineMessages(qint64 upTo) const
{
    QJsonArray messages;
    if (!systemPrompt().isEmpty())
        messages.append(QJsonObject{{QStringLiteral("role"), QStringLiteral("system")},
                                    {QStringLiteral("content"), systemPrompt()}});
    for (const storage::Message &m : m_messages.messages()) {
        if (m.id == upTo)
            break;
        messages.append(QJsonObject{{QStringLiteral("role"), m.role}, {QStringLiteral("content"), m.content}});
    }
    return messages;
}

void ChatController::measureContext()
{
    if (m_modelReady && m_conversationId)
        emit measureContextRequested(m_conversationId, engineMessages(0), contextLength());
}

void ChatController::onContextMeasured(qint64 conversationId, qint64 tokens, qint64 capacity)
{
    if (conversationId != m_conversationId)
        return;
    m_contextTokens = tokens;
    m_contextCapacity = capacity;
    emit contextChanged();
}

void ChatController::stop()
{
    if (m_generatingId)
        emit stopRequested(m_generatingId);
}

void ChatController::saveAnswer(const QString &status, const QJsonObject &stats)
{
    emit updateMessageRequested(m_generatingId, m_answer, m_reasoning, status, stats);
    m_sinceSave.restart();
}

void ChatController::onTextDelta(qint64 requestId, const QString &text)
{
    if (requestId != m_generatingId)
        return;
    constexpr qint64 kSaveEveryMs = 500; // a crash loses at most this much of an answer
    if (m_reasoningTimer.isValid() && m_reasoningMs < 0 && !text.trimmed().isEmpty())
        m_reasoningMs = m_reasoningTimer.elapsed(); // thinking ends where the answer starts
    m_answer += text;
    m_messages.update(requestId, m_answer, m_reasoning, storage::MessageStatus::Partial);
    if (m_sinceSave.elapsed() >= kSaveEveryMs)
        saveAnswer(QStringLiteral("partial"));
}

void ChatController::onReasoningDelta(qint64 requestId, const QString &text)
{
    if (requestId != m_generatingId)
        return;
    if (!m_reasoningTimer.isValid()) {
        m_reasoningTimer.start();
        // Shown live ("Thinking… 3 s") until the answer's real stats replace it.
        m_messages.setStats(requestId, {{QStringLiteral("reasoning_started_at"), QDateTime::currentMSecsSinceEpoch()}});
    }
    m_reasoning += text;
    m_messages.update(requestId, m_answer, m_reasoning, storage::MessageStatus::Partial);
}

void ChatController::onNotice(qint64, const QString &text)
{
    m_lastNotice = text;
    emit lastNoticeChanged();
}

void ChatController::onGenerationFinished(qint64 requestId, const QString &reason, const QJsonObject &stats)
{
    if (requestId != m_generatingId)
        return;
    QJsonObject withReason = stats;
    withReason.insert(QStringLiteral("end_reason"), reason);
    if (m_reasoningTimer.isValid())
        withReason.insert(QStringLiteral("reasoning_ms"), m_reasoningMs >= 0 ? m_reasoningMs : m_reasoningTimer.elapsed());
    const bool failed = reason == QLatin1String("error");
    const auto status = failed ? storage::MessageStatus::Error : storage::MessageStatus::Complete;
    m_messages.update(requestId, m_answer, m_reasoning, status);
    m_messages.setStats(requestId, withReason);
    saveAnswer(storage::messageStatusName(status), withReason);
    m_generatingId = 0;
    emit generatingChanged();
    measureContext();
}

void ChatController::onConversationsLoaded(const QList<storage::Conversation> &conversations)
{
    for (const auto &c : conversations) {
        if (c.id != m_conversationId)
            continue;
        if (c.title != m_title) {
            m_title = c.title;
            emit conversationChanged();
        }
        if (c.systemPrompt != m_systemPrompt || c.settings != m_settings) {
            m_systemPrompt = c.systemPrompt;
            m_settings = c.settings;
            emit optionsChanged();
        }
    }
}

void ChatController::onConversationLoaded(const storage::Conversation &conversation)
{
    onConversationsLoaded({conversation});
}

// context_length 0: the model's own (capped by the engine).
QJsonObject ChatController::builtInSettings()
{
    return {{QStringLiteral("temperature"), 0.7}, {QStringLiteral("top_k"), 40},     {QStringLiteral("top_p"), 0.95},
            {QStringLiteral("min_p"), 0.05},      {QStringLiteral("repeat_penalty"), 1.0}, {QStringLiteral("seed"), 0},
            {QStringLiteral("max_tokens"), 1024}, {QStringLiteral("context_length"), 0}};
}

namespace {
// `over` laid over `base`, keeping only the keys `base` knows (unknown keys are dropped).
QJsonObject overlay(QJsonObject base, const QJsonObject &over)
{
    for (auto it = over.begin(); it != over.end(); ++it)
        if (base.contains(it.key()))
            base.insert(it.key(), it.value());
    return base;
}
} // namespace

QVariantMap ChatController::defaults() const { return overlay(builtInSettings(), m_defaults).toVariantMap(); }

QVariantMap ChatController::settings() const
{
    return overlay(overlay(builtInSettings(), m_defaults), m_settings).toVariantMap();
}

void ChatController::setDefaults(const QJsonObject &settings, const QString &systemPrompt)
{
    m_defaults = overlay(builtInSettings(), settings);
    m_defaultPrompt = systemPrompt.trimmed();
    emit optionsChanged();
    measureContext();
}

void ChatController::saveOptions(const QString &systemPrompt, const QVariantMap &settings)
{
    if (!m_conversationId)
        return;
    const QString prompt = systemPrompt.trimmed();
    m_systemPrompt = prompt == m_defaultPrompt ? QString() : prompt;
    const QJsonObject base = QJsonObject::fromVariantMap(defaults());
    m_settings = {};
    for (auto it = settings.begin(); it != settings.end(); ++it) {
        const QJsonValue value = QJsonValue::fromVariant(it.value());
        // note: compared as numbers: QML hands back 1 for 1.0, JSON keeps both as double.
        if (base.contains(it.key()) && base.value(it.key()).toDouble() != value.toDouble())
            m_settings.insert(it.key(), value);
    }
    emit optionsChanged();
    emit optionsSaveRequested(m_conversationId, m_systemPrompt, m_settings);
    measureContext();
}

void ChatController::resetOptions()
{
    if (!m_conversationId)
        return;
    m_systemPrompt.clear();
    m_settings = {};
    emit optionsChanged();
    emit optionsSaveRequested(m_conversationId, m_systemPrompt, m_settings);
    measureContext();
}

void ChatController::deleteMessage(qint64 messageId)
{
    if (!m_conversationId || generating() || !m_messages.find(messageId))
        return;
    emit deleteMessageRequested(m_conversationId, messageId);
}

void ChatController::onConversationRemoved(qint64 id)
{
    if (id == m_conversationId)
        newConversation();
}

void ChatController::setSendError(const QString &error)
{
    if (error == m_sendError)
        return;
    m_sendError = error;
    emit sendErrorChanged();
}

void ChatController::setPendingSend(int pending)
{
    if (pending == m_pendingSend)
        return;
    m_pendingSend = pending;
    emit busyChanged();
}

} // namespace enclave::app
