// EngineWorker: engine calls wrapped so that every failure becomes a signal, never a crash.
#include "app/engine_worker.h"
#include "engine/model/printable.h"

#include "app/logging.h"
#include "engine/chat_session.h"
#include "engine/cpu/thread_pool.h"
#include "engine/text/tokenizer_files.h"

#include <QElapsedTimer>

namespace enclave::app {
namespace {

SamplingParams samplingFrom(const QJsonObject &s)
{
    SamplingParams p;
    p.temperature = float(s.value(QStringLiteral("temperature")).toDouble(p.temperature));
    p.topK = s.value(QStringLiteral("top_k")).toInt(p.topK);
    p.topP = float(s.value(QStringLiteral("top_p")).toDouble(p.topP));
    p.minP = float(s.value(QStringLiteral("min_p")).toDouble(p.minP));
    p.repeatPenalty = float(s.value(QStringLiteral("repeat_penalty")).toDouble(p.repeatPenalty));
    p.seed = uint64_t(s.value(QStringLiteral("seed")).toInteger(0));
    return p;
}

QJsonObject statsJson(const GenerationStats &s, const QString &device)
{
    return {{QStringLiteral("prompt_tokens"), qint64(s.promptTokens)},
            {QStringLiteral("reused_tokens"), qint64(s.reusedTokens)},
            {QStringLiteral("generated_tokens"), qint64(s.generatedTokens)},
            {QStringLiteral("time_to_first_token_ms"), s.timeToFirstTokenMs},
            {QStringLiteral("prompt_tokens_per_second"), s.promptTokensPerSecond},
            {QStringLiteral("generation_tokens_per_second"), s.generationTokensPerSecond},
            {QStringLiteral("device"), device}};
}

} // namespace

EngineWorker::EngineWorker(QObject *parent) : QObject(parent) {}

EngineWorker::~EngineWorker() { saveProfileQuietly(); }

void EngineWorker::saveProfileQuietly()
{
    if (!m_session)
        return;
    try {
        m_session->evaluator().saveProfile();
    } catch (const std::exception &e) {
        moduleLogger("engine")->warn("EngineWorker: expert usage profile not saved: {}", enclave::printableText(e.what()));
    }
}

void EngineWorker::cancel(qint64 requestId)
{
    qint64 seen = m_cancelledUpTo.load();
    while (seen < requestId && !m_cancelledUpTo.compare_exchange_weak(seen, requestId)) {
    }
    const std::lock_guard lock(m_activeMutex);
    if (m_activeSession && m_activeRequest <= requestId)
        m_activeSession->cancel();
}

void EngineWorker::loadModel(qint64 modelId, const QString &path, const QJsonObject &options)
{
    unloadModel();
    const int contextLength = options.value(QStringLiteral("context_length")).toInt(0);
    m_vramBudgetMiB = std::max(0, options.value(QStringLiteral("vram_budget_mib")).toInt(0));
    m_backend = BackendOptions{};
    m_backend.backend = options.value(QStringLiteral("use_gpu")).toBool(false) ? "auto" : "cpu";
    m_backend.vramBudgetBytes = m_vramBudgetMiB > 0 ? int64_t(m_vramBudgetMiB) << 20 : -1;
    m_backend.usageProfilePath = options.value(QStringLiteral("profile_path")).toString().toStdString();
    try {
        QElapsedTimer timer;
        timer.start();
        auto model = Model::load(path.toStdString());
        auto tokenizer = std::make_unique<Tokenizer>(loadTokenizerSpec(path.toStdString()));
        const int64_t ctx = contextLength > 0 ? contextLength : std::min<int64_t>(model->config().nCtxTrain, 8192);
        m_model = std::move(model);
        m_tokenizer = std::move(tokenizer);
        m_session = makeSession(ctx);
        m_loadContext = ctx;
        renderSample();
        const ModelConfig &c = m_model->config();
        const QJsonObject info{{QStringLiteral("architecture"), QString::fromStdString(c.architecture)},
                               {QStringLiteral("context_length"), qint64(ctx)},
                               {QStringLiteral("layers"), qint64(c.nLayer)},
                               {QStringLiteral("experts"), qint64(c.moe.nExpert)},
                               {QStringLiteral("load_ms"), timer.elapsed()},
                               {QStringLiteral("vram_budget_mib"), m_vramBudgetMiB},
                               {QStringLiteral("device"), QString::fromStdString(m_session->evaluator().deviceName())},
                               {QStringLiteral("backend_notice"), m_backendNotice}};
        moduleLogger("engine")->info("EngineWorker::loadModel: {} loaded in {} ms", path.toStdString(), timer.elapsed());
        emit modelLoaded(modelId, info);
    } catch (const std::exception &e) {
        unloadModel();
        moduleLogger("engine")->error("EngineWorker::loadModel: {}", enclave::printableText(e.what()));
        emit modelLoadFailed(modelId, QString::fromStdString(enclave::printableText(e.what())));
    }
}

void EngineWorker::setThreads(int threads) { setDefaultThreadCount(threads); }

void EngineWorker::echo(qint64 token) { emit echoed(token); }

// The chat template's first render belongs to the load: a template that crashes the app
// does so while the load marker (ModelLoadMarker) is on disk.
void EngineWorker::renderSample()
{
    const std::vector<ChatMessage> sample{{"system", "You are a helpful assistant.", {}, {}},
                                          {"user", "Hello!", {}, {}}};
    m_session->countTokens(sample);
}

std::unique_ptr<ChatSession> EngineWorker::makeSession(int64_t contextLength)
{
    auto session = std::make_unique<ChatSession>(*m_model, *m_tokenizer, contextLength, defaultThreadPool(), m_backend);
    m_backendNotice = QString::fromStdString(session->backendNotice());
    if (!m_backendNotice.isEmpty())
        moduleLogger("engine")->warn("EngineWorker: the GPU is not used: {}", session->backendNotice());
    return session;
}

void EngineWorker::unloadModel()
{
    const bool had = m_model != nullptr;
    saveProfileQuietly(); // the experts this model used, for a warm start next time
    m_session.reset();
    m_tokenizer.reset();
    m_model.reset();
    if (had)
        emit modelUnloaded();
}

namespace {

std::vector<ChatMessage> chatMessages(const QJsonArray &messages)
{
    std::vector<ChatMessage> out;
    for (const QJsonValue &m : messages) {
        const QJsonObject o = m.toObject();
        out.push_back({o.value(QStringLiteral("role")).toString().toStdString(),
                       o.value(QStringLiteral("content")).toString().toStdString(), {}, {}});
    }
    return out;
}

} // namespace

void EngineWorker::useContextLength(int contextLength)
{
    const int64_t wanted = contextLength > 0 ? std::min<int64_t>(contextLength, m_model->config().nCtxTrain) : m_loadContext;
    if (wanted == m_session->contextLength())
        return;
    saveProfileQuietly();
    m_session.reset(); // frees the old cache before the new one is allocated
    try {
        m_session = makeSession(wanted);
    } catch (...) {
        m_session = makeSession(m_loadContext);
        throw;
    }
    moduleLogger("engine")->info("EngineWorker::useContextLength: context of {} tokens", wanted);
}

void EngineWorker::measureContext(qint64 conversationId, const QJsonArray &messages, int contextLength)
{
    if (!m_session)
        return;
    try {
        useContextLength(contextLength);
        emit contextMeasured(conversationId, m_session->countTokens(chatMessages(messages)), m_session->contextLength());
    } catch (const std::exception &e) {
        moduleLogger("engine")->warn("EngineWorker::measureContext: {}", enclave::printableText(e.what()));
    }
}

void EngineWorker::generate(qint64 requestId, const QJsonArray &messages, const QJsonObject &settings)
{
    if (!m_session) {
        emit notice(requestId, tr("No model is loaded."));
        emit finished(requestId, QStringLiteral("error"), {});
        return;
    }
    try {
        useContextLength(settings.value(QStringLiteral("context_length")).toInt(0));
    } catch (const std::exception &e) {
        emit notice(requestId, QString::fromStdString(enclave::printableText(e.what())));
        emit finished(requestId, QStringLiteral("error"), {});
        return;
    }
    GenerationRequest request;
    request.messages = chatMessages(messages);
    request.sampling = samplingFrom(settings);
    request.maxTokens = settings.value(QStringLiteral("max_tokens")).toInt(1024);
    if (m_cancelledUpTo.load() >= requestId) { // stopped before it started
        emit finished(requestId, QString::fromLatin1(endReasonName(EndReason::Cancelled)), {});
        return;
    }
    {
        const std::lock_guard lock(m_activeMutex);
        m_activeSession = m_session.get();
        m_activeRequest = requestId;
    }
    try {
        m_session->generate(request, [&](const GenerationEvent &e) {
            switch (e.kind) {
            case GenerationEvent::Kind::Text: emit textDelta(requestId, QString::fromStdString(e.text)); break;
            case GenerationEvent::Kind::Reasoning: emit reasoningDelta(requestId, QString::fromStdString(e.text)); break;
            case GenerationEvent::Kind::Notice: emit notice(requestId, QString::fromStdString(e.text)); break;
            case GenerationEvent::Kind::End:
                emit finished(requestId, QString::fromLatin1(endReasonName(e.reason)), statsJson(e.stats, QString::fromStdString(m_session->evaluator().deviceName())));
                break;
            }
            return m_cancelledUpTo.load() < requestId; // false stops within this token
        });
    } catch (const std::exception &e) {
        moduleLogger("engine")->error("EngineWorker::generate: {}", enclave::printableText(e.what()));
        emit notice(requestId, QString::fromStdString(enclave::printableText(e.what())));
        emit finished(requestId, QStringLiteral("error"), {});
    }
    const std::lock_guard lock(m_activeMutex);
    m_activeSession = nullptr;
    m_activeRequest = 0;
}

} // namespace enclave::app
