// checkModelForImport: the engine's header probe, translated for the app and the database.
#include "app/model_library.h"

#include "engine/model/model_files.h"

#include <QFileInfo>

namespace enclave::app {

ImportCheck checkModelForImport(const QString &path)
{
    ImportCheck check;
    const QFileInfo info(path);
    check.path = info.exists() ? info.canonicalFilePath() : info.absoluteFilePath();
    if (!info.exists()) {
        check.error = QObject::tr("%1 does not exist (was it moved or deleted?)").arg(check.path);
        return check;
    }
    if (!info.isReadable()) {
        check.error = QObject::tr("%1 cannot be read: check its permissions").arg(check.path);
        return check;
    }
    const ModelProbe probe = probeModelPath(check.path.toStdString());
    check.ok = probe.ok;
    check.format = QString::fromLatin1(modelFormatName(probe.format).data());
    check.size = qint64(probe.totalBytes);
    if (!probe.ok) {
        check.error = QString::fromStdString(probe.error);
        return check;
    }
    check.metadata.insert(QStringLiteral("architecture"), QString::fromStdString(probe.architecture));
    check.metadata.insert(QStringLiteral("files"), probe.fileCount);
    return check;
}

} // namespace enclave::app
