// ModelLoadMarker: JSON in <data>/model-loading.json, written to a temporary file, synced,
// renamed over the marker and the folder synced, so it survives the crash it reports.
#include "app/model_load_marker.h"

#include "app/logging.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonDocument>
#include <QJsonObject>

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <unistd.h>

namespace enclave::app {
namespace {

// Writes bytes to path and syncs them; false when any step fails.
bool writeSynced(const QString &path, const QByteArray &bytes)
{
    const int fd = ::open(QFile::encodeName(path).constData(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0)
        return false;
    const bool ok = ::write(fd, bytes.constData(), size_t(bytes.size())) == ssize_t(bytes.size()) && ::fsync(fd) == 0;
    return ::close(fd) == 0 && ok;
}

void syncFolder(const QString &folder)
{
    const int fd = ::open(QFile::encodeName(folder).constData(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
        ::fsync(fd);
        ::close(fd);
    }
}

} // namespace

ModelLoadMarker::ModelLoadMarker(const QString &dataDirectory)
    : m_path(QDir(dataDirectory).filePath(QStringLiteral("model-loading.json")))
{
}

bool ModelLoadMarker::write(const Entry &entry) const
{
    const QByteArray json = QJsonDocument(QJsonObject{{QStringLiteral("model_id"), entry.modelId},
                                                      {QStringLiteral("path"), entry.path}})
                                .toJson(QJsonDocument::Compact);
    const QString temporary = m_path + QStringLiteral(".tmp");
    if (!writeSynced(temporary, json) || ::rename(QFile::encodeName(temporary).constData(),
                                                  QFile::encodeName(m_path).constData()) != 0) {
        const int error = errno;
        QFile::remove(temporary);
        moduleLogger("app")->warn("ModelLoadMarker::write: cannot write {}: {}", m_path.toStdString(),
                                  std::strerror(error));
        return false;
    }
    syncFolder(QFileInfo(m_path).absolutePath());
    return true;
}

void ModelLoadMarker::clear() const
{
    if (QFile::exists(m_path) && QFile::remove(m_path))
        syncFolder(QFileInfo(m_path).absolutePath());
}

std::optional<ModelLoadMarker::Entry> ModelLoadMarker::read() const
{
    QFile file(m_path);
    if (!file.open(QIODevice::ReadOnly))
        return std::nullopt;
    const QJsonObject o = QJsonDocument::fromJson(file.readAll()).object();
    if (o.isEmpty())
        return std::nullopt;
    return Entry{o.value(QStringLiteral("model_id")).toInteger(), o.value(QStringLiteral("path")).toString()};
}

} // namespace enclave::app
