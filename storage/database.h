// Database: the one SQLite file that holds every conversation, message, model and setting.
// Opening it applies WAL mode and foreign keys, moves a corrupt file aside (never deletes
// it) and upgrades an older schema step by step, after copying the old file to a backup.
#pragma once

#include <QString>
#include <sqlite3.h>

namespace enclave::storage {

class Database {
public:
    // Opens (creating if needed) the database at path and brings its schema to
    // targetVersion (default: the newest). Throws StorageError when the file cannot be used
    // even after moving a corrupt one aside. Not thread-safe: one thread owns a Database.
    explicit Database(const QString &path, int targetVersion = -1);
    ~Database();
    Database(const Database &) = delete;
    Database &operator=(const Database &) = delete;

    sqlite3 *handle() const { return m_db; }
    const QString &path() const { return m_path; }
    int schemaVersion() const;

    // Set when opening had to recover: the path the unusable file was moved to.
    const QString &movedAsideTo() const { return m_movedAsideTo; }
    // Set when a migration ran: the copy of the file taken before it.
    const QString &backupPath() const { return m_backupPath; }

    static int latestSchemaVersion();

private:
    void openFile();
    void closeFile();
    bool looksHealthy(QString *reason);
    void moveAside(const QString &reason);
    void migrate(int targetVersion);
    void backupBeforeMigration(int fromVersion);

    QString m_path;
    sqlite3 *m_db = nullptr;
    QString m_movedAsideTo;
    QString m_backupPath;
};

} // namespace enclave::storage
