// ModelLibrary: list model + asynchronous import check.
#include "app/model_library.h"

#include <QFileInfo>
#include <QtConcurrent/QtConcurrentRun>

namespace enclave::app {

ModelLibrary::ModelLibrary(QObject *parent) : QAbstractListModel(parent)
{
    connect(&m_watcher, &QFutureWatcher<ImportCheck>::finished, this, &ModelLibrary::onCheckFinished);
}

int ModelLibrary::rowCount(const QModelIndex &parent) const { return parent.isValid() ? 0 : int(m_models.size()); }

QString ModelLibrary::displayName(const QString &path)
{
    QFileInfo info(path);
    QString name = info.isDir() ? info.fileName() : info.completeBaseName();
    return name.isEmpty() ? path : name;
}

QVariant ModelLibrary::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const storage::ModelRecord &m = m_models.at(index.row());
    switch (role) {
    case IdRole: return m.id;
    case Qt::DisplayRole:
    case NameRole: return displayName(m.path);
    case PathRole: return m.path;
    case FormatRole: return m.format;
    case SizeRole: return m.size;
    case ArchitectureRole: return m.metadata.value(QStringLiteral("architecture")).toString();
    case MissingRole: return !QFileInfo::exists(m.path);
    default: return {};
    }
}

QHash<int, QByteArray> ModelLibrary::roleNames() const
{
    return {{IdRole, "modelId"}, {NameRole, "name"},          {PathRole, "path"},      {FormatRole, "format"},
            {SizeRole, "size"},  {ArchitectureRole, "architecture"}, {MissingRole, "missing"}};
}

void ModelLibrary::importModel(const QUrl &url)
{
    if (importing())
        return;
    const QString path = url.isLocalFile() ? url.toLocalFile() : url.toString();
    setImportError({});
    m_importStatus = tr("Checking %1…").arg(displayName(path));
    m_watcher.setFuture(QtConcurrent::run(checkModelForImport, path));
    emit importingChanged();
}

void ModelLibrary::onCheckFinished()
{
    const ImportCheck check = m_watcher.result();
    if (!check.ok) {
        m_importStatus.clear();
        setImportError(check.error);
        emit importingChanged();
        return;
    }
    m_waitingForStore = true;
    m_importStatus = tr("Adding %1 to the library…").arg(displayName(check.path));
    emit importingChanged();
    emit addModelRequested(check.path, check.format, check.size, check.metadata);
}

void ModelLibrary::onModelAdded(const storage::ModelRecord &model)
{
    if (!m_waitingForStore)
        return;
    m_waitingForStore = false;
    m_importStatus.clear();
    m_lastImportedName = displayName(model.path);
    if (!record(model.id)) { // shown at once; the full list follows from the store
        beginInsertRows({}, 0, 0);
        m_models.prepend(model);
        endInsertRows();
        emit countChanged();
    }
    emit importingChanged();
    emit imported(model.id);
}

void ModelLibrary::onStorageFailed(const QString &message)
{
    if (!m_waitingForStore)
        return;
    m_waitingForStore = false;
    m_importStatus.clear();
    setImportError(message);
    emit importingChanged();
}

void ModelLibrary::setModels(const QList<storage::ModelRecord> &models)
{
    beginResetModel();
    m_models = models;
    endResetModel();
    emit countChanged();
}

const storage::ModelRecord *ModelLibrary::record(qint64 id) const
{
    for (const auto &m : m_models)
        if (m.id == id)
            return &m;
    return nullptr;
}

void ModelLibrary::clearImportError() { setImportError({}); }

void ModelLibrary::remove(qint64 id) { emit removeModelRequested(id); }

void ModelLibrary::setImportError(const QString &error)
{
    if (error == m_importError)
        return;
    m_importError = error;
    emit importErrorChanged();
}

} // namespace enclave::app
