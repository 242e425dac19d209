// Database: open, recover, migrate. Recovery never deletes: an unusable file (and its
// -wal/-shm companions) is renamed to "<name>.corrupt-<timestamp>" and a fresh one is made.
#include "storage/database.h"

#include "storage/migrations.h"
#include "storage/sqlite_handle.h"

#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <spdlog/spdlog.h>

namespace enclave::storage {
namespace {

std::shared_ptr<spdlog::logger> logger()
{
    auto log = spdlog::get("storage");
    return log ? log : spdlog::default_logger();
}

QString timestampSuffix() { return QDateTime::currentDateTimeUtc().toString(QStringLiteral("yyyyMMdd-hhmmss-zzz")); }

} // namespace

int Database::latestSchemaVersion() { return migrations().back().version; }

Database::Database(const QString &path, int targetVersion) : m_path(path)
{
    if (targetVersion < 0)
        targetVersion = latestSchemaVersion();
    QDir().mkpath(QFileInfo(path).absolutePath());
    QString reason;
    bool opened = false;
    try {
        openFile();
        opened = looksHealthy(&reason);
    } catch (const StorageError &e) {
        reason = QString::fromStdString(e.what());
    }
    if (!opened) {
        closeFile();
        moveAside(reason);
        openFile();
        if (!looksHealthy(&reason))
            throw StorageError("cannot create a database at " + path.toStdString() + ": " + reason.toStdString(),
                               SQLITE_CANTOPEN);
    }
    migrate(targetVersion);
}

Database::~Database() { closeFile(); }

void Database::openFile()
{
    const QByteArray file = QFile::encodeName(m_path);
    const int rc = sqlite3_open_v2(file.constData(), &m_db,
                                   SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX, nullptr);
    if (rc != SQLITE_OK) {
        const std::string message = m_db ? sqlite3_errmsg(m_db) : sqlite3_errstr(rc);
        closeFile();
        throw StorageError(m_path.toStdString() + ": " + message, rc);
    }
    QFile::setPermissions(m_path, QFileDevice::ReadOwner | QFileDevice::WriteOwner);
    sqlite3_busy_timeout(m_db, 5000);
    sqlite3_extended_result_codes(m_db, 1);
}

void Database::closeFile()
{
    if (m_db)
        sqlite3_close_v2(m_db);
    m_db = nullptr;
}

// Reading the header, switching to WAL and a quick check catch a non-SQLite or damaged file.
bool Database::looksHealthy(QString *reason)
{
    try {
        execSql(m_db, "PRAGMA journal_mode = WAL");
        execSql(m_db, "PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;");
        Statement check(m_db, "PRAGMA quick_check");
        if (check.step() && check.text(0) != QLatin1String("ok")) {
            *reason = QStringLiteral("integrity check failed: ") + check.text(0);
            return false;
        }
        return true;
    } catch (const StorageError &e) {
        *reason = QString::fromStdString(e.what());
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
