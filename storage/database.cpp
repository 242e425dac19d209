// Database: open, recover, migrate. Recovery never deletes: a corrupt file (and its -wal/-shm
// companions) is renamed to "<name>.corrupt-<timestamp>" and a fresh one is made. Any other
// failure (disk full, I/O error, busy, not writable) opens the same file read-only instead.
#include "storage/database.h"

#include "storage/migrations.h"
#include "storage/sqlite_handle.h"

#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QStorageInfo>
#include <spdlog/spdlog.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace enclave::storage {
namespace {

// Below this much free space, an I/O error is taken for a full disk (SQLite reports a disk
// that cannot grow the -shm file as SQLITE_IOERR_SHMSIZE, not SQLITE_FULL).
constexpr qint64 kLowSpaceBytes = 4 << 20;
constexpr int kBusyTimeoutMs = 5000;

std::shared_ptr<spdlog::logger> logger()
{
    auto log = spdlog::get("storage");
    return log ? log : spdlog::default_logger();
}

QString timestampSuffix() { return QDateTime::currentDateTimeUtc().toString(QStringLiteral("yyyyMMdd-hhmmss-zzz")); }

// The folder (when this makes it) is 0700 and the file 0600 from the first byte, whatever
// the umask: the database never exists with wider permissions.
void createPrivately(const QString &path)
{
    const QFileInfo info(path);
    if (!QFileInfo::exists(info.absolutePath()) && QDir().mkpath(info.absolutePath()))
        ::chmod(QFile::encodeName(info.absolutePath()).constData(), S_IRWXU);
    if (info.exists())
        return;
    const int fd = ::open(QFile::encodeName(path).constData(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, S_IRUSR | S_IWUSR);
    if (fd >= 0)
        ::close(fd);
}

// SQLite gives -wal and -shm the database's mode; files from older versions are tightened.
void tightenPermissions(const QString &path)
{
    for (const char *suffix : {"", "-wal", "-shm"})
        ::chmod(QFile::encodeName(path + QLatin1String(suffix)).constData(), S_IRUSR | S_IWUSR);
}

// Failures that leave the file readable: the disk or the lock, not the data.
bool allowsReadOnly(int code)
{
    switch (code) {
    case SQLITE_FULL: case SQLITE_IOERR: case SQLITE_CANTOPEN: case SQLITE_BUSY: case SQLITE_LOCKED:
    case SQLITE_READONLY: case SQLITE_PERM: case SQLITE_AUTH: case SQLITE_NOLFS: case SQLITE_PROTOCOL:
        return true;
    default:
        return false;
    }
}

} // namespace

bool isCorruptionCode(int code) { return code == SQLITE_CORRUPT || code == SQLITE_NOTADB; }

ReadOnlyCause writeFailureCause(int code, const QString &folder)
{
    if (!allowsReadOnly(code))
        return ReadOnlyCause::None;
    const QStorageInfo volume(folder);
    const bool lowSpace = volume.isValid() && volume.bytesAvailable() >= 0 && volume.bytesAvailable() < kLowSpaceBytes;
    switch (code) {
    case SQLITE_FULL: return ReadOnlyCause::DiskFull;
    case SQLITE_BUSY: case SQLITE_LOCKED: return ReadOnlyCause::Busy;
    case SQLITE_READONLY: case SQLITE_PERM: case SQLITE_AUTH: return ReadOnlyCause::NotWritable;
    case SQLITE_CANTOPEN: return lowSpace ? ReadOnlyCause::DiskFull : ReadOnlyCause::NotWritable;
    default: return lowSpace ? ReadOnlyCause::DiskFull : ReadOnlyCause::DiskError;
    }
}

int Database::latestSchemaVersion() { return migrations().back().version; }

Database::Database(const QString &path, int targetVersion) : m_path(path)
{
    if (targetVersion < 0)
        targetVersion = latestSchemaVersion();
    createPrivately(path);
    try {
        openWritable(targetVersion);
    } catch (const StorageError &e) {
        closeFile();
        if (isCorruptionCode(e.code())) {
            moveAside(QString::fromUtf8(e.what()));
            createPrivately(path);
            openWritable(targetVersion);
        } else if (allowsReadOnly(e.code())) {
            openReadOnly(e.code(), QString::fromUtf8(e.what()), targetVersion);
        } else {
            throw;
        }
    }
    tightenPermissions(path);
}

Database::~Database() { closeFile(); }

void Database::openFile(int flags)
{
    const QByteArray file = QFile::encodeName(m_path);
    const int rc = sqlite3_open_v2(file.constData(), &m_db, flags | SQLITE_OPEN_FULLMUTEX, nullptr);
    if (rc != SQLITE_OK) {
        const std::string message = m_db ? sqlite3_errmsg(m_db) : sqlite3_errstr(rc);
        closeFile();
        throw StorageError(m_path.toStdString() + ": " + message, rc & 0xff);
    }
    sqlite3_busy_timeout(m_db, kBusyTimeoutMs);
    sqlite3_extended_result_codes(m_db, 1);
}

void Database::closeFile()
{
    if (m_db)
        sqlite3_close_v2(m_db);
    m_db = nullptr;
}

// Switching to WAL, the quick check and the migrations all fail on a damaged file or disk;
// the error's code tells which.
void Database::openWritable(int targetVersion)
{
    openFile(SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
    if (sqlite3_db_readonly(m_db, "main") == 1)
        throw StorageError(m_path.toStdString() + ": the file cannot be written", SQLITE_READONLY);
    execSql(m_db, "PRAGMA journal_mode = WAL");
    execSql(m_db, "PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;");
    checkIntegrity();
    migrate(targetVersion);
}

void Database::checkIntegrity()
{
    Statement check(m_db, "PRAGMA quick_check");
    if (check.step() && check.text(0) != QLatin1String("ok"))
        throw StorageError("integrity check failed: " + check.text(0).toStdString(), SQLITE_CORRUPT);
}

// The file stays where it is; the app reads it and writes nothing until the next start.
void Database::openReadOnly(int failureCode, const QString &failure, int targetVersion)
{
    const bool opened = (failureCode != SQLITE_BUSY && tryReadOnly(true)) || tryReadOnly(false);
    if (!opened)
        throw StorageError(failure.toStdString(), failureCode);
    const int version = schemaVersion();
    if (version < targetVersion || version > latestSchemaVersion()) {
        closeFile();
        throw StorageError(failure.toStdString() + "; read-only, the schema v" + std::to_string(version) +
                               " cannot be brought to v" + std::to_string(targetVersion),
                           failureCode);
    }
    m_readOnlyCause = writeFailureCause(failureCode, QFileInfo(m_path).absolutePath());
    m_readOnlyDetail = failure;
    logger()->warn("Database: {} cannot be written ({}); opened read-only", m_path.toStdString(),
                   failure.toStdString());
}

// exclusive: a read-write handle that takes the lock for itself, so SQLite keeps the WAL
// index in memory and needs no -shm file (which a full disk cannot grow); query_only and
// no checkpoint on close make it write nothing. Otherwise a plain read-only handle.
bool Database::tryReadOnly(bool exclusive)
{
    try {
        if (exclusive) {
            openFile(SQLITE_OPEN_READWRITE);
            sqlite3_db_config(m_db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, nullptr);
            execSql(m_db, "PRAGMA locking_mode = EXCLUSIVE");
        } else {
            openFile(SQLITE_OPEN_READONLY);
        }
        execSql(m_db, "PRAGMA query_only = ON; PRAGMA foreign_keys = ON;");
        checkIntegrity();
        return true;
    } catch (const StorageError &e) {
        logger()->info("Database::tryReadOnly: {} handle failed: {}", exclusive ? "exclusive" : "read-only", e.what());
        closeFile();
        return false;
    }
}

void Database::moveAside(const QString &reason)
{
    const QString target = m_path + QStringLiteral(".corrupt-") + timestampSuffix();
    if (QFile::exists(m_path) && !QFile::rename(m_path, target))
        throw StorageError("database " + m_path.toStdString() + " is unusable (" + reason.toStdString() +
                               ") and could not be moved aside",
                           SQLITE_CANTOPEN);
    for (const char *suffix : {"-wal", "-shm"}) {
        if (QFile::exists(m_path + QLatin1String(suffix)))
            QFile::rename(m_path + QLatin1String(suffix), target + QLatin1String(suffix));
    }
    m_movedAsideTo = target;
    logger()->warn("Database: {} was unusable ({}); moved to {} and starting a new one", m_path.toStdString(),
                   reason.toStdString(), target.toStdString());
}

int Database::schemaVersion() const
{
    Statement st(m_db, "PRAGMA user_version");
    return st.step() ? int(st.int64(0)) : 0;
}

void Database::backupBeforeMigration(int fromVersion)
{
    execSql(m_db, "PRAGMA wal_checkpoint(TRUNCATE)");
    const QString target = m_path + QStringLiteral(".v%1-backup-").arg(fromVersion) + timestampSuffix();
    createPrivately(target); // VACUUM INTO fills an empty file, keeping its mode
    Statement vacuum(m_db, "VACUUM INTO ?1");
    vacuum.bind(1, target);
    vacuum.exec();
    m_backupPath = target;
    logger()->info("Database: backed up schema v{} to {}", fromVersion, target.toStdString());
}

void Database::migrate(int targetVersion)
{
    const int current = schemaVersion();
    if (current > latestSchemaVersion())
        throw StorageError("database " + m_path.toStdString() + " has schema v" + std::to_string(current) +
                               ", newer than this version of Enclave understands (v" +
                               std::to_string(latestSchemaVersion()) + ")",
                           SQLITE_ERROR);
    if (current >= targetVersion)
        return;
    if (current > 0)
        backupBeforeMigration(current);
    for (const Migration &m : migrations()) {
        if (m.version <= current || m.version > targetVersion)
            continue;
        Transaction tx(m_db);
        execSql(m_db, m.sql);
        execSql(m_db, ("PRAGMA user_version = " + std::to_string(m.version)).c_str());
        tx.commit();
        logger()->info("Database: migrated {} to schema v{}", m_path.toStdString(), m.version);
    }
}

} // namespace enclave::storage
