// ConversationListModel: the sidebar. Lists conversations (pinned first), or, while a
// search query is set, the messages that match it with their snippets. Lives on the GUI
// thread and is filled only from StorageWorker results.
#pragma once

#include "storage/records.h"

#include <QAbstractListModel>
#include <QUrl>
#include <QtQml/qqmlregistration.h>

namespace enclave::app {

class ConversationListModel : public QAbstractListModel {
    Q_OBJECT
    QML_ELEMENT
    QML_UNCREATABLE("Owned by AppContext")
    Q_PROPERTY(QString searchQuery READ searchQuery WRITE setSearchQuery NOTIFY searchQueryChanged)
    Q_PROPERTY(bool searching READ searching NOTIFY searchQueryChanged)
    Q_PROPERTY(int count READ rowCount NOTIFY countChanged)
    Q_PROPERTY(QString pendingUndoTitle READ pendingUndoTitle NOTIFY pendingUndoChanged)

public:
    enum Role { IdRole = Qt::UserRole + 1, TitleRole, PinnedRole, UpdatedAtRole, SnippetRole, MessageIdRole };

    explicit ConversationListModel(QObject *parent = nullptr);

    int rowCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role) const override;
    QHash<int, QByteArray> roleNames() const override;

    QString searchQuery() const { return m_query; }
    void setSearchQuery(const QString &query);
    bool searching() const { return !m_query.trimmed().isEmpty(); }
    QString pendingUndoTitle() const { return m_pendingUndo.title; }

    Q_INVOKABLE void rename(qint64 id, const QString &title);
    Q_INVOKABLE void setPinned(qint64 id, bool pinned);
    Q_INVOKABLE void remove(qint64 id);  // soft delete, undoable
    Q_INVOKABLE void undoRemove();
    Q_INVOKABLE QString titleOf(qint64 id) const;
    // Writes a conversation to a file the user chose (format: "markdown" or "json").
    Q_INVOKABLE void exportTo(qint64 id, const QUrl &file, const QString &format);
    Q_INVOKABLE void importFrom(const QUrl &file);

public slots:
    void setConversations(const QList<enclave::storage::Conversation> &conversations);
    void setSearchResults(const QString &query, const QList<enclave::storage::SearchHit> &hits);

signals:
    void searchQueryChanged();
    void countChanged();
    void pendingUndoChanged();
    void renameRequested(qint64 id, const QString &title);
    void pinRequested(qint64 id, bool pinned);
    void deleteRequested(qint64 id);
    void restoreRequested(qint64 id);
    void searchRequested(const QString &query);
    void conversationRemoved(qint64 id);
    void exportRequested(qint64 id, const QString &path, const QString &format);
    void importRequested(const QString &path);

private:
    QList<storage::Conversation> m_conversations;
    QList<storage::SearchHit> m_hits;
    QString m_query;
    storage::Conversation m_pendingUndo;
};

} // namespace enclave::app
