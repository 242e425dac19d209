// MessageModel: a list of storage::Message with QML role names.
#include "app/message_model.h"

namespace enclave::app {

MessageModel::MessageModel(QObject *parent) : QAbstractListModel(parent) {}

int MessageModel::rowCount(const QModelIndex &parent) const { return parent.isValid() ? 0 : int(m_messages.size()); }

QVariant MessageModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const storage::Message &m = m_messages.at(index.row());
    switch (role) {
    case IdRole: return m.id;
    case RoleRole: return m.role;
    case Qt::DisplayRole:
    case ContentRole: return m.content;
    case ReasoningRole: return m.reasoning;
    case StatusRole: return storage::messageStatusName(m.status);
    case CreatedAtRole: return m.createdAt;
    case BranchIndexRole: return m_branchInfo.value(m.id, {1, 1}).first;
    case BranchCountRole: return m_branchInfo.value(m.id, {1, 1}).second;
    case StatsRole: return m.stats.toVariantMap();
    case GenerationRole: return m.settings.toVariantMap();
    default: return {};
    }
}

QHash<int, QByteArray> MessageModel::roleNames() const
{
    return {{IdRole, "messageId"},         {RoleRole, "role"},     {ContentRole, "content"},
            {ReasoningRole, "reasoning"}, {StatusRole, "status"}, {CreatedAtRole, "createdAt"},
            {BranchIndexRole, "branchIndex"}, {BranchCountRole, "branchCount"}, {StatsRole, "stats"},
            {GenerationRole, "generation"}};
}

void MessageModel::reset(const QList<storage::Message> &messages)
{
    beginResetModel();
    m_messages = messages;
    endResetModel();
    emit countChanged();
}

void MessageModel::append(const storage::Message &message)
{
    beginInsertRows({}, int(m_messages.size()), int(m_messages.size()));
    m_messages.append(message);
    endInsertRows();
    emit countChanged();
}

void MessageModel::truncateAfter(qint64 messageId)
{
    const int row = rowOf(messageId);
    if (row < 0 || row == m_messages.size() - 1)
        return;
    beginRemoveRows({}, row + 1, int(m_messages.size()) - 1);
    m_messages.resize(row + 1);
    endRemoveRows();
    emit countChanged();
}

void MessageModel::setBranchInfo(const QHash<qint64, QPair<int, int>> &info)
{
    m_branchInfo = info;
    if (!m_messages.isEmpty())
        emit dataChanged(index(0), index(int(m_messages.size()) - 1), {BranchIndexRole, BranchCountRole});
}

bool MessageModel::update(qint64 messageId, const QString &content, const QString &reasoning,
                          storage::MessageStatus status)
{
    const int row = rowOf(messageId);
    if (row < 0)
        return false;
    storage::Message &m = m_messages[row];
    m.content = content;
    m.reasoning = reasoning;
    m.status = status;
    emit dataChanged(index(row), index(row), {ContentRole, ReasoningRole, StatusRole});
    return true;
}

void MessageModel::setStats(qint64 messageId, const QJsonObject &stats)
{
    const int row = rowOf(messageId);
    if (row < 0)
        return;
    m_messages[row].stats = stats;
    emit dataChanged(index(row), index(row), {StatsRole});
}

const storage::Message *MessageModel::find(qint64 messageId) const
{
    const int row = rowOf(messageId);
    return row < 0 ? nullptr : &m_messages[row];
}

int MessageModel::rowOf(qint64 messageId) const
{
    for (int i = 0; i < m_messages.size(); ++i) {
        if (m_messages[i].id == messageId)
            return i;
    }
    return -1;
}

} // namespace enclave::app
