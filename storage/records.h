// Plain value types the store reads and writes. Ids are SQLite rowids; 0 means "none".
// Times are milliseconds since the Unix epoch. JSON fields are kept as QJsonObject.
#pragma once

#include <QJsonObject>
#include <QList>
#include <QMetaType>
#include <QString>
#include <QtGlobal>

namespace enclave::storage {

enum class MessageStatus { Complete, Partial, Error };
QString messageStatusName(MessageStatus status);
MessageStatus messageStatusFromName(const QString &name);

struct Conversation {
    qint64 id = 0;
    QString title;
    qint64 createdAt = 0;
    qint64 updatedAt = 0;
    bool pinned = false;
    QString systemPrompt;
    QJsonObject settings;   // generation settings for this conversation
    qint64 modelId = 0;     // 0: none chosen
    qint64 currentLeafId = 0; // last message of the selected branch; 0: newest leaf
};

struct Message {
    qint64 id = 0;
    qint64 conversationId = 0;
    qint64 parentId = 0; // 0: first message of the conversation
    QString role;        // system | user | assistant | tool
    QString content;
    QString reasoning;
    MessageStatus status = MessageStatus::Complete;
    qint64 createdAt = 0;
    QJsonObject stats;
    QJsonObject settings;
};

struct ModelRecord {
    qint64 id = 0;
    QString path;
    QString format;      // gguf | safetensors
    qint64 size = 0;
    QString fingerprint; // see ConversationStore::fingerprintFile
    QJsonObject metadata;
    qint64 addedAt = 0;
    qint64 lastUsedAt = 0;
};

struct SearchHit {
    qint64 conversationId = 0;
    qint64 messageId = 0;
    QString conversationTitle;
    QString snippet; // the matching text, with matches wrapped in [[ and ]]
};

} // namespace enclave::storage

Q_DECLARE_METATYPE(enclave::storage::Conversation)
Q_DECLARE_METATYPE(enclave::storage::Message)
Q_DECLARE_METATYPE(enclave::storage::SearchHit)
Q_DECLARE_METATYPE(enclave::storage::ModelRecord)
