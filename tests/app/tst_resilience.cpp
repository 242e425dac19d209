// The app when the disk or a model lets it down, end to end on the real window (offscreen):
// a full disk at start (FullDiskVfs) shows the read-only banner and keeps every conversation;
// a full disk while sending gives the text back to the composer; a model whose load crashed
// the app is not loaded again at start; the data folder is private; log lines reach the file
// at once.
#include "app/logging.h"
#include "app/model_load_marker.h"
#include "app/qml_modules.h"
#include "storage/conversation_store.h"
#include "tests/app/running_app.h"
#include "tests/support/full_disk_vfs.h"

#include <QDir>
#include <QFile>
#include <QQuickItem>
#include <QQuickStyle>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

#include <sys/stat.h>

using enclave::app::AppContext;
using enclave::app::ModelLoadMarker;
using enclave::storage::ConversationStore;
using enclave::test::FullDiskVfs;
using enclave::test::RunningApp;

namespace {

mode_t modeOf(const QString &path)
{
    struct stat st {};
    return ::stat(QFile::encodeName(path).constData(), &st) == 0 ? st.st_mode & 0777 : 0;
}

void type(QQuickWindow *window, const QByteArray &text)
{
    for (char c : text)
        QTest::keyClick(window, c);
}

QString composerText(const RunningApp &app) { return app.find<QQuickItem>("composerInput")->property("text").toString(); }

} // namespace

class TestResilience : public QObject {
    Q_OBJECT
private slots:
    void initTestCase()
    {
        QQuickStyle::setStyle(QStringLiteral("Basic"));
        enclave::app::linkQmlModules();
        FullDiskVfs::install();
    }
    void cleanup() { FullDiskVfs::setFull(false); }

    void fullDiskAtStartOpensReadOnly()
    {
        QTemporaryDir dir;
        {
            ConversationStore store(dir.filePath(QStringLiteral("enclave.db")));
            const auto c = store.createConversation(QStringLiteral("Notebook"));
            store.addMessage(c.id, 0, QStringLiteral("user"), QStringLiteral("Remember the blue notebook"));
        }
        FullDiskVfs::setFull(true);
        {
            RunningApp app(dir.path());
            QTRY_VERIFY(app.context.ready());
            QVERIFY(app.context.readOnly());
            QVERIFY2(app.context.readOnlyReason().startsWith(QStringLiteral("The disk is full")),
                     qPrintable(app.context.readOnlyReason()));
            QTRY_COMPARE(app.context.conversations()->rowCount(), 1);    // everything is still there
            QTRY_COMPARE(app.context.chat()->messages()->rowCount(), 1); // the last conversation reopens
            QVERIFY(app.find<QQuickItem>("storageBanner")->isVisible());
            QVERIFY(!app.find<QQuickItem>("composer")->property("canSend").toBool());
            QVERIFY(app.context.notice().isEmpty()); // no failed write at start
        }
        QVERIFY(QDir(dir.path()).entryList({QStringLiteral("*.corrupt-*")}, QDir::Files).isEmpty());
        FullDiskVfs::setFull(false);
        RunningApp app(dir.path());
        QTRY_VERIFY(app.context.ready());
        QVERIFY(!app.context.readOnly());
        QTRY_COMPARE(app.context.chat()->messages()->rowCount(), 1);
        QVERIFY(!app.find<QQuickItem>("storageBanner")->isVisible());
    }

    void fullDiskWhileSendingKeepsTheText()
    {
        QTemporaryDir dir;
        RunningApp app(dir.path());
        QTRY_VERIFY(app.context.ready());
        auto *chat = app.context.chat();
        app.find<QQuickItem>("composerInput")->forceActiveFocus();
        // The first message creates the conversation: refused as a whole, and given back.
        FullDiskVfs::setFull(true);
        type(app.window(), "Remember the blue notebook");
        QTest::keyClick(app.window(), Qt::Key_Return);
        QTRY_COMPARE(composerText(app), QStringLiteral("Remember the blue notebook"));
        QVERIFY2(chat->sendError().contains(QStringLiteral("the disk is full")), qPrintable(chat->sendError()));
        QTRY_VERIFY(app.find<QQuickItem>("sendErrorLabel")->isVisible());
        QVERIFY(!chat->busy());
        QCOMPARE(app.context.conversations()->rowCount(), 0);
        // With space again, Enter sends the same text.
        FullDiskVfs::setFull(false);
        QTest::keyClick(app.window(), Qt::Key_Return);
        QTRY_COMPARE(chat->messages()->rowCount(), 1);
        QCOMPARE(composerText(app), QString());
        QVERIFY(chat->sendError().isEmpty());
        // A second message in the open conversation: the same, and nothing half-stored.
        FullDiskVfs::setFull(true);
        type(app.window(), "Second thought");
        QTest::keyClick(app.window(), Qt::Key_Return);
        QTRY_COMPARE(composerText(app), QStringLiteral("Second thought"));
        QCOMPARE(chat->messages()->rowCount(), 1);
        FullDiskVfs::setFull(false);
        QTest::keyClick(app.window(), Qt::Key_Return);
        QTRY_COMPARE(chat->messages()->rowCount(), 2);
        QCOMPARE(composerText(app), QString());
    }

    void crashedModelLoadIsNotRepeated()
    {
        QTemporaryDir dir;
        const QString modelPath = dir.filePath(QStringLiteral("hostile.gguf"));
        QFile model(modelPath);
        QVERIFY(model.open(QIODevice::WriteOnly));
        model.write("GGUF, but not really a model");
        model.close();
        qint64 modelId = 0;
        {
            ConversationStore store(dir.filePath(QStringLiteral("enclave.db")));
            modelId = store.addModel(modelPath, QStringLiteral("gguf"), model.size(), QStringLiteral("x"), {}).id;
            store.touchModel(modelId); // the model used last: loaded at start
        }
        const ModelLoadMarker marker(dir.path());
        QVERIFY(marker.write({modelId, modelPath})); // what a start that crashed while loading it left
        {
            RunningApp app(dir.path());
            QSignalSpy loads(&app.context, &AppContext::engineLoadRequested);
            QTRY_VERIFY(!app.context.modelError().isEmpty());
            QVERIFY2(app.context.modelError().contains(QStringLiteral("closed unexpectedly while loading hostile")),
                     qPrintable(app.context.modelError()));
            QCOMPARE(loads.count(), 0);
            QVERIFY(!app.context.modelLoading());
            auto *banner = app.find<QQuickItem>("noModelBanner");
            QVERIFY(banner->isVisible());
            QVERIFY(banner->findChild<QObject *>(QStringLiteral("bannerDetail"))
                        ->property("text").toString().contains(QStringLiteral("Load it from Models")));
            QVERIFY(QFile::exists(marker.filePath())); // skipped at every start until a load ends
            // Loading it by hand writes the marker again; a load that ends (here: fails cleanly)
            // removes it.
            app.context.loadModel(modelId);
            QCOMPARE(loads.count(), 1);
            QTRY_VERIFY(!app.context.modelLoading());
            QVERIFY(!app.context.modelError().contains(QStringLiteral("closed unexpectedly")));
            QVERIFY(!QFile::exists(marker.filePath()));
        }
        // No marker: the model used last is loaded at start again.
        RunningApp app(dir.path());
        QSignalSpy loads(&app.context, &AppContext::engineLoadRequested);
        QTRY_COMPARE(loads.count(), 1);
        QTRY_VERIFY(!app.context.modelLoading());
        QVERIFY(!QFile::exists(marker.filePath()));
    }

    void dataFolderIsPrivate()
    {
        QTemporaryDir dir;
        const QString fresh = dir.filePath(QStringLiteral("fresh")), loose = dir.filePath(QStringLiteral("loose"));
        QVERIFY(QDir().mkpath(loose));
        ::chmod(QFile::encodeName(loose).constData(), 0755);
        for (const QString &folder : {fresh, loose}) {
            AppContext context(folder);
            QTRY_VERIFY(context.ready());
            QCOMPARE(modeOf(folder), mode_t(0700));
            QCOMPARE(modeOf(folder + QStringLiteral("/enclave.db")), mode_t(0600));
        }
    }

    // Last: it replaces the loggers (and Qt's message handler) of this process.
    void logLinesReachTheFileAtOnce()
    {
        QTemporaryDir dir;
        const QtMessageHandler testHandler = qInstallMessageHandler(nullptr);
        enclave::app::setupLogging(dir.path(), false);
        qInstallMessageHandler(testHandler);
        enclave::app::moduleLogger("app")->info("logLinesReachTheFileAtOnce: written before any crash");
        QFile log(dir.filePath(QStringLiteral("enclave.log")));
        QVERIFY(log.open(QIODevice::ReadOnly));
        QVERIFY(log.readAll().contains("written before any crash"));
    }
};

QTEST_MAIN(TestResilience)
#include "tst_resilience.moc"
