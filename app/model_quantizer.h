// ModelQuantizer: runs one safetensors → GGUF conversion on a pool thread for the import flow.
// Progress arrives on the GUI thread (queued); cancel() sets the flag the converter checks between
// chunks of rows. The converter removes its temporary file on cancel or error.
#pragma once

#include <QFutureWatcher>
#include <QObject>
#include <QString>

#include <atomic>
#include <functional>
#include <memory>

namespace enclave::app {

class ModelQuantizer : public QObject {
    Q_OBJECT

public:
    // Bytes free for a new file in a folder; tests inject a small number.
    using FreeSpaceFn = std::function<quint64(const QString &folder)>;

    explicit ModelQuantizer(QObject *parent = nullptr);
    ~ModelQuantizer() override; // cancels and waits for a running conversion

    bool running() const { return m_watcher.isRunning(); }
    double progress() const { return m_progress; }

    // Starts converting `input` to `output` with the mix named `type` ("q4_k_m"). Ignored while running.
    void start(const QString &input, const QString &output, const QString &type);
    void cancel();
    void setFreeSpaceFunction(FreeSpaceFn fn) { m_freeSpace = std::move(fn); }

signals:
    void progressChanged(double fraction);
    void finished(const QString &output);
    void failed(const QString &message, bool cancelled);

private:
    struct Outcome {
        QString error; // empty: success
        bool cancelled = false;
    };
    void onFinished();

    QFutureWatcher<Outcome> m_watcher;
    std::shared_ptr<std::atomic<bool>> m_cancel;
    FreeSpaceFn m_freeSpace;
    QString m_output;
    double m_progress = 0.0;
};

} // namespace enclave::app
