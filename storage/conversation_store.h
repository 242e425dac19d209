// ConversationStore: the app's whole persistence API over one Database.
// Synchronous and owned by one thread (the app's storage worker); every write is one
// transaction, so a crash keeps each call's effect entirely or not at all.
#pragma once

#include "storage/database.h"
#include "storage/records.h"

#include <QString>
#include <memory>
#include <optional>

namespace enclave::storage {

class ConversationStore {
public:
    explicit ConversationStore(const QString &databasePath);
    ~ConversationStore();

    Database &database() { return *m_db; }

    // Conversations (soft-deleted ones are hidden until restored or purged).
    Conversation createConversation(const QString &title, const QString &systemPrompt = {},
                                    const QJsonObject &settings = {});
    std::optional<Conversation> conversation(qint64 id) const;
    QList<Conversation> conversations() const; // pinned first, then most recently updated
    void renameConversation(qint64 id, const QString &title);
    void setPinned(qint64 id, bool pinned);
    void setSystemPrompt(qint64 id, const QString &prompt);
    void setConversationSettings(qint64 id, const QJsonObject &settings);
    void setConversationModel(qint64 id, qint64 modelId);
    void setCurrentLeaf(qint64 conversationId, qint64 messageId);
    void deleteConversation(qint64 id);  // soft delete: restorable
    void restoreConversation(qint64 id);
    int purgeDeleted(qint64 olderThanMs = 0); // removes soft-deleted conversations for good

    // Messages form a tree per conversation: parentId links a reply to what it answers.
    Message addMessage(qint64 conversationId, qint64 parentId, const QString &role, const QString &content,
                       MessageStatus status = MessageStatus::Complete, const QJsonObject &settings = {});
    void updateMessage(qint64 id, const QString &content, const QString &reasoning, MessageStatus status,
                       const QJsonObject &stats = {});
    void deleteMessage(qint64 id); // and its whole subtree
    std::optional<Message> message(qint64 id) const;
    QList<Message> messages(qint64 conversationId) const; // every branch, in creation order
    // Root → selected message → its newest replies, down to a leaf.
    QList<Message> activeBranch(qint64 conversationId) const;
    int markInterrupted(); // partial messages left by a crash become errors; returns how many

    // Full-text search over message text; query is plain user text, not FTS syntax.
    QList<SearchHit> search(const QString &query, int limit = 50) const;

    // Model library.
    ModelRecord addModel(const QString &path, const QString &format, qint64 size, const QString &fingerprint,
                         const QJsonObject &metadata);
    QList<ModelRecord> models() const;
    std::optional<ModelRecord> model(qint64 id) const;
    void touchModel(qint64 id);
    void removeModel(qint64 id);

    // Settings: a small key → JSON value table.
    void setSetting(const QString &key, const QString &value);
    std::optional<QString> setting(const QString &key) const;

    static qint64 nowMs();

private:
    void touchConversation(qint64 id);

    std::unique_ptr<Database> m_db;
};

// A quick, stable identity of a model file: size plus SHA-256 of its first and last MiB.
QString fingerprintFile(const QString &path);

} // namespace enclave::storage
