// ConversationListModel: two row sources (conversations, search hits), one QML surface.
#include "app/conversation_list_model.h"

namespace enclave::app {

ConversationListModel::ConversationListModel(QObject *parent) : QAbstractListModel(parent) {}

int ConversationListModel::rowCount(const QModelIndex &parent) const
{
    if (parent.isValid())
        return 0;
    return int(searching() ? m_hits.size() : m_conversations.size());
}

QVariant ConversationListModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    if (searching()) {
        const storage::SearchHit &h = m_hits.at(index.row());
        switch (role) {
        case IdRole: return h.conversationId;
        case Qt::DisplayRole:
        case TitleRole: return h.conversationTitle;
        case SnippetRole: return h.snippet;
        case MessageIdRole: return h.messageId;
        case PinnedRole: return false;
        case UpdatedAtRole: return 0;
        default: return {};
        }
    }
    const storage::Conversation &c = m_conversations.at(index.row());
    switch (role) {
    case IdRole: return c.id;
    case Qt::DisplayRole:
    case TitleRole: return c.title;
    case PinnedRole: return c.pinned;
    case UpdatedAtRole: return c.updatedAt;
    case SnippetRole: return QString();
    case MessageIdRole: return 0;
    default: return {};
    }
}

QHash<int, QByteArray> ConversationListModel::roleNames() const
{
    return {{IdRole, "conversationId"}, {TitleRole, "title"},     {PinnedRole, "pinned"},
            {UpdatedAtRole, "updatedAt"}, {SnippetRole, "snippet"}, {MessageIdRole, "messageId"}};
}

void ConversationListModel::setSearchQuery(const QString &query)
{
    if (query == m_query)
        return;
    const bool wasSearching = searching();
    m_query = query;
    if (wasSearching != searching()) {
        beginResetModel();
        m_hits.clear();
        endResetModel();
        emit countChanged();
    }
    emit searchQueryChanged();
    if (searching())
        emit searchRequested(m_query);
}

void ConversationListModel::setConversations(const QList<storage::Conversation> &conversations)
{
    if (searching()) {
        m_conversations = conversations;
        emit searchRequested(m_query); // results may have changed too
        return;
    }
    beginResetModel();
    m_conversations = conversations;
    endResetModel();
    emit countChanged();
}

void ConversationListModel::setSearchResults(const QString &query, const QList<storage::SearchHit> &hits)
{
    if (query != m_query || !searching())
        return; // an answer to an older query
    beginResetModel();
    m_hits = hits;
    endResetModel();
    emit countChanged();
}

QString ConversationListModel::titleOf(qint64 id) const
{
    for (const auto &c : m_conversations) {
        if (c.id == id)
            return c.title;
    }
    return {};
}

void ConversationListModel::exportTo(qint64 id, const QUrl &file, const QString &format)
{
    emit exportRequested(id, file.isLocalFile() ? file.toLocalFile() : file.toString(), format);
}

void ConversationListModel::importFrom(const QUrl &file)
{
    emit importRequested(file.isLocalFile() ? file.toLocalFile() : file.toString());
}

void ConversationListModel::rename(qint64 id, const QString &title)
{
    const QString trimmed = title.trimmed();
    if (!trimmed.isEmpty())
        emit renameRequested(id, trimmed);
}

void ConversationListModel::setPinned(qint64 id, bool pinned) { emit pinRequested(id, pinned); }

void ConversationListModel::remove(qint64 id)
{
    for (const auto &c : m_conversations) {
        if (c.id == id)
            m_pendingUndo = c;
    }
    emit pendingUndoChanged();
    emit deleteRequested(id);
    emit conversationRemoved(id);
}

void ConversationListModel::undoRemove()
{
    if (!m_pendingUndo.id)
        return;
    emit restoreRequested(m_pendingUndo.id);
    m_pendingUndo = {};
    emit pendingUndoChanged();
}

} // namespace enclave::app
