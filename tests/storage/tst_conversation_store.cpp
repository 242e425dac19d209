// Tests of ConversationStore and Database: CRUD, message trees, search, migrations,
// crash safety (SIGKILL mid-write) and recovery from a corrupt file.
#include "storage/conversation_io.h"
#include "storage/conversation_store.h"
#include "storage/sqlite_handle.h"

#include <QDir>
#include <QFile>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>
#include <csignal>

using namespace enclave::storage;

class TestConversationStore : public QObject {
    Q_OBJECT

private:
    QString dbPath() const { return m_dir->filePath(QStringLiteral("enclave.db")); }
    std::unique_ptr<QTemporaryDir> m_dir;

private slots:
    void init() { m_dir = std::make_unique<QTemporaryDir>(); }

    void createsSchemaAndConversations()
    {
        ConversationStore store(dbPath());
        QCOMPARE(store.database().schemaVersion(), Database::latestSchemaVersion());
        const auto a = store.createConversation(QStringLiteral("First"), QStringLiteral("Be brief."));
        QTest::qWait(2);
        const auto b = store.createConversation(QStringLiteral("Second"));
        QVERIFY(a.id > 0 && b.id > a.id);
        QCOMPARE(store.conversation(a.id)->systemPrompt, QStringLiteral("Be brief."));
        QCOMPARE(store.conversations().first().id, b.id); // newest first

        store.setPinned(a.id, true);
        QCOMPARE(store.conversations().first().id, a.id); // pinned first
        store.renameConversation(b.id, QStringLiteral("Renamed"));
        QCOMPARE(store.conversation(b.id)->title, QStringLiteral("Renamed"));
        store.setConversationSettings(b.id, QJsonObject{{QStringLiteral("temperature"), 0.5}});
        QCOMPARE(store.conversation(b.id)->settings.value(QStringLiteral("temperature")).toDouble(), 0.5);
    }

    void deleteIsUndoableThenPurged()
    {
        ConversationStore store(dbPath());
        const auto c = store.createConversation(QStringLiteral("Doomed"));
        store.addMessage(c.id, 0, QStringLiteral("user"), QStringLiteral("searchable needle"));
        store.deleteConversation(c.id);
        QVERIFY(store.conversations().isEmpty());
        QVERIFY(store.search(QStringLiteral("needle")).isEmpty());
        store.restoreConversation(c.id);
        QCOMPARE(store.conversations().size(), 1);
        store.deleteConversation(c.id);
        QCOMPARE(store.purgeDeleted(), 1);
        store.restoreConversation(c.id);
        QVERIFY(store.conversations().isEmpty());
        QVERIFY(store.messages(c.id).isEmpty()); // cascade
    }

    void messageTreeAndBranches()
    {
        ConversationStore store(dbPath());
        const auto c = store.createConversation(QStringLiteral("Tree"));
        const auto u1 = store.addMessage(c.id, 0, QStringLiteral("user"), QStringLiteral("hello"));
        const auto a1 = store.addMessage(c.id, u1.id, QStringLiteral("assistant"), QStringLiteral("hi"));
        const auto a2 = store.addMessage(c.id, u1.id, QStringLiteral("assistant"), QStringLiteral("hey")); // regenerate
        QCOMPARE(store.activeBranch(c.id).size(), 2);
        QCOMPARE(store.activeBranch(c.id).last().id, a2.id);

        store.setCurrentLeaf(c.id, a1.id); // navigate back to the first branch
        QCOMPARE(store.activeBranch(c.id).last().content, QStringLiteral("hi"));
        const auto u2 = store.addMessage(c.id, a1.id, QStringLiteral("user"), QStringLiteral("more"));
        const QList<Message> path = store.activeBranch(c.id);
        QCOMPARE(path.size(), 3);
        QCOMPARE(path[0].id, u1.id);
        QCOMPARE(path[1].id, a1.id);
        QCOMPARE(path[2].id, u2.id);
        QCOMPARE(store.messages(c.id).size(), 4);

        store.deleteMessage(a1.id); // removes a1 and u2; selection falls back to the sibling a2
        QCOMPARE(store.messages(c.id).size(), 2);
        QCOMPARE(store.activeBranch(c.id).last().parentId, u1.id);
    }

    void streamingUpdatesAndInterruption()
    {
        ConversationStore store(dbPath());
        const auto c = store.createConversation(QStringLiteral("Stream"));
        const auto u = store.addMessage(c.id, 0, QStringLiteral("user"), QStringLiteral("q"));
        const auto a = store.addMessage(c.id, u.id, QStringLiteral("assistant"), {}, MessageStatus::Partial);
        store.updateMessage(a.id, QStringLiteral("partial ans"), QStringLiteral("thinking"), MessageStatus::Partial,
                            QJsonObject{{QStringLiteral("tokens"), 3}});
        QCOMPARE(store.message(a.id)->reasoning, QStringLiteral("thinking"));
        QCOMPARE(store.message(a.id)->stats.value(QStringLiteral("tokens")).toInt(), 3);
        QCOMPARE(store.markInterrupted(), 1);
        QCOMPARE(store.message(a.id)->status, MessageStatus::Error);
        QCOMPARE(store.message(a.id)->content, QStringLiteral("partial ans"));
    }

    void fullTextSearch()
    {
        ConversationStore store(dbPath());
        const auto c1 = store.createConversation(QStringLiteral("Cooking"));
        const auto c2 = store.createConversation(QStringLiteral("Travel"));
        const auto m = store.addMessage(c1.id, 0, QStringLiteral("user"), QStringLiteral("How long to boil an egg?"));
        store.addMessage(c2.id, 0, QStringLiteral("user"), QStringLiteral("Trains from Zürich to Milano"));
        auto hits = store.search(QStringLiteral("egg"));
        QCOMPARE(hits.size(), 1);
        QCOMPARE(hits[0].messageId, m.id);
        QCOMPARE(hits[0].conversationTitle, QStringLiteral("Cooking"));
        QVERIFY2(hits[0].snippet.contains(QStringLiteral("[[egg]]")), qPrintable(hits[0].snippet));
        QCOMPARE(store.search(QStringLiteral("zurich")).size(), 1);  // diacritics folded
        QCOMPARE(store.search(QStringLiteral("mila")).size(), 1);    // prefix match
        QCOMPARE(store.search(QStringLiteral("\"OR(")).size(), 0);   // user text is never FTS syntax
        store.updateMessage(m.id, QStringLiteral("Soft-boiled eggs"), {}, MessageStatus::Complete);
        QCOMPARE(store.search(QStringLiteral("boil")).size(), 1);    // trigger kept the index in sync
        QCOMPARE(store.search(QStringLiteral("long")).size(), 0);
    }

    void modelsAndSettings()
    {
        ConversationStore store(dbPath());
        const auto r = store.addModel(QStringLiteral("/models/a.gguf"), QStringLiteral("gguf"), 123, QStringLiteral("f"),
                                      QJsonObject{{QStringLiteral("architecture"), QStringLiteral("llama")}});
        const auto again = store.addModel(QStringLiteral("/models/a.gguf"), QStringLiteral("gguf"), 124,
                                          QStringLiteral("g"), {});
        QCOMPARE(again.id, r.id); // re-import updates in place
        QCOMPARE(store.models().size(), 1);
        QCOMPARE(store.model(r.id)->size, 124);
        const auto c = store.createConversation(QStringLiteral("uses model"));
        store.setConversationModel(c.id, r.id);
        store.removeModel(r.id);
        QVERIFY(store.models().isEmpty());
        QCOMPARE(store.conversation(c.id)->modelId, 0); // SET NULL, conversation kept

        store.setSetting(QStringLiteral("theme"), QStringLiteral("dark"));
        store.setSetting(QStringLiteral("theme"), QStringLiteral("light"));
        QCOMPARE(*store.setting(QStringLiteral("theme")), QStringLiteral("light"));
        QVERIFY(!store.setting(QStringLiteral("missing")));
    }

    void migratesFromVersion1WithBackup()
    {
        qint64 convId = 0;
        {
            Database v1(dbPath(), 1);
            QCOMPARE(v1.schemaVersion(), 1);
            execSql(v1.handle(), "INSERT INTO conversations (title, created_at, updated_at) VALUES ('old', 1, 1);"
                                 "INSERT INTO messages (conversation_id, role, content, created_at) "
                                 "VALUES (1, 'user', 'kept across the upgrade', 1);");
            convId = 1;
        }
        ConversationStore store(dbPath());
        QCOMPARE(store.database().schemaVersion(), Database::latestSchemaVersion());
        QVERIFY(!store.database().backupPath().isEmpty());
        QVERIFY(QFile::exists(store.database().backupPath()));
        QCOMPARE(Database(store.database().backupPath(), 1).schemaVersion(), 1); // backup is the old file
        QCOMPARE(store.messages(convId).size(), 1);
        QCOMPARE(store.search(QStringLiteral("upgrade")).size(), 1); // index built for old rows
    }

    void refusesNewerSchema()
    {
        {
            ConversationStore store(dbPath());
            execSql(store.database().handle(), "PRAGMA user_version = 99");
        }
        QVERIFY_THROWS_EXCEPTION(StorageError, ConversationStore{dbPath()});
        QVERIFY(QFile::exists(dbPath())); // nothing lost
    }

    void corruptFileIsMovedAside_data()
    {
        QTest::addColumn<QByteArray>("content");
        QTest::newRow("text file") << QByteArray("this is not a database at all\n").repeated(200);
        QByteArray header("SQLite format 3");
        header.append('\0');
        QTest::newRow("damaged sqlite") << header + QByteArray(8192, '\xff');
    }

    void corruptFileIsMovedAside()
    {
        QFETCH(QByteArray, content);
        QFile f(dbPath());
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(content);
        f.close();
        ConversationStore store(dbPath());
        const QString aside = store.database().movedAsideTo();
        QVERIFY(!aside.isEmpty());
        QFile moved(aside);
        QVERIFY(moved.open(QIODevice::ReadOnly));
        QCOMPARE(moved.readAll(), content); // moved, never deleted or changed
        QVERIFY(store.conversations().isEmpty());
        store.createConversation(QStringLiteral("fresh start"));
        QCOMPARE(store.conversations().size(), 1);
    }

    void exportAndImport()
    {
        ConversationStore store(dbPath());
        const auto c = store.createConversation(QStringLiteral("Trip"), QStringLiteral("Be brief."),
                                                QJsonObject{{QStringLiteral("temperature"), 0.3}});
        const auto u = store.addMessage(c.id, 0, QStringLiteral("user"), QStringLiteral("Where to?"));
        const auto a1 = store.addMessage(c.id, u.id, QStringLiteral("assistant"), QStringLiteral("Lisbon"));
        store.updateMessage(a1.id, a1.content, QStringLiteral("thought about it"), MessageStatus::Complete,
                            QJsonObject{{QStringLiteral("generated_tokens"), 2}});
        store.addMessage(c.id, u.id, QStringLiteral("assistant"), QStringLiteral("Porto")); // second branch

        const QByteArray md = exportMarkdown(store, c.id);
        QVERIFY(md.contains("# Trip"));
        QVERIFY(md.contains("Porto"));   // the selected branch
        QVERIFY(!md.contains("Lisbon")); // not the other one

        const Conversation copy = importJson(store, exportJson(store, c.id));
        QVERIFY(copy.id != c.id);
        QCOMPARE(copy.title, QStringLiteral("Trip"));
        QCOMPARE(copy.systemPrompt, QStringLiteral("Be brief."));
        QCOMPARE(copy.settings.value(QStringLiteral("temperature")).toDouble(), 0.3);
        const QList<Message> all = store.messages(copy.id);
        QCOMPARE(all.size(), 3);
        QCOMPARE(all[1].parentId, all[0].id);
        QCOMPARE(all[2].parentId, all[0].id);
        QCOMPARE(all[1].reasoning, QStringLiteral("thought about it"));
        QCOMPARE(all[1].stats.value(QStringLiteral("generated_tokens")).toInt(), 2);

        QVERIFY_THROWS_EXCEPTION(StorageError, importJson(store, "not json"));
        QVERIFY_THROWS_EXCEPTION(StorageError, importJson(store, R"({"format": "something else"})"));
        const int before = int(store.conversations().size());
        QVERIFY_THROWS_EXCEPTION(StorageError,
                                 importJson(store, R"({"format": "enclave-conversation", "version": 1, "title": "x",
                                   "messages": [{"id": 2, "parent_id": 9, "role": "user", "content": "orphan"}]})"));
        QCOMPARE(int(store.conversations().size()), before); // nothing half-imported

        const QString target = m_dir->filePath(QStringLiteral("trip.json"));
        writeFileAtomically(target, exportJson(store, c.id));
        QVERIFY(QFile::exists(target));
        QVERIFY_THROWS_EXCEPTION(StorageError, writeFileAtomically(QStringLiteral("/proc/no/such/dir/x.md"), md));
    }

    void survivesSigkillMidWrite()
    {
        QProcess writer;
        writer.start(QStringLiteral(CRASH_WRITER_PATH), {dbPath()});
        QVERIFY(writer.waitForStarted());
        QList<qint64> committed;
        QByteArray pending;
        while (committed.size() < 150 && writer.waitForReadyRead(10000)) {
            pending += writer.readAllStandardOutput();
            while (pending.contains('\n')) {
                const int nl = pending.indexOf('\n');
                const QByteArray line = pending.left(nl);
                pending.remove(0, nl + 1);
                if (line.startsWith("committed "))
                    committed << line.mid(10).toLongLong();
            }
        }
        ::kill(pid_t(writer.processId()), SIGKILL);
        writer.waitForFinished();
        QVERIFY(committed.size() >= 150);

        ConversationStore store(dbPath());
        QVERIFY(store.database().movedAsideTo().isEmpty());
        Statement check(store.database().handle(), "PRAGMA integrity_check");
        QVERIFY(check.step());
        QCOMPARE(check.text(0), QStringLiteral("ok"));
        for (qint64 id : committed) {
            const auto m = store.message(id);
            QVERIFY2(m.has_value(), qPrintable(QStringLiteral("lost committed message %1").arg(id)));
            QVERIFY(m->content.endsWith(QStringLiteral(" edited")));
        }
    }
};

QTEST_GUILESS_MAIN(TestConversationStore)
#include "tst_conversation_store.moc"
