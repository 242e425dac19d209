// ConversationStore: SQL as named constants first, then one short function per operation.
#include "storage/conversation_store.h"

#include "storage/sqlite_handle.h"

#include <QCryptographicHash>
#include <QDateTime>
#include <QFile>
#include <QHash>
#include <QJsonDocument>
#include <QRegularExpression>

namespace enclave::storage {
namespace {

constexpr const char *kInsertConversation =
    "INSERT INTO conversations (title, created_at, updated_at, system_prompt, settings) VALUES (?1, ?2, ?2, ?3, ?4)";
constexpr const char *kSelectConversation =
    "SELECT id, title, created_at, updated_at, pinned, system_prompt, settings, model_id, current_leaf_id "
    "FROM conversations WHERE id = ?1 AND deleted_at IS NULL";
constexpr const char *kSelectConversations =
    "SELECT id, title, created_at, updated_at, pinned, system_prompt, settings, model_id, current_leaf_id "
    "FROM conversations WHERE deleted_at IS NULL ORDER BY pinned DESC, updated_at DESC, id DESC";
constexpr const char *kRenameConversation = "UPDATE conversations SET title = ?2, updated_at = ?3 WHERE id = ?1";
constexpr const char *kPinConversation = "UPDATE conversations SET pinned = ?2 WHERE id = ?1";
constexpr const char *kSetSystemPrompt = "UPDATE conversations SET system_prompt = ?2, updated_at = ?3 WHERE id = ?1";
constexpr const char *kSetConversationSettings = "UPDATE conversations SET settings = ?2 WHERE id = ?1";
constexpr const char *kSetConversationModel = "UPDATE conversations SET model_id = ?2 WHERE id = ?1";
constexpr const char *kSetCurrentLeaf = "UPDATE conversations SET current_leaf_id = ?2 WHERE id = ?1";
constexpr const char *kTouchConversation = "UPDATE conversations SET updated_at = ?2 WHERE id = ?1";
constexpr const char *kSoftDelete = "UPDATE conversations SET deleted_at = ?2 WHERE id = ?1";
constexpr const char *kRestore = "UPDATE conversations SET deleted_at = NULL WHERE id = ?1";
constexpr const char *kPurge = "DELETE FROM conversations WHERE deleted_at IS NOT NULL AND deleted_at <= ?1";

constexpr const char *kInsertMessage =
    "INSERT INTO messages (conversation_id, parent_id, role, content, status, created_at, settings) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)";
constexpr const char *kUpdateMessage =
    "UPDATE messages SET content = ?2, reasoning = ?3, status = ?4, stats = ?5 WHERE id = ?1";
constexpr const char *kDeleteMessage = "DELETE FROM messages WHERE id = ?1";
constexpr const char *kMessageColumns =
    "SELECT id, conversation_id, parent_id, role, content, reasoning, status, created_at, stats, settings "
    "FROM messages ";
constexpr const char *kMarkInterrupted = "UPDATE messages SET status = 'error' WHERE status = 'partial'";

constexpr const char *kSearch =
    "SELECT m.conversation_id, m.id, c.title, snippet(messages_fts, 0, '[[', ']]', '…', 12) "
    "FROM messages_fts JOIN messages m ON m.id = messages_fts.rowid "
    "JOIN conversations c ON c.id = m.conversation_id "
    "WHERE messages_fts MATCH ?1 AND c.deleted_at IS NULL ORDER BY rank LIMIT ?2";

constexpr const char *kInsertModel =
    "INSERT INTO models (path, format, size, fingerprint, metadata, added_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6) "
    "ON CONFLICT(path) DO UPDATE SET format = excluded.format, size = excluded.size, "
    "fingerprint = excluded.fingerprint, metadata = excluded.metadata RETURNING id, added_at";
constexpr const char *kSelectModels =
    "SELECT id, path, format, size, fingerprint, metadata, added_at, last_used_at FROM models ";
constexpr const char *kTouchModel = "UPDATE models SET last_used_at = ?2 WHERE id = ?1";
constexpr const char *kRemoveModel = "DELETE FROM models WHERE id = ?1";

constexpr const char *kSetSetting =
    "INSERT INTO settings (key, value) VALUES (?1, ?2) ON CONFLICT(key) DO UPDATE SET value = excluded.value";
constexpr const char *kGetSetting = "SELECT value FROM settings WHERE key = ?1";

QByteArray toJson(const QJsonObject &o) { return QJsonDocument(o).toJson(QJsonDocument::Compact); }
QJsonObject fromJson(const QString &s) { return QJsonDocument::fromJson(s.toUtf8()).object(); }

Conversation readConversation(const Statement &st)
{
    Conversation c;
    c.id = st.int64(0);
    c.title = st.text(1);
    c.createdAt = st.int64(2);
    c.updatedAt = st.int64(3);
    c.pinned = st.int64(4) != 0;
    c.systemPrompt = st.text(5);
    c.settings = fromJson(st.text(6));
    c.modelId = st.optionalInt64(7).value_or(0);
    c.currentLeafId = st.optionalInt64(8).value_or(0);
    return c;
}

Message readMessage(const Statement &st)
{
    Message m;
    m.id = st.int64(0);
    m.conversationId = st.int64(1);
    m.parentId = st.optionalInt64(2).value_or(0);
    m.role = st.text(3);
    m.content = st.text(4);
    m.reasoning = st.text(5);
    m.status = messageStatusFromName(st.text(6));
    m.createdAt = st.int64(7);
    m.stats = fromJson(st.text(8));
    m.settings = fromJson(st.text(9));
    return m;
}

ModelRecord readModel(const Statement &st)
{
    ModelRecord r;
    r.id = st.int64(0);
    r.path = st.text(1);
    r.format = st.text(2);
    r.size = st.int64(3);
    r.fingerprint = st.text(4);
    r.metadata = fromJson(st.text(5));
    r.addedAt = st.int64(6);
    r.lastUsedAt = st.optionalInt64(7).value_or(0);
    return r;
}

std::optional<int64_t> idOrNull(qint64 id) { return id > 0 ? std::optional<int64_t>(id) : std::nullopt; }

// Plain words → an FTS5 query that matches every word as a prefix: "foo bar" → "foo"* "bar"*.
QString ftsQuery(const QString &text)
{
    QStringList terms;
    for (const QString &word : text.split(QRegularExpression(QStringLiteral("\\s+")), Qt::SkipEmptyParts)) {
        QString escaped = word;
        escaped.replace(QLatin1Char('"'), QLatin1String("\"\""));
        terms << QLatin1Char('"') + escaped + QLatin1String("\"*");
    }
    return terms.join(QLatin1Char(' '));
}

} // namespace

QString messageStatusName(MessageStatus status)
{
    switch (status) {
    case MessageStatus::Complete: return QStringLiteral("complete");
    case MessageStatus::Partial: return QStringLiteral("partial");
    case MessageStatus::Error: return QStringLiteral("error");
    }
    return QStringLiteral("error");
}

MessageStatus messageStatusFromName(const QString &name)
{
    if (name == QLatin1String("complete"))
        return MessageStatus::Complete;
    if (name == QLatin1String("partial"))
        return MessageStatus::Partial;
    return MessageStatus::Error;
}

qint64 ConversationStore::nowMs() { return QDateTime::currentMSecsSinceEpoch(); }

ConversationStore::ConversationStore(const QString &databasePath)
    : m_db(std::make_unique<Database>(databasePath))
{
}

ConversationStore::~ConversationStore() = default;

Conversation ConversationStore::createConversation(const QString &title, const QString &systemPrompt,
                                                   const QJsonObject &settings)
{
    Statement st(m_db->handle(), kInsertConversation);
    st.bind(1, title).bind(2, nowMs()).bind(3, systemPrompt).bind(4, toJson(settings));
    st.exec();
    return *conversation(sqlite3_last_insert_rowid(m_db->handle()));
}

std::optional<Conversation> ConversationStore::conversation(qint64 id) const
{
    Statement st(m_db->handle(), kSelectConversation);
    st.bind(1, id);
    if (!st.step())
        return std::nullopt;
    return readConversation(st);
}

QList<Conversation> ConversationStore::conversations() const
{
    QList<Conversation> result;
    Statement st(m_db->handle(), kSelectConversations);
    while (st.step())
        result << readConversation(st);
    return result;
}

void ConversationStore::renameConversation(qint64 id, const QString &title)
{
    Statement(m_db->handle(), kRenameConversation).bind(1, id).bind(2, title).bind(3, nowMs()).exec();
}

void ConversationStore::setPinned(qint64 id, bool pinned)
{
    Statement(m_db->handle(), kPinConversation).bind(1, id).bind(2, int64_t(pinned)).exec();
}

void ConversationStore::setSystemPrompt(qint64 id, const QString &prompt)
{
    Statement(m_db->handle(), kSetSystemPrompt).bind(1, id).bind(2, prompt).bind(3, nowMs()).exec();
}

void ConversationStore::setConversationSettings(qint64 id, const QJsonObject &settings)
{
    Statement(m_db->handle(), kSetConversationSettings).bind(1, id).bind(2, toJson(settings)).exec();
}

void ConversationStore::setConversationModel(qint64 id, qint64 modelId)
{
    Statement(m_db->handle(), kSetConversationModel).bind(1, id).bindOptional(2, idOrNull(modelId)).exec();
}

void ConversationStore::setCurrentLeaf(qint64 conversationId, qint64 messageId)
{
    Statement(m_db->handle(), kSetCurrentLeaf).bind(1, conversationId).bindOptional(2, idOrNull(messageId)).exec();
}

void ConversationStore::touchConversation(qint64 id)
{
    Statement(m_db->handle(), kTouchConversation).bind(1, id).bind(2, nowMs()).exec();
}

void ConversationStore::deleteConversation(qint64 id)
{
    Statement(m_db->handle(), kSoftDelete).bind(1, id).bind(2, nowMs()).exec();
}

void ConversationStore::restoreConversation(qint64 id) { Statement(m_db->handle(), kRestore).bind(1, id).exec(); }

int ConversationStore::purgeDeleted(qint64 olderThanMs)
{
    Statement(m_db->handle(), kPurge).bind(1, nowMs() - olderThanMs).exec();
    return sqlite3_changes(m_db->handle());
}

Message ConversationStore::addMessage(qint64 conversationId, qint64 parentId, const QString &role,
                                      const QString &content, MessageStatus status, const QJsonObject &settings)
{
    Transaction tx(m_db->handle());
    Statement st(m_db->handle(), kInsertMessage);
    st.bind(1, conversationId).bindOptional(2, idOrNull(parentId)).bind(3, role).bind(4, content);
    st.bind(5, messageStatusName(status)).bind(6, nowMs()).bind(7, toJson(settings));
    st.exec();
    const qint64 id = sqlite3_last_insert_rowid(m_db->handle());
    setCurrentLeaf(conversationId, id);
    touchConversation(conversationId);
    tx.commit();
    return *message(id);
}

void ConversationStore::updateMessage(qint64 id, const QString &content, const QString &reasoning,
                                      MessageStatus status, const QJsonObject &stats)
{
    Statement st(m_db->handle(), kUpdateMessage);
    st.bind(1, id).bind(2, content).bind(3, reasoning).bind(4, messageStatusName(status)).bind(5, toJson(stats));
    st.exec();
}

void ConversationStore::deleteMessage(qint64 id)
{
    const auto m = message(id);
    if (!m)
        return;
    Transaction tx(m_db->handle());
    const auto conv = conversation(m->conversationId);
    Statement(m_db->handle(), kDeleteMessage).bind(1, id).exec();
    // The selected branch lost its leaf (ON DELETE SET NULL): select the parent's newest branch.
    if (conv && !conversation(m->conversationId)->currentLeafId && m->parentId)
        setCurrentLeaf(m->conversationId, m->parentId);
    tx.commit();
}

std::optional<Message> ConversationStore::message(qint64 id) const
{
    Statement st(m_db->handle(), (QByteArray(kMessageColumns) + "WHERE id = ?1").constData());
    st.bind(1, id);
    if (!st.step())
        return std::nullopt;
    return readMessage(st);
}

QList<Message> ConversationStore::messages(qint64 conversationId) const
{
    QList<Message> result;
    Statement st(m_db->handle(), (QByteArray(kMessageColumns) + "WHERE conversation_id = ?1 ORDER BY id").constData());
    st.bind(1, conversationId);
    while (st.step())
        result << readMessage(st);
    return result;
}

// The selected leaf (or the newest message when none is set) walked up to the root.
QList<Message> ConversationStore::activeBranch(qint64 conversationId) const
{
    const QList<Message> all = messages(conversationId);
    if (all.isEmpty())
        return {};
    QHash<qint64, int> index;
    for (int i = 0; i < all.size(); ++i)
        index.insert(all[i].id, i);
    const auto conv = conversation(conversationId);
    qint64 leaf = conv && index.contains(conv->currentLeafId) ? conv->currentLeafId : all.back().id;
    // A selected message that has replies extends through its newest replies.
    QHash<qint64, qint64> newestChild;
    for (const Message &m : all)
        newestChild.insert(m.parentId, m.id); // ids ascend, so the last one wins
    while (newestChild.contains(leaf))
        leaf = newestChild.value(leaf);
    QList<Message> path;
    while (leaf && index.contains(leaf)) {
        path.prepend(all[index[leaf]]);
        leaf = all[index[leaf]].parentId;
    }
    return path;
}

int ConversationStore::markInterrupted()
{
    execSql(m_db->handle(), kMarkInterrupted);
    return sqlite3_changes(m_db->handle());
}

QList<SearchHit> ConversationStore::search(const QString &query, int limit) const
{
    QList<SearchHit> hits;
    const QString fts = ftsQuery(query);
    if (fts.isEmpty())
        return hits;
    Statement st(m_db->handle(), kSearch);
    st.bind(1, fts).bind(2, int64_t(limit));
    while (st.step())
        hits << SearchHit{st.int64(0), st.int64(1), st.text(2), st.text(3)};
    return hits;
}

ModelRecord ConversationStore::addModel(const QString &path, const QString &format, qint64 size,
                                        const QString &fingerprint, const QJsonObject &metadata)
{
    Statement st(m_db->handle(), kInsertModel);
    st.bind(1, path).bind(2, format).bind(3, size).bind(4, fingerprint).bind(5, toJson(metadata)).bind(6, nowMs());
    st.step();
    const qint64 id = st.int64(0);
    st.reset();
    return *model(id);
}

QList<ModelRecord> ConversationStore::models() const
{
    QList<ModelRecord> result;
    Statement st(m_db->handle(), (QByteArray(kSelectModels) + "ORDER BY COALESCE(last_used_at, added_at) DESC").constData());
    while (st.step())
        result << readModel(st);
    return result;
}

std::optional<ModelRecord> ConversationStore::model(qint64 id) const
{
    Statement st(m_db->handle(), (QByteArray(kSelectModels) + "WHERE id = ?1").constData());
    st.bind(1, id);
    if (!st.step())
        return std::nullopt;
    return readModel(st);
}

void ConversationStore::touchModel(qint64 id) { Statement(m_db->handle(), kTouchModel).bind(1, id).bind(2, nowMs()).exec(); }

void ConversationStore::removeModel(qint64 id) { Statement(m_db->handle(), kRemoveModel).bind(1, id).exec(); }

void ConversationStore::setSetting(const QString &key, const QString &value)
{
    Statement(m_db->handle(), kSetSetting).bind(1, key).bind(2, value).exec();
}

std::optional<QString> ConversationStore::setting(const QString &key) const
{
    Statement st(m_db->handle(), kGetSetting);
    st.bind(1, key);
    if (!st.step())
        return std::nullopt;
    return st.text(0);
}

QString fingerprintFile(const QString &path)
{
    constexpr qint64 kChunk = 1 << 20;
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return {};
    QCryptographicHash hash(QCryptographicHash::Sha256);
    const qint64 size = file.size();
    hash.addData(QByteArray::number(size));
    hash.addData(file.read(kChunk));
    if (size > kChunk) {
        file.seek(std::max(kChunk, size - kChunk));
        hash.addData(file.read(kChunk));
    }
    return QString::fromLatin1(hash.result().toHex());
}

} // namespace enclave::storage
