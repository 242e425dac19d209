// StorageWorker: each slot is one store call; every failure becomes failed(message).
#include "app/storage_worker.h"

#include "storage/sqlite_handle.h"

#include "storage/conversation_io.h"
#include "storage/conversation_store.h"

#include <QFile>

#include "app/logging.h"

namespace enclave::app {

void registerStorageMetaTypes()
{
    qRegisterMetaType<storage::Conversation>();
    qRegisterMetaType<storage::Message>();
    qRegisterMetaType<storage::SearchHit>();
    qRegisterMetaType<storage::ModelRecord>();
    qRegisterMetaType<QList<storage::Conversation>>();
    qRegisterMetaType<QList<storage::Message>>();
    qRegisterMetaType<QList<storage::SearchHit>>();
    qRegisterMetaType<QList<storage::ModelRecord>>();
}

StorageWorker::StorageWorker(QObject *parent) : QObject(parent) {}

StorageWorker::~StorageWorker() = default;

template <typename Fn> void StorageWorker::guarded(const char *what, Fn &&fn)
{
    if (!m_store) {
        emit failed(QStringLiteral("%1: the database is not open").arg(QLatin1String(what)));
        return;
    }
    try {
        fn(*m_store);
    } catch (const std::exception &e) {
        moduleLogger("storage")->error("StorageWorker::{}: {}", what, e.what());
        emit failed(QStringLiteral("%1 failed: %2").arg(QLatin1String(what), QString::fromUtf8(e.what())));
    }
}

void StorageWorker::open(const QString &databasePath)
{
    try {
        m_store = std::make_unique<storage::ConversationStore>(databasePath);
        const int interrupted = m_store->markInterrupted();
        m_store->purgeDeleted(7LL * 24 * 3600 * 1000);
        QString notice;
        if (!m_store->database().movedAsideTo().isEmpty())
            notice = tr("The conversation database was damaged. It was kept as %1 and a new one was started.")
                         .arg(m_store->database().movedAsideTo());
        if (interrupted > 0)
            moduleLogger("storage")->info("StorageWorker::open: {} interrupted answers marked", interrupted);
        emit opened(notice);
    } catch (const std::exception &e) {
        emit failed(tr("Cannot open the conversation database: %1").arg(QString::fromUtf8(e.what())));
    }
}

void StorageWorker::loadConversations()
{
    guarded("loadConversations", [&](storage::ConversationStore &s) { emit conversationsLoaded(s.conversations()); });
}

void StorageWorker::createConversation(const QString &title, const QString &firstMessage)
{
    guarded("createConversation", [&](storage::ConversationStore &s) {
        emit conversationCreated(s.createConversation(title), firstMessage);
        emit conversationsLoaded(s.conversations());
    });
}

void StorageWorker::renameConversation(qint64 id, const QString &title)
{
    guarded("renameConversation", [&](storage::ConversationStore &s) {
        s.renameConversation(id, title);
        emit conversationsLoaded(s.conversations());
    });
}

void StorageWorker::setPinned(qint64 id, bool pinned)
{
    guarded("setPinned", [&](storage::ConversationStore &s) {
        s.setPinned(id, pinned);
        emit conversationsLoaded(s.conversations());
    });
}

void StorageWorker::deleteConversation(qint64 id)
{
    guarded("deleteConversation", [&](storage::ConversationStore &s) {
        s.deleteConversation(id);
        emit conversationsLoaded(s.conversations());
    });
}

void StorageWorker::setConversationOptions(qint64 id, const QString &systemPrompt, const QJsonObject &settings)
{
    guarded("setConversationOptions", [&](storage::ConversationStore &s) {
        s.setSystemPrompt(id, systemPrompt);
        s.setConversationSettings(id, settings);
        emit conversationsLoaded(s.conversations());
    });
}

void StorageWorker::exportConversation(qint64 id, const QString &path, const QString &format)
{
    guarded("exportConversation", [&](storage::ConversationStore &s) {
        const QByteArray bytes = format == QLatin1String("json") ? storage::exportJson(s, id) : storage::exportMarkdown(s, id);
        storage::writeFileAtomically(path, bytes);
        emit conversationExported(path);
    });
}

void StorageWorker::importConversation(const QString &path)
{
    guarded("importConversation", [&](storage::ConversationStore &s) {
        QFile file(path);
        if (!file.open(QIODevice::ReadOnly))
            throw storage::StorageError(path.toStdString() + ": " + file.errorString().toStdString(), SQLITE_CANTOPEN);
        const storage::Conversation c = storage::importJson(s, file.readAll());
        emit conversationsLoaded(s.conversations());
        emit conversationImported(c);
    });
}

void StorageWorker::restoreConversation(qint64 id)
{
    guarded("restoreConversation", [&](storage::ConversationStore &s) {
        s.restoreConversation(id);
        emit conversationsLoaded(s.conversations());
    });
}

void StorageWorker::loadMessages(qint64 conversationId)
{
    guarded("loadMessages", [&](storage::ConversationStore &s) {
        if (const auto c = s.conversation(conversationId))
            emit conversationLoaded(*c);
        emit messagesLoaded(conversationId, s.activeBranch(conversationId), s.messages(conversationId));
    });
}

void StorageWorker::selectBranch(qint64 conversationId, qint64 messageId)
{
    guarded("selectBranch", [&](storage::ConversationStore &s) {
        s.setCurrentLeaf(conversationId, messageId);
        emit messagesLoaded(conversationId, s.activeBranch(conversationId), s.messages(conversationId));
    });
}

void StorageWorker::addMessage(qint64 conversationId, qint64 parentId, const QString &role, const QString &content,
                               const QString &status, const QJsonObject &settings)
{
    guarded("addMessage", [&](storage::ConversationStore &s) {
        emit messageAdded(
            s.addMessage(conversationId, parentId, role, content, storage::messageStatusFromName(status), settings));
        emit conversationsLoaded(s.conversations());
    });
}

void StorageWorker::deleteMessage(qint64 conversationId, qint64 messageId)
{
    guarded("deleteMessage", [&](storage::ConversationStore &s) {
        s.deleteMessage(messageId);
        emit messagesLoaded(conversationId, s.activeBranch(conversationId), s.messages(conversationId));
        emit conversationsLoaded(s.conversations());
    });
}

void StorageWorker::updateMessage(qint64 id, const QString &content, const QString &reasoning, const QString &status,
                                  const QJsonObject &stats)
{
    guarded("updateMessage", [&](storage::ConversationStore &s) {
        s.updateMessage(id, content, reasoning, storage::messageStatusFromName(status), stats);
    });
}

void StorageWorker::search(const QString &query)
{
    guarded("search", [&](storage::ConversationStore &s) { emit searchFinished(query, s.search(query)); });
}

void StorageWorker::addModel(const QString &path, const QString &format, qint64 size, const QJsonObject &metadata)
{
    guarded("addModel", [&](storage::ConversationStore &s) {
        emit modelAdded(s.addModel(path, format, size, storage::fingerprintFile(path), metadata));
        emit modelsLoaded(s.models());
    });
}

void StorageWorker::removeModel(qint64 id)
{
    guarded("removeModel", [&](storage::ConversationStore &s) {
        s.removeModel(id);
        emit modelsLoaded(s.models());
    });
}

void StorageWorker::touchModel(qint64 id)
{
    guarded("touchModel", [&](storage::ConversationStore &s) { s.touchModel(id); });
}

// The app-wide settings the GUI reads at start (key → text value).
void StorageWorker::loadSettings()
{
    guarded("loadSettings", [&](storage::ConversationStore &s) {
        QVariantMap settings;
        for (const QString &key : settingKeys()) {
            if (const auto value = s.setting(key))
                settings.insert(key, *value);
        }
        emit settingsLoaded(settings);
    });
}

QStringList StorageWorker::settingKeys()
{
    return {QStringLiteral("theme"), QStringLiteral("font_size"), QStringLiteral("threads"),
            QStringLiteral("vram_budget_mib"), QStringLiteral("use_gpu"), QStringLiteral("generation_defaults"),
            QStringLiteral("default_system_prompt")};
}

void StorageWorker::saveSetting(const QString &key, const QString &value)
{
    guarded("saveSetting", [&](storage::ConversationStore &s) { s.setSetting(key, value); });
}

void StorageWorker::loadModels()
{
    guarded("loadModels", [&](storage::ConversationStore &s) { emit modelsLoaded(s.models()); });
}

} // namespace enclave::app
