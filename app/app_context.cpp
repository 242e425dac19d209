// AppContext: the queued-connection protocol between the GUI objects and the storage thread.
#include "app/app_context.h"

#include <QCryptographicHash>
#include <QDir>
#include <QFileInfo>

#include "app/engine_worker.h"
#include "app/logging.h"
#include "app/storage_worker.h"
#include "engine/engine_info.h"
#if defined(ENCLAVE_HAVE_CUDA)
#include "cuda/cuda_devices.h"
#endif

#include <QDesktopServices>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <limits>
#include <QGuiApplication>
#include <QPalette>
#include <QJSEngine>
#include <QJsonDocument>
#include <QUrl>

namespace enclave::app {
namespace {
AppContext *g_instance = nullptr;

#if defined(ENCLAVE_HAVE_CUDA)
const cuda::CudaDeviceList &cudaDevices()
{
    static const cuda::CudaDeviceList found = cuda::listCudaDevices(); // asked once: it starts the driver
    return found;
}
#endif
} // namespace

AppContext::AppContext(const QString &dataDirectory, QObject *parent)
    : QObject(parent), m_dataDirectory(QDir(dataDirectory).absolutePath()), m_loadMarker(m_dataDirectory)
{
    registerStorageMetaTypes();
    QDir().mkpath(m_dataDirectory);
    QFile::setPermissions(m_dataDirectory, QFileDevice::ReadOwner | QFileDevice::WriteOwner | QFileDevice::ExeOwner);
    m_crashedLoad = m_loadMarker.read();
    m_library.setDataDirectory(m_dataDirectory);
    m_storage = new StorageWorker;
    m_storage->moveToThread(&m_storageThread);
    connect(&m_storageThread, &QThread::finished, m_storage, &QObject::deleteLater);
    m_storageThread.setObjectName(QStringLiteral("storage"));
    m_storageThread.start();
    m_engine = new EngineWorker;
    m_engine->moveToThread(&m_engineThread);
    connect(&m_engineThread, &QThread::finished, m_engine, &QObject::deleteLater);
    m_engineThread.setObjectName(QStringLiteral("engine"));
    m_engineThread.start();
    connectStorage();
    connectEngine();
    g_instance = this;
    emit openRequested(QDir(m_dataDirectory).filePath(QStringLiteral("enclave.db")));
    emit loadConversationsRequested();
    // Settings first: the model used last is reloaded as soon as the models are listed, with them.
    emit loadSettingsRequested();
    emit loadModelsRequested();
}

AppContext::~AppContext()
{
    if (m_chat.generating())
        m_engine->cancel(std::numeric_limits<qint64>::max());
    m_engineThread.quit();
    m_engineThread.wait();
    m_storageThread.quit();
    m_storageThread.wait();
    if (g_instance == this)
        g_instance = nullptr;
}

AppContext *AppContext::instance() { return g_instance; }

AppContext *AppContext::create(QQmlEngine *, QJSEngine *)
{
    QJSEngine::setObjectOwnership(g_instance, QJSEngine::CppOwnership);
    return g_instance;
}

QString AppContext::version() const { return QString::fromLatin1(enclave::engineVersion().data()); }

void AppContext::connectStorage()
{
    constexpr auto q = Qt::QueuedConnection;
    StorageWorker *s = m_storage;
    // Requests: GUI → storage thread.
    connect(this, &AppContext::openRequested, s, &StorageWorker::open, q);
    connect(this, &AppContext::loadConversationsRequested, s, &StorageWorker::loadConversations, q);
    connect(this, &AppContext::loadModelsRequested, s, &StorageWorker::loadModels, q);
    connect(this, &AppContext::loadSettingsRequested, s, &StorageWorker::loadSettings, q);
    connect(this, &AppContext::saveSettingRequested, s, &StorageWorker::saveSetting, q);
    connect(s, &StorageWorker::settingsLoaded, this, &AppContext::applySettings, q);
    connect(&m_conversations, &ConversationListModel::renameRequested, s, &StorageWorker::renameConversation, q);
    connect(&m_conversations, &ConversationListModel::pinRequested, s, &StorageWorker::setPinned, q);
    connect(&m_conversations, &ConversationListModel::deleteRequested, s, &StorageWorker::deleteConversation, q);
    connect(&m_conversations, &ConversationListModel::restoreRequested, s, &StorageWorker::restoreConversation, q);
    connect(&m_conversations, &ConversationListModel::searchRequested, s, &StorageWorker::search, q);
    connect(&m_conversations, &ConversationListModel::exportRequested, s, &StorageWorker::exportConversation, q);
    connect(&m_conversations, &ConversationListModel::importRequested, s, &StorageWorker::importConversation, q);
    connect(s, &StorageWorker::conversationExported, this, [this](const QString &path) {
        setNotice(tr("Saved %1").arg(path));
    }, q);
    connect(s, &StorageWorker::conversationImported, this, [this](const storage::Conversation &c) {
        m_chat.openConversation(c.id, c.title);
    }, q);
    connect(&m_chat, &ChatController::createConversationRequested, s, &StorageWorker::createConversation, q);
    connect(&m_chat, &ChatController::loadMessagesRequested, s, &StorageWorker::loadMessages, q);
    connect(&m_chat, &ChatController::selectBranchRequested, s, &StorageWorker::selectBranch, q);
    connect(&m_chat, &ChatController::optionsSaveRequested, s, &StorageWorker::setConversationOptions, q);
    connect(&m_chat, &ChatController::addMessageRequested, s, &StorageWorker::addMessage, q);
    connect(&m_chat, &ChatController::deleteMessageRequested, s, &StorageWorker::deleteMessage, q);
    connect(&m_chat, &ChatController::updateMessageRequested, s, &StorageWorker::updateMessage, q);
    connect(&m_library, &ModelLibrary::addModelRequested, s, &StorageWorker::addModel, q);
    connect(&m_library, &ModelLibrary::removeModelRequested, s, &StorageWorker::removeModel, q);
    // Results: storage thread → GUI.
    connect(s, &StorageWorker::opened, this, [this](const QString &notice) {
        m_ready = true;
        emit readyChanged();
        if (!notice.isEmpty())
            setNotice(notice);
    }, q);
    connect(s, &StorageWorker::openedReadOnly, this, [this](const QString &reason) {
        m_readOnlyReason = reason;
        emit readOnlyChanged();
    }, q);
    connect(s, &StorageWorker::messageNotStored, &m_chat, &ChatController::onMessageNotStored, q);
    connect(s, &StorageWorker::failed, this, &AppContext::setNotice, q);
    connect(s, &StorageWorker::failed, &m_library, &ModelLibrary::onStorageFailed, q);
    connect(s, &StorageWorker::conversationsLoaded, &m_conversations, &ConversationListModel::setConversations, q);
    connect(s, &StorageWorker::conversationsLoaded, &m_chat, &ChatController::onConversationsLoaded, q);
    connect(s, &StorageWorker::searchFinished, &m_conversations, &ConversationListModel::setSearchResults, q);
    connect(s, &StorageWorker::conversationCreated, &m_chat, &ChatController::onConversationCreated, q);
    connect(s, &StorageWorker::conversationLoaded, &m_chat, &ChatController::onConversationLoaded, q);
    connect(s, &StorageWorker::messagesLoaded, &m_chat, &ChatController::onMessagesLoaded, q);
    connect(s, &StorageWorker::messageAdded, &m_chat, &ChatController::onMessageAdded, q);
    connect(s, &StorageWorker::modelsLoaded, &m_library, &ModelLibrary::setModels, q);
    connect(s, &StorageWorker::modelsLoaded, this, &AppContext::onModelsListed, q);
    connect(s, &StorageWorker::modelAdded, &m_library, &ModelLibrary::onModelAdded, q);
    // GUI-side reactions.
    connect(s, &StorageWorker::conversationsLoaded, this, &AppContext::reopenLastConversation, q);
    connect(&m_conversations, &ConversationListModel::conversationRemoved, &m_chat, &ChatController::onConversationRemoved);
}

void AppContext::connectEngine()
{
    constexpr auto q = Qt::QueuedConnection;
    EngineWorker *e = m_engine;
    connect(this, &AppContext::engineLoadRequested, e, &EngineWorker::loadModel, q);
    connect(this, &AppContext::engineUnloadRequested, e, &EngineWorker::unloadModel, q);
    connect(this, &AppContext::threadsRequested, e, &EngineWorker::setThreads, q);
    connect(&m_chat, &ChatController::generateRequested, e, &EngineWorker::generate, q);
    // Stop must not wait behind the generation it stops: a direct, thread-safe call.
    connect(&m_chat, &ChatController::stopRequested, this, [e](qint64 id) { e->cancel(id); }, Qt::DirectConnection);
    connect(e, &EngineWorker::textDelta, &m_chat, &ChatController::onTextDelta, q);
    connect(e, &EngineWorker::reasoningDelta, &m_chat, &ChatController::onReasoningDelta, q);
    connect(e, &EngineWorker::notice, &m_chat, &ChatController::onNotice, q);
    connect(e, &EngineWorker::finished, &m_chat, &ChatController::onGenerationFinished, q);
    connect(&m_chat, &ChatController::measureContextRequested, e, &EngineWorker::measureContext, q);
    connect(e, &EngineWorker::contextMeasured, &m_chat, &ChatController::onContextMeasured, q);
    connect(this, &AppContext::engineEchoRequested, e, &EngineWorker::echo, q);
    connect(e, &EngineWorker::echoed, this, &AppContext::clearLoadMarker, q);
    connect(e, &EngineWorker::modelLoaded, this, &AppContext::onModelLoaded, q);
    connect(e, &EngineWorker::modelLoadFailed, this, [this](qint64 id, const QString &error) {
        clearLoadMarker(id);
        m_loadingModelId = 0;
        m_loadedModelId = 0;
        m_modelInfo.clear();
        m_modelError = error;
        m_chat.setModelReady(false);
        emit modelLoadedChanged();
    }, q);
    connect(e, &EngineWorker::modelUnloaded, this, [this] {
        if (m_loadingModelId != 0)
            return; // the unload half of loading another model
        m_loadedModelId = 0;
        m_modelInfo.clear();
        m_modelName.clear();
        m_chat.setModelReady(false);
        emit modelLoadedChanged();
    }, q);
    connect(&m_library, &ModelLibrary::imported, this, &AppContext::loadModel);
}

void AppContext::onModelLoaded(qint64 id, const QJsonObject &info)
{
    m_loadingModelId = 0;
    m_modelInfo = info.toVariantMap();
    m_loadedModelId = id;
    m_modelError.clear();
    if (const auto *m = m_library.record(id))
        m_modelName = ModelLibrary::displayName(m->path);
    m_chat.setModelReady(true, m_modelName);
    m_chat.measureContext();
    // The echo comes back after the open conversation's first render: then the load is safe.
    emit engineEchoRequested(id);
    QMetaObject::invokeMethod(m_storage, "touchModel", Qt::QueuedConnection, Q_ARG(qint64, id));
    emit modelLoadedChanged();
}

void AppContext::clearLoadMarker(qint64 id)
{
    if (id != m_markedModelId)
        return; // another load wrote the marker since
    m_loadMarker.clear();
    m_markedModelId = 0;
    m_crashedLoad.reset();
}

void AppContext::unloadModel()
{
    if (m_loadedModelId == 0 || m_loadingModelId != 0)
        return;
    m_chat.stop(); // an answer being written keeps what it has
    emit engineUnloadRequested();
}

void AppContext::removeModel(qint64 modelId)
{
    if (modelId == m_loadedModelId)
        unloadModel();
    m_library.remove(modelId);
}

void AppContext::loadModel(qint64 modelId)
{
    const storage::ModelRecord *m = m_library.record(modelId);
    if (!m)
        return;
    m_loadingModelId = modelId;
    m_modelName = ModelLibrary::displayName(m->path);
    m_modelError.clear();
    emit modelLoadedChanged();
    // note: a marker that cannot be written (a full disk) is only logged: the load goes ahead.
    m_loadMarker.write({modelId, m->path});
    m_markedModelId = modelId;
    emit engineLoadRequested(modelId, m->path, modelLoadOptions());
}

QJsonObject AppContext::modelLoadOptions() const
{
    // The expert usage profile of a model lives in the data folder, one file per model file.
    const QString modelPath = m_library.record(m_loadingModelId) ? m_library.record(m_loadingModelId)->path : QString();
    const QString profile = QDir(m_dataDirectory).filePath(
        QStringLiteral("profiles/%1.usage")
            .arg(QString::fromLatin1(QCryptographicHash::hash(modelPath.toUtf8(), QCryptographicHash::Sha1).toHex())));
    QDir().mkpath(QFileInfo(profile).path());
    return {{QStringLiteral("context_length"), m_chat.defaults().value(QStringLiteral("context_length")).toInt()},
            {QStringLiteral("vram_budget_mib"), m_vramBudgetMiB},
            {QStringLiteral("use_gpu"), m_useGpu},
            {QStringLiteral("profile_path"), profile}};
}

// The library's list changed; on the first listing, the model used last is loaded again,
// unless loading it is what crashed the app last time.
void AppContext::onModelsListed(const QList<storage::ModelRecord> &models)
{
    if (m_modelsListed)
        return;
    m_modelsListed = true;
    for (const auto &m : models) {
        if (m.lastUsedAt <= 0 || !QFileInfo::exists(m.path))
            continue;
        if (m_crashedLoad && (m_crashedLoad->modelId == m.id || m_crashedLoad->path == m.path))
            skipCrashedModel(m);
        else
            loadModel(m.id);
        return;
    }
}

// The marker stays: every start skips the model until a load from Models succeeds.
void AppContext::skipCrashedModel(const storage::ModelRecord &model)
{
    m_modelName = ModelLibrary::displayName(model.path);
    m_modelError = tr("Enclave closed unexpectedly while loading %1 last time, so it was not loaded again. "
                      "Load it from Models if you trust the file.")
                       .arg(m_modelName);
    moduleLogger("app")->warn("AppContext: {} crashed the app while loading last time; not loaded at start",
                              model.path.toStdString());
    emit modelLoadedChanged();
}

// On start, the most recently active conversation is opened again.
void AppContext::reopenLastConversation(const QList<storage::Conversation> &conversations)
{
    if (m_reopened)
        return;
    m_reopened = true;
    if (m_chat.conversationId() || conversations.isEmpty())
        return;
    const auto latest = std::max_element(conversations.begin(), conversations.end(),
                                         [](const auto &a, const auto &b) { return a.updatedAt < b.updatedAt; });
    m_chat.openConversation(latest->id, latest->title);
}

void AppContext::setNotice(const QString &notice)
{
    if (notice == m_notice)
        return;
    m_notice = notice;
    emit noticeChanged();
}

void AppContext::applySettings(const QVariantMap &settings)
{
    m_theme = settings.value(QStringLiteral("theme"), m_theme).toString();
    m_fontSize = settings.value(QStringLiteral("font_size"), m_fontSize).toInt();
    m_threads = settings.value(QStringLiteral("threads"), m_threads).toInt();
    m_vramBudgetMiB = std::max(0, settings.value(QStringLiteral("vram_budget_mib"), m_vramBudgetMiB).toInt());
    m_useGpu = settings.value(QStringLiteral("use_gpu"), m_useGpu ? "1" : "0").toString() == QLatin1String("1");
    m_defaultSystemPrompt = settings.value(QStringLiteral("default_system_prompt")).toString();
    const QJsonObject defaults =
        QJsonDocument::fromJson(settings.value(QStringLiteral("generation_defaults")).toString().toUtf8()).object();
    m_chat.setDefaults(defaults, m_defaultSystemPrompt);
    emit threadsRequested(m_threads);
    emit appSettingsChanged();
}

void AppContext::setTheme(const QString &theme)
{
    if (theme == m_theme || !(theme == QLatin1String("system") || theme == QLatin1String("light") ||
                              theme == QLatin1String("dark")))
        return;
    m_theme = theme;
    emit saveSettingRequested(QStringLiteral("theme"), theme);
    emit appSettingsChanged();
}

void AppContext::setFontSize(int size)
{
    size = std::clamp(size, 10, 24);
    if (size == m_fontSize)
        return;
    m_fontSize = size;
    emit saveSettingRequested(QStringLiteral("font_size"), QString::number(size));
    emit appSettingsChanged();
}

void AppContext::setThreads(int threads)
{
    threads = std::clamp(threads, 0, cpuCount());
    if (threads == m_threads)
        return;
    m_threads = threads;
    emit saveSettingRequested(QStringLiteral("threads"), QString::number(threads));
    emit threadsRequested(threads);
    emit appSettingsChanged();
}

int AppContext::cpuCount() const { return QThread::idealThreadCount(); }

void AppContext::setVramBudgetMiB(int mib)
{
    mib = std::max(0, mib);
    if (mib == m_vramBudgetMiB)
        return;
    m_vramBudgetMiB = mib;
    emit saveSettingRequested(QStringLiteral("vram_budget_mib"), QString::number(mib));
    emit appSettingsChanged(); // applies at the next model load
}

void AppContext::setUseGpu(bool use)
{
    if (use == m_useGpu)
        return;
    m_useGpu = use;
    emit saveSettingRequested(QStringLiteral("use_gpu"), use ? QStringLiteral("1") : QStringLiteral("0"));
    emit appSettingsChanged(); // applies at the next model load
}

void AppContext::setGenerationDefaults(const QVariantMap &defaults)
{
    const QJsonObject builtIn = ChatController::builtInSettings();
    QJsonObject changed; // only what differs from the built-in values is stored
    for (auto it = defaults.begin(); it != defaults.end(); ++it) {
        const QJsonValue v = QJsonValue::fromVariant(it.value());
        if (builtIn.contains(it.key()) && builtIn.value(it.key()).toDouble() != v.toDouble())
            changed.insert(it.key(), v);
    }
    QJsonObject merged = builtIn;
    for (auto it = changed.begin(); it != changed.end(); ++it)
        merged.insert(it.key(), it.value());
    if (merged == QJsonObject::fromVariantMap(m_chat.defaults()))
        return;
    m_chat.setDefaults(changed, m_defaultSystemPrompt);
    emit saveSettingRequested(QStringLiteral("generation_defaults"),
                              QString::fromUtf8(QJsonDocument(changed).toJson(QJsonDocument::Compact)));
    emit appSettingsChanged();
}

void AppContext::setDefaultSystemPrompt(const QString &prompt)
{
    if (prompt.trimmed() == m_defaultSystemPrompt)
        return;
    m_defaultSystemPrompt = prompt.trimmed();
    m_chat.setDefaults(QJsonObject::fromVariantMap(m_chat.defaults()), m_defaultSystemPrompt);
    emit saveSettingRequested(QStringLiteral("default_system_prompt"), m_defaultSystemPrompt);
    emit appSettingsChanged();
}

void AppContext::resetGenerationDefaults()
{
    setGenerationDefaults(ChatController::builtInSettings().toVariantMap());
    setDefaultSystemPrompt({});
}

QVariantList AppContext::gpus() const
{
    QVariantList list;
#if defined(ENCLAVE_HAVE_CUDA)
    const cuda::CudaDeviceList &found = cudaDevices();
    constexpr uint64_t kMiB = 1024 * 1024;
    for (const auto &d : found.devices)
        list.append(QVariantMap{{QStringLiteral("name"), QString::fromStdString(d.name)},
                                {QStringLiteral("totalMiB"), qint64(d.totalMemory / kMiB)},
                                {QStringLiteral("freeMiB"), qint64(d.freeMemory / kMiB)},
                                {QStringLiteral("compute"), QStringLiteral("%1.%2").arg(d.computeMajor).arg(d.computeMinor)}});
#endif
    return list;
}

QString AppContext::gpuUnavailableReason() const
{
#if defined(ENCLAVE_HAVE_CUDA)
    return QString::fromStdString(cudaDevices().unavailableReason);
#else
    return tr("this build has no CUDA backend");
#endif
}

bool AppContext::prefersDarkTheme() const
{
    const QString theme = qEnvironmentVariable("ENCLAVE_THEME");
    if (!theme.isEmpty())
        return theme == QLatin1String("dark");
    return QGuiApplication::palette().color(QPalette::Window).lightness() < 128;
}

void AppContext::dismissNotice() { setNotice({}); }

void AppContext::openDataDirectory() { QDesktopServices::openUrl(QUrl::fromLocalFile(m_dataDirectory)); }

} // namespace enclave::app
