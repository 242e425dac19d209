// AppContext: everything one window needs, wired once — the storage thread, the sidebar
// and chat models, the model library. Exposed to QML as the singleton `App`.
// The GUI↔worker protocol is the list of queued connections in app_context.cpp.
#pragma once

#include "app/chat_controller.h"
#include "app/conversation_list_model.h"
#include "app/model_library.h"
#include "app/model_load_marker.h"

#include <QObject>
#include <QThread>
#include <QtQml/qqmlregistration.h>

class QQmlEngine;
class QJSEngine;

namespace enclave::app {

class StorageWorker;
class EngineWorker;

class AppContext : public QObject {
    Q_OBJECT
    QML_NAMED_ELEMENT(App)
    QML_SINGLETON
    Q_PROPERTY(enclave::app::ConversationListModel *conversations READ conversations CONSTANT)
    Q_PROPERTY(enclave::app::ChatController *chat READ chat CONSTANT)
    Q_PROPERTY(enclave::app::ModelLibrary *library READ library CONSTANT)
    Q_PROPERTY(QString dataDirectory READ dataDirectory CONSTANT)
    Q_PROPERTY(QString version READ version CONSTANT)
    Q_PROPERTY(bool ready READ ready NOTIFY readyChanged)
    Q_PROPERTY(QString notice READ notice NOTIFY noticeChanged)
    // The database could only be opened read-only (a full disk...): nothing can be saved
    // until a restart; readOnlyReason says why and what to do, in words.
    Q_PROPERTY(bool readOnly READ readOnly NOTIFY readOnlyChanged)
    Q_PROPERTY(QString readOnlyReason READ readOnlyReason NOTIFY readOnlyChanged)
    Q_PROPERTY(bool modelLoaded READ modelLoaded NOTIFY modelLoadedChanged)
    Q_PROPERTY(bool modelLoading READ modelLoading NOTIFY modelLoadedChanged)
    Q_PROPERTY(QString modelName READ modelName NOTIFY modelLoadedChanged)
    Q_PROPERTY(QString modelError READ modelError NOTIFY modelLoadedChanged)
    Q_PROPERTY(qint64 loadedModelId READ loadedModelId NOTIFY modelLoadedChanged)
    // What the engine reported for the loaded model (context_length, layers, load options...).
    Q_PROPERTY(QVariantMap modelInfo READ modelInfo NOTIFY modelLoadedChanged)
    Q_PROPERTY(bool prefersDarkTheme READ prefersDarkTheme CONSTANT)
    Q_PROPERTY(QString theme READ theme WRITE setTheme NOTIFY appSettingsChanged)        // system | light | dark
    Q_PROPERTY(int fontSize READ fontSize WRITE setFontSize NOTIFY appSettingsChanged)   // pixels
    Q_PROPERTY(int threads READ threads WRITE setThreads NOTIFY appSettingsChanged)      // 0: every core
    Q_PROPERTY(int cpuCount READ cpuCount CONSTANT)
    // GPU memory the engine may use, in MiB; 0: automatic (free VRAM minus a safety margin).
    Q_PROPERTY(int vramBudgetMiB READ vramBudgetMiB WRITE setVramBudgetMiB NOTIFY appSettingsChanged)
    // Run models on the NVIDIA GPU (hot experts in VRAM, the rest on the CPU) when one is usable.
    Q_PROPERTY(bool useGpu READ useGpu WRITE setUseGpu NOTIFY appSettingsChanged)
    // [{name, totalMiB, freeMiB, compute}] of the NVIDIA GPUs found; empty: none.
    Q_PROPERTY(QVariantList gpus READ gpus CONSTANT)
    Q_PROPERTY(QString gpuUnavailableReason READ gpuUnavailableReason CONSTANT)
    // App-wide defaults for conversations without their own (keys as ChatController::settings).
    Q_PROPERTY(QVariantMap generationDefaults READ generationDefaults WRITE setGenerationDefaults NOTIFY appSettingsChanged)
    Q_PROPERTY(QString defaultSystemPrompt READ defaultSystemPrompt WRITE setDefaultSystemPrompt NOTIFY appSettingsChanged)

public:
    // Opens (or creates) the database under dataDirectory on the storage thread.
    explicit AppContext(const QString &dataDirectory, QObject *parent = nullptr);
    ~AppContext() override;

    // The instance QML's `App` resolves to; set by the constructor, cleared by the destructor.
    static AppContext *create(QQmlEngine *, QJSEngine *);
    static AppContext *instance();

    ConversationListModel *conversations() { return &m_conversations; }
    ChatController *chat() { return &m_chat; }
    ModelLibrary *library() { return &m_library; }
    QString dataDirectory() const { return m_dataDirectory; }
    QString version() const;
    bool ready() const { return m_ready; }
    QString notice() const { return m_notice; }
    bool readOnly() const { return !m_readOnlyReason.isEmpty(); }
    QString readOnlyReason() const { return m_readOnlyReason; }
    bool modelLoaded() const { return m_loadedModelId != 0; }
    bool modelLoading() const { return m_loadingModelId != 0; }
    QString modelName() const { return m_modelName; }
    QString modelError() const { return m_modelError; }
    qint64 loadedModelId() const { return m_loadedModelId; }
    QVariantMap modelInfo() const { return m_modelInfo; }
    // Loads a model of the library on the engine thread (progress via modelLoading).
    Q_INVOKABLE void loadModel(qint64 modelId);
    // Frees the loaded model's memory (RAM, VRAM); conversations stay. No-op when none is loaded.
    Q_INVOKABLE void unloadModel();
    // Removes a model from the library (the file stays where it is); the loaded one is unloaded first.
    Q_INVOKABLE void removeModel(qint64 modelId);

    // ENCLAVE_THEME=dark|light decides; otherwise the desktop palette does.
    bool prefersDarkTheme() const;
    QString theme() const { return m_theme; }
    void setTheme(const QString &theme);
    int fontSize() const { return m_fontSize; }
    void setFontSize(int size);
    int threads() const { return m_threads; }
    void setThreads(int threads);
    int cpuCount() const;
    int vramBudgetMiB() const { return m_vramBudgetMiB; }
    bool useGpu() const { return m_useGpu; }
    void setUseGpu(bool use);
    void setVramBudgetMiB(int mib);
    QVariantList gpus() const;
    QString gpuUnavailableReason() const;
    QVariantMap generationDefaults() const { return m_chat.defaults(); }
    void setGenerationDefaults(const QVariantMap &defaults);
    QString defaultSystemPrompt() const { return m_defaultSystemPrompt; }
    void setDefaultSystemPrompt(const QString &prompt);
    Q_INVOKABLE void resetGenerationDefaults();
    // What a model is loaded with: context_length, vram_budget_mib (see EngineWorker::loadModel).
    QJsonObject modelLoadOptions() const;

    Q_INVOKABLE void dismissNotice();
    Q_INVOKABLE void openDataDirectory();

signals:
    void readyChanged();
    void noticeChanged();
    void readOnlyChanged();
    void modelLoadedChanged();
    void openRequested(const QString &databasePath);
    void loadConversationsRequested();
    void loadModelsRequested();
    void engineLoadRequested(qint64 modelId, const QString &path, const QJsonObject &options);
    void engineUnloadRequested();
    void engineEchoRequested(qint64 modelId);
    void appSettingsChanged();
    void saveSettingRequested(const QString &key, const QString &value);
    void loadSettingsRequested();
    void threadsRequested(int threads);

private:
    void connectStorage();
    void connectEngine();
    void onModelsListed(const QList<enclave::storage::ModelRecord> &models);
    void onModelLoaded(qint64 id, const QJsonObject &info);
    // The load marker is removed once model `id` loaded and rendered, or failed without a crash.
    void clearLoadMarker(qint64 id);
    void skipCrashedModel(const storage::ModelRecord &model);
    void setNotice(const QString &notice);
    void applySettings(const QVariantMap &settings);
    void reopenLastConversation(const QList<enclave::storage::Conversation> &conversations);

    QString m_dataDirectory;
    QThread m_storageThread;
    StorageWorker *m_storage = nullptr; // lives on m_storageThread
    QThread m_engineThread;
    EngineWorker *m_engine = nullptr;   // lives on m_engineThread
    ConversationListModel m_conversations;
    ChatController m_chat;
    ModelLibrary m_library;
    bool m_ready = false;
    bool m_reopened = false;
    bool m_modelsListed = false;
    QString m_theme = QStringLiteral("system");
    int m_fontSize = 14;
    int m_threads = 0;
    int m_vramBudgetMiB = 0;
    bool m_useGpu = false;
    QString m_defaultSystemPrompt;
    qint64 m_loadedModelId = 0;
    qint64 m_loadingModelId = 0;
    QString m_modelName;
    QString m_modelError;
    QVariantMap m_modelInfo;
    QString m_notice;
    QString m_readOnlyReason;
    ModelLoadMarker m_loadMarker;
    qint64 m_markedModelId = 0;                          // the load the marker on disk names
    std::optional<ModelLoadMarker::Entry> m_crashedLoad; // the marker found at start
};

} // namespace enclave::app
