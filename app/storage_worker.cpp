// StorageWorker: each slot is one store call; every failure becomes failed(message), in words
// (a full disk says so), except a message that was not stored: messageNotStored gives it back.
#include "app/storage_worker.h"

#include "storage/sqlite_handle.h"

#include "storage/conversation_io.h"
#include "storage/conversation_store.h"

#include <QFile>
#include <QFileInfo>

#include "app/logging.h"

namespace enclave::app {
namespace {

QString folderOf(const storage::Database &db) { return QFileInfo(db.path()).absolutePath(); }

// Why a store call on the database in folder failed, for the user: the disk's state when
// that is the reason, else SQLite's message.
QString describeFailure(const std::exception &e, const QString &folder, bool readOnly)
{
    const auto *error = dynamic_cast<const storage::StorageError *>(&e);
    const QString what = QString::fromUtf8(e.what());
    switch (error ? storage::writeFailureCause(error->code(), folder) : storage::ReadOnlyCause::None) {
    case storage::ReadOnlyCause::DiskFull: return StorageWorker::tr("the disk is full");
    case storage::ReadOnlyCause::Busy: return StorageWorker::tr("another program is using your conversations");
    case storage::ReadOnlyCause::NotWritable:
        return readOnly ? StorageWorker::tr("your conversations are open read-only")
                        : StorageWorker::tr("the database cannot be written (%1)").arg(what);
    case storage::ReadOnlyCause::DiskError: return StorageWorker::tr("the disk reported an error (%1)").arg(what);
    case storage::ReadOnlyCause::None: break;
    }
    return what.isEmpty() ? StorageWorker::tr("unknown error") : what;
}

QString readOnlyMessage(const storage::Database &db)
{
    switch (db.readOnlyCause()) {
    case storage::ReadOnlyCause::DiskFull:
        return StorageWorker::tr("The disk is full: Enclave opened your conversations read-only. "
                                 "Free some space and restart Enclave.");
    case storage::ReadOnlyCause::DiskError:
        return StorageWorker::tr("The disk reported an error (%1): Enclave opened your conversations read-only. "
                                 "Check the disk and restart Enclave.").arg(db.readOnlyDetail());
    case storage::ReadOnlyCause::Busy:
        return StorageWorker::tr("Another program is using your conversations: Enclave opened them read-only. "
                                 "Close it and restart Enclave.");
    case storage::ReadOnlyCause::NotWritable:
        return StorageWorker::tr("Enclave cannot write to %1: it opened your conversations read-only. "
                                 "Check the folder's permissions and restart Enclave.").arg(folderOf(db));
    case storage::ReadOnlyCause::None: break;
    }
    return {};
}

} // namespace

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

template <typename Fn> QString StorageWorker::attempt(const char *what, Fn &&fn)
{
    if (!m_store)
        return tr("the database is not open");
    try {
        fn(*m_store);
        return {};
    } catch (const std::exception &e) {
        moduleLogger("storage")->error("StorageWorker::{}: {}", what, e.what());
        return describeFailure(e, folderOf(m_store->database()), m_store->database().isReadOnly());
    }
}

template <typename Fn> void StorageWorker::guarded(const char *what, Fn &&fn)
{
    const QString why = attempt(what, std::forward<Fn>(fn));
    if (!why.isEmpty())
        emit failed(QStringLiteral("%1 failed: %2").arg(QLatin1String(what), why));
}

void StorageWorker::open(const QString &databasePath)
{
    try {
        m_store = std::make_unique<storage::ConversationStore>(databasePath);
    } catch (const std::exception &e) {
        moduleLogger("storage")->error("StorageWorker::open: {}", e.what());
        emit failed(tr("Cannot open the conversation database: %1")
                        .arg(describeFailure(e, QFileInfo(databasePath).absolutePath(), false)));
        return;
    }
    const storage::Database &db = m_store->database();
    if (db.isReadOnly())
        emit openedReadOnly(readOnlyMessage(db));
    else
        runMaintenance();
    QString notice;
    if (!db.movedAsideTo().isEmpty())
        notice = tr("The conversation database was damaged. It was kept as %1 and a new one was started.")
                     .arg(db.movedAsideTo());
    emit opened(notice);
}

// Answers a crash left partial become errors; conversations deleted a week ago go for good.
// Neither is worth failing the open for (a nearly full disk): both run again next time.
void StorageWorker::runMaintenance()
{
    attempt("maintenance", [](storage::ConversationStore &s) {
        const int interrupted = s.markInterrupted();
        s.purgeDeleted(7LL * 24 * 3600 * 1000);
        if (interrupted > 0)
            moduleLogger("storage")->info("StorageWorker::open: {} interrupted answers marked", interrupted);
    });
}

void StorageWorker::loadConversations()
{
    guarded("loadConversations", [&](storage::ConversationStore &s) { emit conversationsLoaded(s.conversations()); });
}

void StorageWorker::createConversation(const QString &title, const QString &firstMessage)
{
    const QString why = attempt("createConversation", [&](storage::ConversationStore &s) {
        emit conversationCreated(s.createConversation(title), firstMessage);
    });
    if (!why.isEmpty()) {
        if (firstMessage.isEmpty())
            emit failed(tr("createConversation failed: %1").arg(why));
        else
            emit messageNotStored(0, QStringLiteral("user"), firstMessage, why);
        return;
    }
    guarded("createConversation", [&](storage::ConversationStore &s) { emit conversationsLoaded(s.conversations()); });
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
    const QString why = attempt("addMessage", [&](storage::ConversationStore &s) {
        emit messageAdded(
            s.addMessage(conversationId, parentId, role, content, storage::messageStatusFromName(status), settings));
    });
    if (!why.isEmpty()) {
        emit messageNotStored(conversationId, role, content, why);
        return;
    }
    guarded("addMessage", [&](storage::ConversationStore &s) { emit conversationsLoaded(s.conversations()); });
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

// Bookkeeping the user did not ask for: skipped quietly while read-only.
void StorageWorker::touchModel(qint64 id)
{
    if (m_store && m_store->database().isReadOnly())
        return;
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
