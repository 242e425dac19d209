// ModelLibrary: the imported models (a list model for QML) and the import flow: the
// file's header is checked on a pool thread, then the model is registered by the
// StorageWorker. The user's file is used in place and never copied or deleted.
#pragma once

#include "storage/records.h"

#include <QAbstractListModel>
#include <QFutureWatcher>
#include <QJsonObject>
#include <QUrl>
#include <QtQml/qqmlregistration.h>

namespace enclave::app {

// What the import check found out about a path (a file or a model folder).
struct ImportCheck {
    bool ok = false;
    QString path;     // canonical absolute path
    QString format;   // gguf | safetensors
    qint64 size = 0;  // bytes, all shards together
    QString error;    // why it cannot be imported, for the user
    QJsonObject metadata;
};

// Checks headers only (fast; safe on any file). Runs off the GUI thread.
ImportCheck checkModelForImport(const QString &path);

class ModelLibrary : public QAbstractListModel {
    Q_OBJECT
    QML_ELEMENT
    QML_UNCREATABLE("Owned by AppContext")
    Q_PROPERTY(int count READ rowCount NOTIFY countChanged)
    Q_PROPERTY(bool importing READ importing NOTIFY importingChanged)
    Q_PROPERTY(QString importStatus READ importStatus NOTIFY importingChanged)
    Q_PROPERTY(QString importError READ importError NOTIFY importErrorChanged)
    Q_PROPERTY(QString lastImportedName READ lastImportedName NOTIFY imported)

public:
    enum Role { IdRole = Qt::UserRole + 1, NameRole, PathRole, FormatRole, SizeRole, ArchitectureRole, MissingRole };

    explicit ModelLibrary(QObject *parent = nullptr);

    int rowCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role) const override;
    QHash<int, QByteArray> roleNames() const override;

    bool importing() const { return m_watcher.isRunning() || m_waitingForStore; }
    QString importStatus() const { return m_importStatus; }
    QString importError() const { return m_importError; }
    QString lastImportedName() const { return m_lastImportedName; }

    // Starts importing a file or folder (a local URL from the file dialog, or a path).
    Q_INVOKABLE void importModel(const QUrl &url);
    Q_INVOKABLE void clearImportError();
    Q_INVOKABLE void remove(qint64 id);

    static QString displayName(const QString &path);
    const storage::ModelRecord *record(qint64 id) const;
    const QList<storage::ModelRecord> &records() const { return m_models; }

public slots:
    void setModels(const QList<enclave::storage::ModelRecord> &models);
    void onModelAdded(const enclave::storage::ModelRecord &model);
    void onStorageFailed(const QString &message);

signals:
    void countChanged();
    void importingChanged();
    void importErrorChanged();
    void imported(qint64 modelId);
    void addModelRequested(const QString &path, const QString &format, qint64 size, const QJsonObject &metadata);
    void removeModelRequested(qint64 id);

private:
    void onCheckFinished();
    void setImportError(const QString &error);

    QList<storage::ModelRecord> m_models;
    QFutureWatcher<ImportCheck> m_watcher;
    bool m_waitingForStore = false;
    QString m_importStatus;
    QString m_importError;
    QString m_lastImportedName;
};

} // namespace enclave::app
