// ModelLibrary: the imported models (a list model for QML) and the import flow: the
// file's header is checked on a pool thread, then the model is registered by the
// StorageWorker. The user's file is used in place and never copied or deleted. A safetensors
// model may instead be quantized into a GGUF in the data folder (ModelQuantizer), which is then
// imported like any GGUF. Each row also carries the model's facts (read off the GUI thread) and
// a memory verdict at `contextLength` against free RAM and the GPUs' free VRAM.
#pragma once

#include "app/model_facts.h"
#include "app/model_quantizer.h"
#include "app/system_memory.h"
#include "storage/records.h"

#include <QAbstractListModel>
#include <QFutureWatcher>
#include <QHash>
#include <QJsonObject>
#include <QUrl>
#include <QVariantList>
#include <QtQml/qqmlregistration.h>

namespace enclave::app {

// What the import check found out about a path (a file or a model folder).
struct ImportCheck {
    bool ok = false;
    QString path;     // canonical absolute path
    QString format;   // gguf | safetensors
    QString name;     // what the model is called; for safetensors config.json's name or a telling folder
    qint64 size = 0;  // bytes, all shards together
    QString error;    // why it cannot be imported: a plain first line for the user, then the detail
    QJsonObject metadata;
    QVariantList quantizeOptions; // safetensors: [{type, label, bytes}] per quant mix
    QString quantizeError;        // safetensors that cannot be converted: why (it may still run as is)
};

// Checks headers only (fast; safe on any file), as loading would: a file that is not a model, is
// cut short or is damaged fails here. Runs off the GUI thread.
ImportCheck checkModelForImport(const QString &path);

class ModelLibrary : public QAbstractListModel {
    Q_OBJECT
    QML_ELEMENT
    QML_UNCREATABLE("Owned by AppContext")
    Q_PROPERTY(int count READ rowCount NOTIFY countChanged)
    Q_PROPERTY(bool importing READ importing NOTIFY importingChanged)
    Q_PROPERTY(QString importStatus READ importStatus NOTIFY importingChanged)
    // Why the last import failed: a plain first line, then (after "\n") the technical detail.
    Q_PROPERTY(QString importError READ importError NOTIFY importErrorChanged)
    Q_PROPERTY(QString lastImportedName READ lastImportedName NOTIFY imported)
    // The safetensors import waiting for "use as is" or "quantize": {name, path, size, freeDisk,
    // options: [{type, label, bytes}], quantizeError}; empty when none.
    Q_PROPERTY(QVariantMap pendingImport READ pendingImport NOTIFY importingChanged)
    Q_PROPERTY(bool choosingImport READ choosingImport NOTIFY importingChanged)
    Q_PROPERTY(bool quantizing READ quantizing NOTIFY importingChanged)
    Q_PROPERTY(double quantizeProgress READ quantizeProgress NOTIFY quantizeProgressChanged)
    // Tokens the memory estimate assumes; 0: each model's own context, capped to 8192.
    Q_PROPERTY(int contextLength READ contextLength WRITE setContextLength NOTIFY contextLengthChanged)
    Q_PROPERTY(double freeRamBytes READ freeRamBytes NOTIFY systemMemoryChanged)
    Q_PROPERTY(QVariantList gpus READ gpus NOTIFY systemMemoryChanged) // [{name, freeBytes, totalBytes}]

public:
    enum Role {
        IdRole = Qt::UserRole + 1, NameRole, PathRole, FormatRole, SizeRole, ArchitectureRole, MissingRole,
        TotalParamsRole, ActiveParamsRole, ExpertsRole, ExpertsUsedRole, QuantizationRole, ContextLengthRole,
        EstimateContextRole, MemoryNeededRole, FitRole, FitTextRole, FactsErrorRole,
    };
    // FitRole values (MemoryFit); -1 while the facts are being read or when unreadable.
    static constexpr int kFitUnknown = -1;

    explicit ModelLibrary(QObject *parent = nullptr);

    int rowCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role) const override;
    QHash<int, QByteArray> roleNames() const override;

    bool importing() const;
    QString importStatus() const { return m_importStatus; }
    QString importError() const { return m_importError; }
    QString lastImportedName() const { return m_lastImportedName; }
    QVariantMap pendingImport() const { return m_pending; }
    bool choosingImport() const { return !m_pending.isEmpty() && !m_quantizer.running(); }
    bool quantizing() const { return m_quantizer.running(); }
    double quantizeProgress() const { return m_quantizer.progress(); }
    int contextLength() const { return m_contextLength; }
    void setContextLength(int tokens);
    double freeRamBytes() const { return double(m_freeRam); }
    QVariantList gpus() const;

    // Starts importing a file or folder (a local URL from the file dialog, or a path).
    Q_INVOKABLE void importModel(const QUrl &url);
    // The pending safetensors import: register it as it is, or quantize it first.
    Q_INVOKABLE void useAsIs();
    Q_INVOKABLE void quantizeTo(const QString &type);
    // Drops the pending choice, or cancels a running quantization (its partial file is removed).
    Q_INVOKABLE void cancelImport();
    Q_INVOKABLE void clearImportError();
    Q_INVOKABLE void remove(qint64 id);
    // Re-reads free RAM and VRAM (the dialog calls it when it opens).
    Q_INVOKABLE void refreshSystemMemory();

    // Where quantized models are written (<data dir>/models); set by AppContext.
    void setDataDirectory(const QString &dataDirectory) { m_dataDirectory = dataDirectory; }
    // <data dir>/models/<name>-<type>.gguf, numbered so that no earlier conversion is replaced.
    QString quantizedModelPath(const QString &name, const QString &type) const;
    // For tests: a fixed memory picture instead of the machine's.
    void setSystemMemory(quint64 freeRam, const QList<GpuMemory> &gpus);
    ModelQuantizer *quantizer() { return &m_quantizer; }

    // The file's stem; for a Hugging Face folder or file the nearest telling name ("llama/hf" -> "llama").
    static QString displayName(const QString &path);
    const storage::ModelRecord *record(qint64 id) const;
    const QList<storage::ModelRecord> &records() const { return m_models; }
    // The facts of a path, or nullptr while they are being read.
    const ModelFacts *facts(const QString &path) const;

public slots:
    void setModels(const QList<enclave::storage::ModelRecord> &models);
    void onModelAdded(const enclave::storage::ModelRecord &model);
    void onStorageFailed(const QString &message);

signals:
    void countChanged();
    void importingChanged();
    void importErrorChanged();
    void quantizeProgressChanged();
    void contextLengthChanged();
    void systemMemoryChanged();
    void factsChanged();
    void imported(qint64 modelId);
    void addModelRequested(const QString &path, const QString &format, qint64 size, const QJsonObject &metadata);
    void removeModelRequested(qint64 id);

private:
    void startCheck(const QString &path);
    void onCheckFinished();
    void register_(const ImportCheck &check);
    void onQuantizeFinished(const QString &output);
    void onQuantizeFailed(const QString &message, bool cancelled);
    void setImportError(const QString &error);
    void readMissingFacts();
    void onFactsRead();
    QVariant factsData(const storage::ModelRecord &m, int role) const;

    QList<storage::ModelRecord> m_models;
    QFutureWatcher<ImportCheck> m_watcher;
    bool m_waitingForStore = false;
    QString m_importStatus;
    QString m_importError;
    QString m_lastImportedName;

    ImportCheck m_pendingCheck; // the safetensors model waiting for the user's choice
    QVariantMap m_pending;
    ModelQuantizer m_quantizer;
    QString m_dataDirectory;

    QHash<QString, ModelFacts> m_facts; // by path
    QFutureWatcher<QList<QPair<QString, ModelFacts>>> m_factsWatcher;
    int m_contextLength = 0;
    quint64 m_freeRam = 0;
    QList<GpuMemory> m_gpus;
};

} // namespace enclave::app
