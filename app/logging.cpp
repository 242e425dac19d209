// Logging setup: rotating file (5 MiB × 3) + stderr, shared by every module logger. Every
// line is flushed as it is written, so the lines before a crash are in the file.
#include "app/logging.h"

#include <QDir>
#include <QStandardPaths>
#include <spdlog/sinks/rotating_file_sink.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

namespace enclave::app {
namespace {

constexpr const char *kModules[] = {"app", "ui", "engine", "storage", "cuda", "vulkan"};

void qtMessageToSpdlog(QtMsgType type, const QMessageLogContext &, const QString &message)
{
    auto log = moduleLogger("ui");
    const std::string text = message.toStdString();
    switch (type) {
    case QtDebugMsg: log->debug("{}", text); break;
    case QtInfoMsg: log->info("{}", text); break;
    case QtWarningMsg: log->warn("{}", text); break;
    case QtCriticalMsg:
    case QtFatalMsg: log->error("{}", text); break;
    }
}

} // namespace

std::shared_ptr<spdlog::logger> moduleLogger(const char *name)
{
    if (auto log = spdlog::get(name))
        return log;
    auto log = std::make_shared<spdlog::logger>(name, std::make_shared<spdlog::sinks::stderr_color_sink_mt>());
    spdlog::register_logger(log);
    return log;
}

QString defaultLogDirectory()
{
    QString state = qEnvironmentVariable("XDG_STATE_HOME");
    if (state.isEmpty())
        state = QDir::homePath() + QStringLiteral("/.local/state");
    return state + QStringLiteral("/enclave/logs");
}

void setupLogging(const QString &logDirectory, bool verbose)
{
    std::vector<spdlog::sink_ptr> sinks{std::make_shared<spdlog::sinks::stderr_color_sink_mt>()};
    if (QDir().mkpath(logDirectory)) {
        try {
            const std::string file = QDir(logDirectory).filePath(QStringLiteral("enclave.log")).toStdString();
            sinks.push_back(std::make_shared<spdlog::sinks::rotating_file_sink_mt>(file, 5 << 20, 3));
        } catch (const spdlog::spdlog_ex &) {
            // No log file (read-only home?): stderr alone still works.
        }
    }
    sinks.front()->set_level(verbose ? spdlog::level::debug : spdlog::level::warn);
    for (const char *name : kModules) {
        spdlog::drop(name);
        auto log = std::make_shared<spdlog::logger>(name, sinks.begin(), sinks.end());
        const auto level = verbose ? spdlog::level::debug : spdlog::level::info;
        log->set_level(level);
        log->flush_on(level);
        spdlog::register_logger(log);
    }
    spdlog::set_default_logger(spdlog::get("app"));
    qInstallMessageHandler(qtMessageToSpdlog);
}

} // namespace enclave::app
