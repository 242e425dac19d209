// Storage on a failing disk, and who may read it. A full disk (FullDiskVfs: SQLITE_FULL, as
// ENOSPC gives) or the kernel refusing writes (RLIMIT_FSIZE: EFBIG) at start opens the
// database read-only, never moved aside, and the next open with space is normal. A write on
// a full disk fails whole. The folder is 0700 and the files 0600 whatever the umask.
#include "storage/conversation_io.h"
#include "storage/conversation_store.h"
#include "storage/sqlite_handle.h"
#include "tests/support/full_disk_vfs.h"

#include <QDir>
#include <QFile>
#include <QTemporaryDir>
#include <QTest>

#include <csignal>
#include <sys/resource.h>
#include <sys/stat.h>

using namespace enclave::storage;
using enclave::test::FullDiskVfs;

namespace {

constexpr int kSeededMessages = 12;

// While alive, this process cannot write past byte `limit` of any file: write() fails with
// EFBIG (SIGXFSZ is ignored), the kernel's own refusal rather than a simulation in SQLite.
class FileSizeLimit {
public:
    explicit FileSizeLimit(rlim_t limit)
    {
        std::signal(SIGXFSZ, SIG_IGN);
        getrlimit(RLIMIT_FSIZE, &m_old);
        rlimit limited = m_old;
        limited.rlim_cur = limit;
        m_applied = setrlimit(RLIMIT_FSIZE, &limited) == 0;
    }
    ~FileSizeLimit() { setrlimit(RLIMIT_FSIZE, &m_old); }
    bool applied() const { return m_applied; }

private:
    rlimit m_old{};
    bool m_applied = false;
};

mode_t modeOf(const QString &path)
{
    struct stat st {};
    return ::stat(QFile::encodeName(path).constData(), &st) == 0 ? st.st_mode & 0777 : 0;
}

int writeCode(ConversationStore &store, qint64 conversationId)
{
    try {
        store.addMessage(conversationId, 0, QStringLiteral("user"), QStringLiteral("never stored"));
    } catch (const StorageError &e) {
        return e.code();
    }
    return SQLITE_OK;
}

} // namespace

class TestDatabaseSafety : public QObject {
    Q_OBJECT

private:
    QString dbPath() const { return m_dir->filePath(QStringLiteral("enclave.db")); }
    bool nothingMovedAside() const
    {
        return QDir(m_dir->path()).entryList({QStringLiteral("*.corrupt-*")}, QDir::Files).isEmpty();
    }
    // A closed database with one conversation of kSeededMessages messages; returns its id.
    qint64 seed() const
    {
        ConversationStore store(dbPath());
        const qint64 id = store.createConversation(QStringLiteral("Notes")).id;
        qint64 parent = 0;
        for (int i = 0; i < kSeededMessages; ++i)
            parent = store.addMessage(id, parent, QStringLiteral("user"), QStringLiteral("note %1").arg(i)).id;
        return id;
    }
    void verifyNormalOpen(qint64 conversationId, int messages)
    {
        ConversationStore store(dbPath());
        QVERIFY(!store.database().isReadOnly());
        QCOMPARE(store.database().readOnlyCause(), ReadOnlyCause::None);
        QCOMPARE(store.messages(conversationId).size(), messages);
        store.addMessage(conversationId, 0, QStringLiteral("user"), QStringLiteral("space again"));
        QCOMPARE(store.messages(conversationId).size(), messages + 1);
    }

    std::unique_ptr<QTemporaryDir> m_dir;

private slots:
    void initTestCase() { FullDiskVfs::install(); }
    void init()
    {
        FullDiskVfs::setFull(false);
        m_dir = std::make_unique<QTemporaryDir>();
    }
    void cleanup() { FullDiskVfs::setFull(false); }

    void fullDiskAtStartOpensReadOnly()
    {
        const qint64 id = seed();
        FullDiskVfs::setFull(true);
        {
            ConversationStore store(dbPath());
            QVERIFY(store.database().isReadOnly());
            QCOMPARE(store.database().readOnlyCause(), ReadOnlyCause::DiskFull);
            QVERIFY(store.database().movedAsideTo().isEmpty());
            QVERIFY(nothingMovedAside());
            QCOMPARE(store.messages(id).size(), kSeededMessages); // everything readable
            QCOMPARE(store.search(QStringLiteral("note")).size(), kSeededMessages);
            QCOMPARE(writeCode(store, id), SQLITE_READONLY);
        }
        FullDiskVfs::setFull(false);
        verifyNormalOpen(id, kSeededMessages);
        QVERIFY(nothingMovedAside());
    }

    void kernelWriteErrorAtStartOpensReadOnly()
    {
        const qint64 id = seed();
        {
            FileSizeLimit noWrites(0);
            QVERIFY(noWrites.applied());
            ConversationStore store(dbPath());
            QVERIFY(store.database().isReadOnly());
            QVERIFY2(store.database().readOnlyCause() == ReadOnlyCause::DiskError ||
                         store.database().readOnlyCause() == ReadOnlyCause::DiskFull,
                     qPrintable(store.database().readOnlyDetail()));
            QVERIFY(store.database().movedAsideTo().isEmpty());
            QCOMPARE(store.messages(id).size(), kSeededMessages);
        }
        QVERIFY(nothingMovedAside());
        verifyNormalOpen(id, kSeededMessages);
    }

    // The upgrade needs a writable file: on a full disk it is refused, and nothing moves.
    void fullDiskBeforeMigrationKeepsTheFile()
    {
        {
            Database v1(dbPath(), 1);
        }
        FullDiskVfs::setFull(true);
        QVERIFY_THROWS_EXCEPTION(StorageError, ConversationStore{dbPath()});
        QVERIFY(nothingMovedAside());
        FullDiskVfs::setFull(false);
        ConversationStore store(dbPath());
        QCOMPARE(store.database().schemaVersion(), Database::latestSchemaVersion());
    }

    void fullDiskWriteFailsWhole()
    {
        const qint64 id = seed();
        ConversationStore store(dbPath());
        const Conversation before = *store.conversation(id);
        const qint64 leaf = store.messages(id).last().id;
        FullDiskVfs::setFull(true);
        QCOMPARE(writeCode(store, id), SQLITE_FULL);
        QVERIFY_THROWS_EXCEPTION(StorageError, store.addMessage(id, leaf, QStringLiteral("user"), QStringLiteral("lost")));
        QVERIFY_THROWS_EXCEPTION(StorageError, store.createConversation(QStringLiteral("never")));
        QVERIFY_THROWS_EXCEPTION(StorageError, store.updateMessage(leaf, QStringLiteral("lost"), {}, MessageStatus::Complete));
        // Reads still work, and show nothing of the failed writes.
        QCOMPARE(store.messages(id).size(), kSeededMessages);
        FullDiskVfs::setFull(false);
        QCOMPARE(store.messages(id).size(), kSeededMessages);
        QCOMPARE(store.message(leaf)->content, QStringLiteral("note %1").arg(kSeededMessages - 1));
        QCOMPARE(store.conversations().size(), 1);
        QCOMPARE(store.conversation(id)->currentLeafId, before.currentLeafId);
        QCOMPARE(store.conversation(id)->updatedAt, before.updatedAt);
        QVERIFY(store.search(QStringLiteral("lost")).isEmpty()); // the index agrees
        QVERIFY(store.search(QStringLiteral("never")).isEmpty());
        Statement check(store.database().handle(), "PRAGMA integrity_check");
        QVERIFY(check.step());
        QCOMPARE(check.text(0), QStringLiteral("ok"));
        // The same handle writes again once there is space.
        store.addMessage(id, leaf, QStringLiteral("user"), QStringLiteral("stored now"));
        QCOMPARE(store.search(QStringLiteral("stored")).size(), 1);
    }

    // A damaged file is still moved aside (and only that).
    // Export on a full disk: a clear error, no half-written file, and an earlier export under the
    // same name stays as it was.
    void fullDiskDuringExportLeavesNothingHalfWritten()
    {
        const qint64 id = seed();
        ConversationStore store(dbPath());
        const QString target = m_dir->filePath(QStringLiteral("export.json"));
        writeFileAtomically(target, QByteArrayLiteral("earlier export"));
        const QByteArray json = exportJson(store, id);
        const QByteArray md = exportMarkdown(store, id);
        QVERIFY(json.size() > 64 && md.size() > 64);
        {
            const FileSizeLimit limit(32);
            if (!limit.applied())
                QSKIP("this machine refuses a file-size limit");
            for (const QByteArray &bytes : {json, md}) {
                try {
                    writeFileAtomically(target, bytes);
                    QFAIL("an export larger than the free space was written");
                } catch (const StorageError &e) {
                    QVERIFY2(QString::fromUtf8(e.what()).contains(QStringLiteral("cannot write")), e.what());
                }
            }
        }
        QFile kept(target);
        QVERIFY(kept.open(QIODevice::ReadOnly));
        QCOMPARE(kept.readAll(), QByteArrayLiteral("earlier export"));
        QCOMPARE(QDir(m_dir->path()).entryList({QStringLiteral("export.json*")}, QDir::Files).size(), 1);
    }

    void corruptFileIsStillMovedAside()
    {
        QFile f(dbPath());
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(QByteArray("SQLite format 3").append('\0') + QByteArray(8192, '\x7f'));
        f.close();
        ConversationStore store(dbPath());
        QVERIFY(!store.database().movedAsideTo().isEmpty());
        QVERIFY(!store.database().isReadOnly());
    }

    void filesArePrivate()
    {
        const mode_t oldMask = ::umask(022);
        const QString folder = m_dir->filePath(QStringLiteral("data"));
        const QString db = folder + QStringLiteral("/enclave.db");
        {
            ConversationStore store(db);
            store.createConversation(QStringLiteral("private")); // -wal and -shm exist while open
            QCOMPARE(modeOf(folder), mode_t(0700));
            for (const char *suffix : {"", "-wal", "-shm"}) {
                QVERIFY2(QFile::exists(db + QLatin1String(suffix)), suffix);
                QCOMPARE(modeOf(db + QLatin1String(suffix)), mode_t(0600));
            }
        }
        // Files an older version left readable by others are tightened at the next open.
        ::chmod(QFile::encodeName(db).constData(), 0644);
        {
            ConversationStore store(db);
            QCOMPARE(modeOf(db), mode_t(0600));
            QCOMPARE(modeOf(db + QStringLiteral("-shm")), mode_t(0600));
        }
        // The copy taken before a migration holds the same conversations: private too.
        const QString old = folder + QStringLiteral("/old.db");
        {
            Database v1(old, 1);
        }
        ConversationStore upgraded(old);
        QCOMPARE(modeOf(upgraded.database().backupPath()), mode_t(0600));
        ::umask(oldMask);
    }
};

QTEST_GUILESS_MAIN(TestDatabaseSafety)
#include "tst_database_safety.moc"
