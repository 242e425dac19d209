// ModelLoadMarker: a small file in the data folder saying "loading model X", written (and
// synced to disk) before a model loads and renders its chat template, removed once that
// succeeded or failed cleanly. Found at start, it means that load crashed the app last time.
#pragma once

#include <QString>
#include <optional>

namespace enclave::app {

class ModelLoadMarker {
public:
    struct Entry {
        qint64 modelId = 0;
        QString path; // the model file
    };

    explicit ModelLoadMarker(const QString &dataDirectory);

    // Replaces the marker atomically and syncs it; false (logged) when it cannot be written.
    bool write(const Entry &entry) const;
    void clear() const;
    // The marker left on disk, if any (an unreadable one counts as none).
    std::optional<Entry> read() const;
    QString filePath() const { return m_path; }

private:
    QString m_path;
};

} // namespace enclave::app
