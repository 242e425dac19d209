// Database: the one SQLite file that holds every conversation, message, model and setting.
// Opening it applies WAL mode and foreign keys and upgrades an older schema after a backup.
// Only a failed integrity check moves a file aside (never deleted); a disk that is full,
// failing, busy or not writable opens it read-only instead, so nothing is lost or hidden.
#pragma once

#include <QString>
#include <sqlite3.h>

namespace enclave::storage {

// Why a database was opened read-only (None: it is writable).
enum class ReadOnlyCause { None, DiskFull, DiskError, Busy, NotWritable };

class Database {
public:
    // Opens (creating if needed) the database at path and brings its schema to
    // targetVersion (default: the newest). Falls back to read-only when the file can be read
    // but not written. Throws StorageError when it cannot be used at all. Not thread-safe:
    // one thread owns a Database.
    explicit Database(const QString &path, int targetVersion = -1);
    ~Database();
    Database(const Database &) = delete;
    Database &operator=(const Database &) = delete;

    sqlite3 *handle() const { return m_db; }
    const QString &path() const { return m_path; }
    int schemaVersion() const;

    // Set when opening had to recover: the path the corrupt file was moved to.
    const QString &movedAsideTo() const { return m_movedAsideTo; }
    // Set when a migration ran: the copy of the file taken before it.
    const QString &backupPath() const { return m_backupPath; }
    // Read-only: every write fails with SQLITE_READONLY until the next open.
    bool isReadOnly() const { return m_readOnlyCause != ReadOnlyCause::None; }
    ReadOnlyCause readOnlyCause() const { return m_readOnlyCause; }
    // SQLite's message for the write failure that made it read-only.
    const QString &readOnlyDetail() const { return m_readOnlyDetail; }

    static int latestSchemaVersion();

private:
    void openFile(int flags);
    void closeFile();
    void openWritable(int targetVersion);
    void openReadOnly(int failureCode, const QString &failure, int targetVersion);
    bool tryReadOnly(bool exclusive);
    void checkIntegrity();
    void moveAside(const QString &reason);
    void migrate(int targetVersion);
    void backupBeforeMigration(int fromVersion);

    QString m_path;
    sqlite3 *m_db = nullptr;
    QString m_movedAsideTo;
    QString m_backupPath;
    ReadOnlyCause m_readOnlyCause = ReadOnlyCause::None;
    QString m_readOnlyDetail;
};

// SQLite result codes that mean the file itself is damaged (not the disk under it).
bool isCorruptionCode(int code);
// What a failed write with this SQLite result code means for a database in folder: a full
// disk (SQLITE_FULL, or an I/O error with almost no space left), a disk error, a lock held
// elsewhere, or no permission. None: not a disk or lock problem (a bug, a constraint...).
ReadOnlyCause writeFailureCause(int code, const QString &folder);

} // namespace enclave::storage
