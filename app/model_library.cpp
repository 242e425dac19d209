// ModelLibrary: the list model, the facts of each model (read on a pool thread) and the memory
// verdict computed from them on the GUI thread whenever the context length or free memory changes.
#include "app/model_library.h"

#include "engine/tools/model_name.h"

#include <QFileInfo>
#include <QtConcurrent/QtConcurrentRun>

namespace enclave::app {

ModelLibrary::ModelLibrary(QObject *parent) : QAbstractListModel(parent)
{
    connect(&m_watcher, &QFutureWatcher<ImportCheck>::finished, this, &ModelLibrary::onCheckFinished);
    connect(&m_factsWatcher, &QFutureWatcher<QList<QPair<QString, ModelFacts>>>::finished, this,
            &ModelLibrary::onFactsRead);
    connect(&m_quantizer, &ModelQuantizer::progressChanged, this, &ModelLibrary::quantizeProgressChanged);
    connect(&m_quantizer, &ModelQuantizer::finished, this, &ModelLibrary::onQuantizeFinished);
    connect(&m_quantizer, &ModelQuantizer::failed, this, &ModelLibrary::onQuantizeFailed);
    m_freeRam = systemFreeRamBytes();
}

int ModelLibrary::rowCount(const QModelIndex &parent) const { return parent.isValid() ? 0 : int(m_models.size()); }

QString ModelLibrary::displayName(const QString &path)
{
    const QFileInfo info(path);
    const bool huggingFace = info.isDir() || info.suffix() == QLatin1String("safetensors");
    const QString name = huggingFace ? QString::fromStdString(modelNameFromPath(path.toStdString())) : info.completeBaseName();
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
    case ArchitectureRole: { // the family as people name it once the file was read, else as stored
        const ModelFacts *f = facts(m.path);
        return f && f->ok && !f->family.isEmpty() ? f->family : m.metadata.value(QStringLiteral("architecture")).toString();
    }
    case MissingRole: return !QFileInfo::exists(m.path);
    default: return factsData(m, role);
    }
}

QVariant ModelLibrary::factsData(const storage::ModelRecord &m, int role) const
{
    if (role < TotalParamsRole || role > FactsErrorRole) // Qt's own roles (size hint, font…): none given
        return {};
    const ModelFacts *f = facts(m.path);
    if (!f || !f->ok) {
        if (role == FitRole)
            return kFitUnknown;
        if (role == FactsErrorRole)
            return f ? f->error : QString();
        return role == QuantizationRole || role == FitTextRole ? QVariant(QString()) : QVariant(0);
    }
    const qint64 context = estimateContext(*f, m_contextLength);
    const MemoryNeeds needs = estimateMemory(f->weights, f->config, context);
    quint64 vram = 0;
    for (const GpuMemory &g : m_gpus)
        vram = std::max(vram, g.freeBytes);
    const MemoryFit fit = memoryFit(needs, m_freeRam, vram);
    switch (role) {
    case TotalParamsRole: return f->totalParams;
    case ActiveParamsRole: return f->activeParams;
    case ExpertsRole: return f->experts;
    case ExpertsUsedRole: return f->expertsUsed;
    case QuantizationRole: return f->quantization;
    case ContextLengthRole: return f->contextLength;
    case EstimateContextRole: return context;
    case MemoryNeededRole: return double(needs.total());
    case FitRole: return int(fit);
    case FitTextRole: return QString::fromLatin1(memoryFitText(fit).data());
    case FactsErrorRole: return QString();
    default: return {};
    }
}

QHash<int, QByteArray> ModelLibrary::roleNames() const
{
    return {{IdRole, "modelId"},
            {NameRole, "name"},
            {PathRole, "path"},
            {FormatRole, "format"},
            {SizeRole, "size"},
            {ArchitectureRole, "architecture"},
            {MissingRole, "missing"},
            {TotalParamsRole, "totalParams"},
            {ActiveParamsRole, "activeParams"},
            {ExpertsRole, "experts"},
            {ExpertsUsedRole, "expertsUsed"},
            {QuantizationRole, "quantization"},
            {ContextLengthRole, "contextLength"},
            {EstimateContextRole, "estimateContext"},
            {MemoryNeededRole, "memoryNeeded"},
            {FitRole, "fit"},
            {FitTextRole, "fitText"},
            {FactsErrorRole, "factsError"}};
}

void ModelLibrary::setContextLength(int tokens)
{
    tokens = std::max(tokens, 0);
    if (tokens == m_contextLength)
        return;
    m_contextLength = tokens;
    emit contextLengthChanged();
    if (!m_models.isEmpty())
        emit dataChanged(index(0), index(int(m_models.size()) - 1));
}

QVariantList ModelLibrary::gpus() const
{
    QVariantList out;
    for (const GpuMemory &g : m_gpus)
        out.append(QVariantMap{{QStringLiteral("name"), g.name},
                               {QStringLiteral("freeBytes"), double(g.freeBytes)},
                               {QStringLiteral("totalBytes"), double(g.totalBytes)}});
    return out;
}

void ModelLibrary::refreshSystemMemory() { setSystemMemory(systemFreeRamBytes(), gpuMemory()); }

void ModelLibrary::setSystemMemory(quint64 freeRam, const QList<GpuMemory> &gpus)
{
    m_freeRam = freeRam;
    m_gpus = gpus;
    emit systemMemoryChanged();
    if (!m_models.isEmpty())
        emit dataChanged(index(0), index(int(m_models.size()) - 1));
}

const ModelFacts *ModelLibrary::facts(const QString &path) const
{
    const auto it = m_facts.constFind(path);
    return it == m_facts.cend() ? nullptr : &*it;
}

// Reads the facts of every listed path not read yet, one batch at a time.
void ModelLibrary::readMissingFacts()
{
    if (m_factsWatcher.isRunning())
        return;
    QStringList paths;
    for (const storage::ModelRecord &m : m_models)
        if (!m_facts.contains(m.path) && !paths.contains(m.path))
            paths.append(m.path);
    if (paths.isEmpty())
        return;
    m_factsWatcher.setFuture(QtConcurrent::run([paths] {
        QList<QPair<QString, ModelFacts>> out;
        for (const QString &p : paths)
            out.append({p, readModelFacts(p)});
        return out;
    }));
}

void ModelLibrary::onFactsRead()
{
    for (const auto &[path, f] : m_factsWatcher.result())
        m_facts.insert(path, f);
    if (!m_models.isEmpty())
        emit dataChanged(index(0), index(int(m_models.size()) - 1));
    emit factsChanged();
    readMissingFacts();
}

void ModelLibrary::setModels(const QList<storage::ModelRecord> &models)
{
    beginResetModel();
    m_models = models;
    endResetModel();
    emit countChanged();
    readMissingFacts();
}

const storage::ModelRecord *ModelLibrary::record(qint64 id) const
{
    for (const auto &m : m_models)
        if (m.id == id)
            return &m;
    return nullptr;
}

void ModelLibrary::remove(qint64 id) { emit removeModelRequested(id); }

} // namespace enclave::app
