// Conversation export/import. JSON format version 1:
// {"format": "enclave-conversation", "version": 1, "title", "system_prompt", "settings",
//  "created_at", "messages": [{"id", "parent_id", "role", "content", "reasoning", "status",
//  "created_at", "stats", "settings"}]}  — ids are only meaningful inside the file.
#include "storage/conversation_io.h"

#include "storage/sqlite_handle.h"

#include <QDateTime>
#include <QHash>
#include <QJsonArray>
#include <QJsonDocument>
#include <QFile>

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <unistd.h>

namespace enclave::storage {
namespace {

constexpr const char *kFormatName = "enclave-conversation";
constexpr int kFormatVersion = 1;

Conversation requireConversation(const ConversationStore &store, qint64 id)
{
    const auto c = store.conversation(id);
    if (!c)
        throw StorageError("conversation " + std::to_string(id) + " does not exist", SQLITE_NOTFOUND);
    return *c;
}

QString roleHeading(const QString &role)
{
    if (role == QLatin1String("user"))
        return QStringLiteral("You");
    if (role == QLatin1String("assistant"))
        return QStringLiteral("Assistant");
    return role.left(1).toUpper() + role.mid(1);
}

} // namespace

QByteArray exportMarkdown(const ConversationStore &store, qint64 conversationId)
{
    const Conversation c = requireConversation(store, conversationId);
    QString md = QStringLiteral("# %1\n\n").arg(c.title.isEmpty() ? QStringLiteral("Untitled") : c.title);
    md += QStringLiteral("_Exported from Enclave on %1_\n\n").arg(QDateTime::currentDateTime().toString(Qt::ISODate));
    if (!c.systemPrompt.isEmpty())
        md += QStringLiteral("**System:** %1\n\n").arg(c.systemPrompt);
    for (const Message &m : store.activeBranch(conversationId)) {
        md += QStringLiteral("## %1\n\n").arg(roleHeading(m.role));
        if (!m.reasoning.isEmpty())
            md += QStringLiteral("<details><summary>Reasoning</summary>\n\n%1\n\n</details>\n\n").arg(m.reasoning);
        md += m.content + QStringLiteral("\n\n");
    }
    return md.toUtf8();
}

QByteArray exportJson(const ConversationStore &store, qint64 conversationId)
{
    const Conversation c = requireConversation(store, conversationId);
    QJsonArray messages;
    for (const Message &m : store.messages(conversationId)) {
        messages.append(QJsonObject{{QStringLiteral("id"), m.id},
                                    {QStringLiteral("parent_id"), m.parentId ? QJsonValue(m.parentId) : QJsonValue()},
                                    {QStringLiteral("role"), m.role},
                                    {QStringLiteral("content"), m.content},
                                    {QStringLiteral("reasoning"), m.reasoning},
                                    {QStringLiteral("status"), messageStatusName(m.status)},
                                    {QStringLiteral("created_at"), m.createdAt},
                                    {QStringLiteral("stats"), m.stats},
                                    {QStringLiteral("settings"), m.settings}});
    }
    const QJsonObject root{{QStringLiteral("format"), QLatin1String(kFormatName)},
                           {QStringLiteral("version"), kFormatVersion},
                           {QStringLiteral("title"), c.title},
                           {QStringLiteral("system_prompt"), c.systemPrompt},
                           {QStringLiteral("settings"), c.settings},
                           {QStringLiteral("created_at"), c.createdAt},
                           {QStringLiteral("messages"), messages}};
    return QJsonDocument(root).toJson(QJsonDocument::Indented);
}

Conversation importJson(ConversationStore &store, const QByteArray &json)
{
    QJsonParseError error{};
    const QJsonDocument doc = QJsonDocument::fromJson(json, &error);
    if (error.error != QJsonParseError::NoError)
        throw StorageError("not a conversation file: " + error.errorString().toStdString() + " at byte " +
                               std::to_string(error.offset), SQLITE_FORMAT);
    const QJsonObject root = doc.object();
    if (root.value(QStringLiteral("format")).toString() != QLatin1String(kFormatName))
        throw StorageError("not an Enclave conversation file (no \"format\": \"enclave-conversation\")", SQLITE_FORMAT);
    if (root.value(QStringLiteral("version")).toInt() > kFormatVersion)
        throw StorageError("conversation file version " + std::to_string(root.value(QStringLiteral("version")).toInt()) +
                               " is newer than this Enclave understands", SQLITE_FORMAT);
    Transaction tx(store.database().handle());
    const Conversation c = store.createConversation(root.value(QStringLiteral("title")).toString(),
                                                    root.value(QStringLiteral("system_prompt")).toString(),
                                                    root.value(QStringLiteral("settings")).toObject());
    QHash<qint64, qint64> newIds; // file id → database id; parents come before their replies
    for (const QJsonValue v : root.value(QStringLiteral("messages")).toArray()) {
        const QJsonObject m = v.toObject();
        const qint64 parent = m.value(QStringLiteral("parent_id")).toInteger(0);
        if (parent && !newIds.contains(parent))
            throw StorageError("message " + std::to_string(m.value(QStringLiteral("id")).toInteger()) +
                                   " answers message " + std::to_string(parent) + ", which comes later or is missing",
                               SQLITE_FORMAT);
        const QString role = m.value(QStringLiteral("role")).toString();
        const Message added = store.addMessage(c.id, newIds.value(parent), role,
                                               m.value(QStringLiteral("content")).toString(),
                                               messageStatusFromName(m.value(QStringLiteral("status")).toString()),
                                               m.value(QStringLiteral("settings")).toObject());
        store.updateMessage(added.id, added.content, m.value(QStringLiteral("reasoning")).toString(), added.status,
                            m.value(QStringLiteral("stats")).toObject());
        newIds.insert(m.value(QStringLiteral("id")).toInteger(), added.id);
    }
    tx.commit();
    return *store.conversation(c.id);
}

namespace {

[[noreturn]] void failWrite(const QString &path, int error)
{
    throw StorageError("cannot write " + path.toStdString() + ": " + std::strerror(error), SQLITE_IOERR);
}

// Every byte, or the errno of the write that failed. A short write is retried, so a full disk
// or a file-size limit shows as ENOSPC / EFBIG instead of a silently shorter file.
int writeAll(int fd, const char *data, size_t size)
{
    while (size > 0) {
        const ssize_t n = ::write(fd, data, size);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return n < 0 ? errno : EIO;
        data += n;
        size -= size_t(n);
    }
    return 0;
}

} // namespace

// note: not QSaveFile: on a full disk (a short write, then ENOSPC or EFBIG) Qt 6.4's commit()
// can report success with a truncated file under the final name. The file is 0600 (mkstemp):
// an exported conversation is as private as the database it came from.
void writeFileAtomically(const QString &path, const QByteArray &bytes)
{
    const QByteArray finalName = QFile::encodeName(path);
    QByteArray temporary = finalName + ".XXXXXX";
    const int fd = ::mkstemp(temporary.data());
    if (fd < 0)
        failWrite(path, errno);
    int error = writeAll(fd, bytes.constData(), size_t(bytes.size()));
    if (error == 0 && ::fsync(fd) != 0)
        error = errno;
    if (::close(fd) != 0 && error == 0)
        error = errno;
    if (error == 0 && ::rename(temporary.constData(), finalName.constData()) != 0)
        error = errno;
    if (error != 0) {
        ::unlink(temporary.constData());
        failWrite(path, error);
    }
}

} // namespace enclave::storage
