// The import flow: the header check (engine probe, translated for the app and the database), the
// "use as is / quantize" choice for safetensors models, and the quantization into the data folder.
// A file that fails the check (not a model, cut short, damaged) is never registered.
#include "app/logging.h"
#include "app/model_library.h"
#include "engine/model/printable.h"

#include "engine/model/model_files.h"
#include "engine/tools/model_converter.h"
#include "engine/tools/model_name.h"

#include <QDir>
#include <QFileInfo>
#include <QStorageInfo>
#include <QtConcurrent/QtConcurrentRun>

namespace enclave::app {
namespace {

QString mixLabel(QuantMix mix)
{
    switch (mix) {
    case QuantMix::Q8_0: return QObject::tr("Q8_0 — near lossless");
    case QuantMix::Q6_K: return QObject::tr("Q6_K — very close");
    case QuantMix::Q5_K_M: return QObject::tr("Q5_K_M — balanced");
    case QuantMix::Q4_K_M: return QObject::tr("Q4_K_M — smallest");
    }
    return {};
}

void addQuantizeOptions(ImportCheck &check)
{
    try {
        for (const ConversionEstimate &e : estimateConversions(check.path.toStdString(), allQuantMixes()))
            check.quantizeOptions.append(QVariantMap{
                {QStringLiteral("type"), QString::fromLatin1(quantMixName(e.mix).data())},
                {QStringLiteral("label"), mixLabel(e.mix)},
                {QStringLiteral("bytes"), double(e.outputBytes)}});
    } catch (const std::exception &e) {
        check.quantizeError = QString::fromStdString(enclave::printableText(e.what()));
    }
}

} // namespace

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
    if (!probe.ok) { // a plain first line, then the detail: the banner shows both, the log keeps both
        check.error = QString::fromStdString(enclave::printableText(probe.error));
        return check;
    }
    check.metadata.insert(QStringLiteral("architecture"), QString::fromStdString(probe.architecture));
    check.metadata.insert(QStringLiteral("files"), probe.fileCount);
    check.name = probe.format == ModelFormat::Safetensors
                     ? QString::fromStdString(checkpointName(check.path.toStdString()))
                     : ModelLibrary::displayName(check.path);
    if (probe.format == ModelFormat::Safetensors)
        addQuantizeOptions(check);
    return check;
}

bool ModelLibrary::importing() const
{
    return m_watcher.isRunning() || m_waitingForStore || !m_pending.isEmpty() || m_quantizer.running();
}

void ModelLibrary::importModel(const QUrl &url)
{
    if (importing())
        return;
    const QString path = url.isLocalFile() ? url.toLocalFile() : url.toString();
    setImportError({});
    startCheck(path);
}

void ModelLibrary::startCheck(const QString &path)
{
    m_importStatus = tr("Checking %1…").arg(displayName(path));
    m_watcher.setFuture(QtConcurrent::run(checkModelForImport, path));
    emit importingChanged();
}

void ModelLibrary::onCheckFinished()
{
    const ImportCheck check = m_watcher.result();
    if (!check.ok) { // refused: nothing is registered
        moduleLogger("app")->warn("ModelLibrary::onCheckFinished: {} not imported: {}", check.path.toStdString(),
                                  check.error.toStdString());
        m_importStatus.clear();
        setImportError(check.error);
        emit importingChanged();
        return;
    }
    if (check.format == QLatin1String("safetensors")) { // ask first: as is, or quantized
        m_pendingCheck = check;
        const QString folder = QDir(m_dataDirectory).filePath(QStringLiteral("models"));
        QDir().mkpath(folder);
        m_pending = {{QStringLiteral("name"), check.name},
                     {QStringLiteral("path"), check.path},
                     {QStringLiteral("size"), double(check.size)},
                     {QStringLiteral("freeDisk"), double(QStorageInfo(folder).bytesAvailable())},
                     {QStringLiteral("options"), check.quantizeOptions},
                     {QStringLiteral("quantizeError"), check.quantizeError}};
        m_importStatus = tr("Choose how to import %1").arg(check.name);
        emit importingChanged();
        return;
    }
    register_(check);
}

void ModelLibrary::register_(const ImportCheck &check)
{
    m_waitingForStore = true;
    m_importStatus = tr("Adding %1 to the library…").arg(displayName(check.path));
    emit importingChanged();
    emit addModelRequested(check.path, check.format, check.size, check.metadata);
}

void ModelLibrary::useAsIs()
{
    if (!choosingImport())
        return;
    const ImportCheck check = m_pendingCheck;
    m_pending.clear();
    register_(check);
}

QString ModelLibrary::quantizedModelPath(const QString &name, const QString &type) const
{
    const QDir folder(QDir(m_dataDirectory).filePath(QStringLiteral("models")));
    const QString base = name + QLatin1Char('-') + type.toLower();
    QString path = folder.filePath(base + QStringLiteral(".gguf"));
    for (int n = 2; QFileInfo::exists(path); ++n) // never replace an earlier conversion
        path = folder.filePath(base + QStringLiteral("-%1.gguf").arg(n));
    return path;
}

void ModelLibrary::quantizeTo(const QString &type)
{
    if (!choosingImport())
        return;
    QDir().mkpath(QDir(m_dataDirectory).filePath(QStringLiteral("models")));
    const QString output = quantizedModelPath(m_pendingCheck.name, type);
    m_importStatus = tr("Quantizing %1 to %2…").arg(m_pendingCheck.name, type.toUpper());
    m_quantizer.start(m_pendingCheck.path, output, type);
    emit importingChanged();
}

void ModelLibrary::cancelImport()
{
    if (m_quantizer.running()) {
        m_quantizer.cancel(); // onQuantizeFailed follows
        return;
    }
    if (m_pending.isEmpty())
        return;
    m_pending.clear();
    m_importStatus.clear();
    emit importingChanged();
}

void ModelLibrary::onQuantizeFinished(const QString &output)
{
    m_pending.clear();
    startCheck(output); // registered and loaded like any imported GGUF
}

void ModelLibrary::onQuantizeFailed(const QString &message, bool cancelled)
{
    if (!cancelled) {
        m_pending.clear();
        setImportError(message);
        m_importStatus.clear();
    } else {
        m_importStatus = tr("Choose how to import %1").arg(m_pendingCheck.name);
    }
    emit importingChanged();
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
        readMissingFacts();
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

void ModelLibrary::clearImportError() { setImportError({}); }

void ModelLibrary::setImportError(const QString &error)
{
    if (error == m_importError)
        return;
    m_importError = error;
    emit importErrorChanged();
}

} // namespace enclave::app
