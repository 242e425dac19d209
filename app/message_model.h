// MessageModel: the messages of the selected branch of the current conversation, as the
// chat pane shows them. GUI thread only; filled from StorageWorker results.
#pragma once

#include "storage/records.h"

#include <QAbstractListModel>
#include <QtQml/qqmlregistration.h>

namespace enclave::app {

class MessageModel : public QAbstractListModel {
    Q_OBJECT
    QML_ELEMENT
    QML_UNCREATABLE("Owned by ChatController")
    Q_PROPERTY(int count READ rowCount NOTIFY countChanged)

public:
    enum Role {
        IdRole = Qt::UserRole + 1, RoleRole, ContentRole, ReasoningRole, StatusRole, CreatedAtRole,
        BranchIndexRole, BranchCountRole, StatsRole, GenerationRole
    };

    explicit MessageModel(QObject *parent = nullptr);

    int rowCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role) const override;
    QHash<int, QByteArray> roleNames() const override;

    void reset(const QList<storage::Message> &messages);
    void append(const storage::Message &message);
    // Drops every row after the message with this id (a new branch starts there).
    void truncateAfter(qint64 messageId);
    // Which of its siblings each shown message is (1-based) and how many there are.
    void setBranchInfo(const QHash<qint64, QPair<int, int>> &info);
    // Replaces the text of a message (streaming); returns false when it is not shown.
    bool update(qint64 messageId, const QString &content, const QString &reasoning, storage::MessageStatus status);
    const storage::Message *find(qint64 messageId) const;
    void setStats(qint64 messageId, const QJsonObject &stats);
    qint64 lastId() const { return m_messages.isEmpty() ? 0 : m_messages.back().id; }
    const QList<storage::Message> &messages() const { return m_messages; }
    Q_INVOKABLE int rowOf(qint64 messageId) const;

signals:
    void countChanged();

private:
    QList<storage::Message> m_messages;
    QHash<qint64, QPair<int, int>> m_branchInfo;
};

} // namespace enclave::app
