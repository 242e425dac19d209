// Logging setup: one rotating file in the XDG state directory plus stderr, one named
// spdlog logger per module (app, ui, engine, storage), Qt's own messages routed to "ui".
#pragma once

#include <QString>
#include <memory>
#include <spdlog/logger.h>

namespace enclave::app {

// Installs the sinks for every module logger. Safe to call more than once (later calls
// replace the sinks). logDirectory is created if missing.
void setupLogging(const QString &logDirectory, bool verbose);

// The logger of a module; exists even before setupLogging (then it writes to stderr).
std::shared_ptr<spdlog::logger> moduleLogger(const char *name);

// $XDG_STATE_HOME/enclave/logs, or ~/.local/state/enclave/logs.
QString defaultLogDirectory();

} // namespace enclave::app
