// Conversation export and import: Markdown for reading (the selected branch) and JSON that
// keeps everything (every branch, statuses, stats, settings) and can be imported back.
#pragma once

#include "storage/conversation_store.h"

#include <QByteArray>

namespace enclave::storage {

QByteArray exportMarkdown(const ConversationStore &store, qint64 conversationId);
QByteArray exportJson(const ConversationStore &store, qint64 conversationId);
// Creates a new conversation from exportJson() output; throws StorageError with what is
// wrong (not JSON, missing fields, a parent that is not in the file).
Conversation importJson(ConversationStore &store, const QByteArray &json);

// Writes bytes to path atomically (a temporary file renamed over it); throws StorageError
// naming the path and the reason (full disk, permissions).
void writeFileAtomically(const QString &path, const QByteArray &bytes);

} // namespace enclave::storage
