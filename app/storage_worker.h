// StorageWorker: owns the ConversationStore on its own thread. The GUI talks to it only
// through queued signals (requests in, results out); it never touches list models or QML.
#pragma once

#include "storage/records.h"

#include <QObject>
#include <memory>

namespace enclave::storage {
class ConversationStore;
}

namespace enclave::app {

class StorageWorker : public QObject {
    Q_OBJECT
public:
    explicit StorageWorker(QObject *parent = nullptr);
    ~StorageWorker() override;

public slots:
    void open(const QString &databasePath);
    void loadConversations();
    void createConversation(const QString &title, const QString &firstMessage);
    void renameConversation(qint64 id, const QString &title);
    void setPinned(qint64 id, bool pinned);
    void deleteConversation(qint64 id);
    void setConversationOptions(qint64 id, const QString &systemPrompt, const QJsonObject &settings);
    void exportConversation(qint64 id, const QString &path, const QString &format); // markdown | json
    void importConversation(const QString &path);
    void restoreConversation(qint64 id);
    void loadMessages(qint64 conversationId);
    void selectBranch(qint64 conversationId, qint64 messageId);
    void addMessage(qint64 conversationId, qint64 parentId, const QString &role, const QString &content,
                    const QString &status, const QJsonObject &settings);
    // Deletes the message and its replies; answers with the conversation's messages again.
    void deleteMessage(qint64 conversationId, qint64 messageId);
    void updateMessage(qint64 id, const QString &content, const QString &reasoning, const QString &status,
                       const QJsonObject &stats);
    void search(const QString &query);
    void addModel(const QString &path, const QString &format, qint64 size, const QJsonObject &metadata);
    void removeModel(qint64 id);
    void touchModel(qint64 id);
    void loadModels();
    void loadSettings();
    void saveSetting(const QString &key, const QString &value);
    // The keys loadSettings reads (settingsLoaded carries those that are set).
    static QStringList settingKeys();

signals:
    void opened(const QString &notice); // notice: non-empty when a corrupt file was moved aside
    // Emitted before opened() when the database could only be opened read-only: why, in words.
    void openedReadOnly(const QString &message);
    void failed(const QString &message);
    // addMessage (or createConversation's first message) could not be stored; reason in words.
    void messageNotStored(qint64 conversationId, const QString &role, const QString &content,
                          const QString &reason);
    void conversationsLoaded(const QList<enclave::storage::Conversation> &conversations);
    void conversationCreated(const enclave::storage::Conversation &conversation, const QString &firstMessage);
    void conversationLoaded(const enclave::storage::Conversation &conversation);
    // branch: root → selected leaf; all: every message of the conversation (all branches).
    void messagesLoaded(qint64 conversationId, const QList<enclave::storage::Message> &branch,
                        const QList<enclave::storage::Message> &all);
    void messageAdded(const enclave::storage::Message &message);
    void searchFinished(const QString &query, const QList<enclave::storage::SearchHit> &hits);
    void modelsLoaded(const QList<enclave::storage::ModelRecord> &models);
    void modelAdded(const enclave::storage::ModelRecord &model);
    void conversationExported(const QString &path);
    void settingsLoaded(const QVariantMap &settings);
    void conversationImported(const enclave::storage::Conversation &conversation);

private:
    // Runs fn on the store; returns why it failed (logged), or an empty string.
    template <typename Fn> QString attempt(const char *what, Fn &&fn);
    // attempt(), with a failure reported as failed(message).
    template <typename Fn> void guarded(const char *what, Fn &&fn);
    void runMaintenance();

    std::unique_ptr<storage::ConversationStore> m_store;
};

// Registers the record types for queued connections; call once before connecting.
void registerStorageMetaTypes();

} // namespace enclave::app
