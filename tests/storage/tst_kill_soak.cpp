// SIGKILL while an answer streams, again and again on one data folder: after every kill the
// database opens where it is (never moved aside), passes its integrity check, and holds every
// message whose transaction committed, with at least the tokens that were stored. Rounds:
// ENCLAVE_KILL_ROUNDS (CI runs 25; a soak runs 100 or more).
#include "storage/conversation_store.h"
#include "storage/sqlite_handle.h"

#include <QProcess>
#include <QRandomGenerator>
#include <QTemporaryDir>
#include <QTest>

#include <csignal>
#include <map>

using namespace enclave::storage;

class TestKillSoak : public QObject {
    Q_OBJECT

    // What the writer said it made durable: the message ids completed, and tokens per streamed answer.
    struct Durable {
        std::map<qint64, bool> completed;
        std::map<qint64, int> streamedTokens;
    };

    // Runs crash_writer for a random moment, kills it, and adds what it reported to `durable`.
    static void runAndKill(const QString &db, QRandomGenerator &rng, Durable &durable)
    {
        QProcess writer;
        writer.start(QStringLiteral(CRASH_WRITER_PATH), {db, QStringLiteral("stream")});
        QVERIFY(writer.waitForStarted());
        const int killAfterLines = int(rng.bounded(1, 120));
        QByteArray pending;
        int lines = 0;
        while (lines < killAfterLines && writer.waitForReadyRead(10000)) {
            pending += writer.readAllStandardOutput();
            for (qsizetype nl; (nl = pending.indexOf('\n')) >= 0; pending.remove(0, nl + 1), ++lines) {
                const QList<QByteArray> words = pending.left(nl).split(' ');
                if (words[0] == "committed")
                    durable.completed[words[1].toLongLong()] = true;
                else if (words[0] == "streamed")
                    durable.streamedTokens[words[1].toLongLong()] = words[2].toInt();
            }
        }
        QTest::qSleep(int(rng.bounded(0, 3))); // between transactions, or in the middle of one
        ::kill(pid_t(writer.processId()), SIGKILL);
        writer.waitForFinished();
    }

    static void verify(const QString &db, const Durable &durable)
    {
        ConversationStore store(db);
        QVERIFY(store.database().movedAsideTo().isEmpty());
        QVERIFY(!store.database().isReadOnly());
        Statement check(store.database().handle(), "PRAGMA integrity_check");
        QVERIFY(check.step());
        QCOMPARE(check.text(0), QStringLiteral("ok"));
        for (const auto &[id, done] : durable.completed) {
            const auto m = store.message(id);
            QVERIFY2(m.has_value(), qPrintable(QStringLiteral("lost committed message %1").arg(id)));
            QVERIFY2(m->content.endsWith(QStringLiteral("edited")), qPrintable(m->content));
        }
        for (const auto &[id, tokens] : durable.streamedTokens) {
            const auto m = store.message(id);
            QVERIFY2(m.has_value(), qPrintable(QStringLiteral("lost streamed answer %1").arg(id)));
            QVERIFY2(m->content.count(QStringLiteral("tok")) >= tokens,
                     qPrintable(QStringLiteral("answer %1 lost stored tokens: %2").arg(id).arg(m->content)));
        }
    }

private slots:
    void killedWhileStreamingLosesNothing()
    {
        QTemporaryDir dir;
        const QString db = dir.filePath(QStringLiteral("enclave.db"));
        const int rounds = qEnvironmentVariableIsSet("ENCLAVE_KILL_ROUNDS")
                               ? qEnvironmentVariableIntValue("ENCLAVE_KILL_ROUNDS") : 25;
        QRandomGenerator rng(20261207);
        Durable durable;
        for (int round = 0; round < rounds; ++round) {
            runAndKill(db, rng, durable);
            verify(db, durable);
            if (QTest::currentTestFailed())
                QFAIL(qPrintable(QStringLiteral("after kill %1 of %2").arg(round + 1).arg(rounds)));
        }
        qInfo("%d kills: 0 corrupt databases, %zu completed and %zu streamed messages all present", rounds,
              durable.completed.size(), durable.streamedTokens.size());
    }
};

QTEST_GUILESS_MAIN(TestKillSoak)
#include "tst_kill_soak.moc"
