// End to end on the real main window (offscreen): create a conversation by sending a
// message, restart on the same data folder and find it again; import a bad file and see
// the error; and the executable's --version / --help.
#include "app/app_context.h"
#include "app/qml_modules.h"
#include "tests/app/running_app.h"

#include <QClipboard>
#include <QFile>
#include <QGuiApplication>
#include <QProcess>
#include <QQmlApplicationEngine>
#include <QQuickItem>
#include <QQuickStyle>
#include <QQuickWindow>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

#include <functional>

using enclave::app::AppContext;
using enclave::test::RunningApp;

namespace {

// The item named `name` among the visual descendants of `root` (popups included, which
// findChild does not reach through their scroll views).
QQuickItem *findItem(QQuickItem *root, const QString &name)
{
    if (!root)
        return nullptr;
    if (root->objectName() == name)
        return root;
    for (QQuickItem *child : root->childItems())
        if (QQuickItem *found = findItem(child, name))
            return found;
    return nullptr;
}

} // namespace

class TestMainWindow : public QObject {
    Q_OBJECT
private slots:
    void initTestCase()
    {
        QQuickStyle::setStyle(QStringLiteral("Basic"));
        enclave::app::linkQmlModules();
    }

    void messageSurvivesRestart()
    {
        QTemporaryDir dir;
        {
            RunningApp app(dir.path());
            QVERIFY(app.window());
            QTRY_VERIFY(app.context.ready());
            QVERIFY(app.find<QQuickItem>("noModelBanner")->isVisible());
            // A newcomer learns where models come from: offline, in plain words.
            const QString hint = app.find<QQuickItem>("bannerDetail")->property("text").toString();
            QVERIFY2(hint.contains(QStringLiteral(".gguf")) && hint.contains(QStringLiteral("drop it")), qPrintable(hint));

            // The message box has the focus at launch: typing goes there without a click.
            auto *input = app.find<QQuickItem>("composerInput");
            QVERIFY(input);
            QTRY_VERIFY(input->hasActiveFocus());
            for (char c : QByteArrayLiteral("Remember the blue notebook"))
                QTest::keyClick(app.window(), c);
            QTest::keyClick(app.window(), Qt::Key_Return);
            QTRY_COMPARE(app.context.chat()->messages()->rowCount(), 1);
            QTRY_COMPARE(app.context.conversations()->rowCount(), 1);
            QCOMPARE(app.context.chat()->title(), QStringLiteral("Remember the blue notebook"));
            QCOMPARE(input->property("text").toString(), QString());
            QTRY_COMPARE(app.find<QQuickItem>("messageList")->property("count").toInt(), 1);
            app.context.setTheme(QStringLiteral("dark"));
            app.context.setFontSize(16);
        }
        {
            RunningApp app(dir.path());
            QTRY_COMPARE(app.context.theme(), QStringLiteral("dark")); // settings survive the restart
            QCOMPARE(app.context.fontSize(), 16);
            QTRY_COMPARE(app.context.conversations()->rowCount(), 1);
            const QModelIndex first = app.context.conversations()->index(0);
            QCOMPARE(first.data(enclave::app::ConversationListModel::TitleRole).toString(),
                     QStringLiteral("Remember the blue notebook"));
            // Search finds it, then opening the hit shows the message.
            app.context.conversations()->setSearchQuery(QStringLiteral("notebo"));
            QTRY_COMPARE(app.context.conversations()->rowCount(), 1);
            const QModelIndex hit = app.context.conversations()->index(0);
            app.context.chat()->openConversation(hit.data(enclave::app::ConversationListModel::IdRole).toLongLong(),
                                                 hit.data(enclave::app::ConversationListModel::TitleRole).toString(),
                                                 hit.data(enclave::app::ConversationListModel::MessageIdRole).toLongLong());
            QTRY_COMPARE(app.context.chat()->messages()->rowCount(), 1);
            QCOMPARE(app.context.chat()->messages()->index(0).data(enclave::app::MessageModel::ContentRole).toString(),
                     QStringLiteral("Remember the blue notebook"));
            QTRY_COMPARE(app.find<QQuickItem>("messageList")->property("count").toInt(), 1);

            // Export to Markdown and JSON, import the JSON back as a second conversation.
            app.context.conversations()->setSearchQuery(QString());
            const qint64 id = app.context.chat()->conversationId();
            const QString md = dir.filePath(QStringLiteral("notebook.md")), json = dir.filePath(QStringLiteral("notebook.json"));
            app.context.conversations()->exportTo(id, QUrl::fromLocalFile(md), QStringLiteral("markdown"));
            app.context.conversations()->exportTo(id, QUrl::fromLocalFile(json), QStringLiteral("json"));
            QTRY_VERIFY(QFile::exists(md) && QFile::exists(json));
            QFile exported(md);
            QVERIFY(exported.open(QIODevice::ReadOnly));
            QVERIFY(exported.readAll().contains("Remember the blue notebook"));
            app.context.conversations()->importFrom(QUrl::fromLocalFile(json));
            QTRY_COMPARE(app.context.conversations()->rowCount(), 2);
            QTRY_VERIFY(app.context.chat()->conversationId() != id); // the imported copy is opened
            QTRY_COMPARE(app.context.chat()->messages()->rowCount(), 1);
        }
    }

    // Ctrl+N, Ctrl+F and Ctrl+Shift+C on the real window (Enter/Shift+Enter: tst_composer; Esc:
    // importAndChat, which needs a model to stop).
    void keyboardShortcuts()
    {
        QTemporaryDir dir;
        RunningApp app(dir.path());
        QTRY_VERIFY(app.context.ready());
        auto *chat = app.context.chat();
        QVERIFY(chat->sendMessage(QStringLiteral("Question")));
        QTRY_COMPARE(chat->messages()->rowCount(), 1);
        // An answer as the engine would have stored it.
        emit chat->addMessageRequested(chat->conversationId(), chat->messages()->lastId(), QStringLiteral("assistant"),
                                       QStringLiteral("The **answer**"), QStringLiteral("complete"), {});
        QTRY_COMPARE(chat->messages()->rowCount(), 2);
        QGuiApplication::clipboard()->clear();
        QTest::keyClick(app.window(), Qt::Key_C, Qt::ControlModifier | Qt::ShiftModifier);
        QTRY_COMPARE(QGuiApplication::clipboard()->text(), QStringLiteral("The **answer**"));

        QTest::keyClick(app.window(), Qt::Key_F, Qt::ControlModifier);
        QTRY_VERIFY(app.find<QQuickItem>("searchField")->hasActiveFocus());
        QTest::keyClick(app.window(), Qt::Key_N, Qt::ControlModifier);
        QTRY_COMPARE(chat->conversationId(), 0);
        QTRY_VERIFY(app.find<QQuickItem>("composerInput")->hasActiveFocus());
        QCOMPARE(app.find<QQuickItem>("messageList")->property("count").toInt(), 0);
    }

    // Deleting a message takes its replies with it, and stays deleted after a restart.
    void deleteMessagePersists()
    {
        QTemporaryDir dir;
        {
            RunningApp app(dir.path());
            QTRY_VERIFY(app.context.ready());
            auto *chat = app.context.chat();
            int sent = 0;
            for (const char *text : {"first", "second", "third"}) {
                QVERIFY(chat->sendMessage(QString::fromLatin1(text)));
                ++sent;
                QTRY_COMPARE(chat->messages()->rowCount(), sent);
            }
            app.context.conversations()->setSearchQuery(QStringLiteral("first"));
            QTRY_COMPARE(app.context.conversations()->rowCount(), 1);
            chat->deleteMessage(chat->messages()->index(1).data(enclave::app::MessageModel::IdRole).toLongLong());
            QTRY_COMPARE(chat->messages()->rowCount(), 1);
            QCOMPARE(chat->messages()->index(0).data(enclave::app::MessageModel::ContentRole).toString(), QStringLiteral("first"));
            app.context.conversations()->setSearchQuery(QStringLiteral("third")); // the reply went too
            QTRY_COMPARE(app.context.conversations()->rowCount(), 0);
        }
        {
            RunningApp app(dir.path());
            QTRY_COMPARE(app.context.chat()->messages()->rowCount(), 1);
        }
    }

    // Clicking a search hit opens its conversation, scrolls to the message and lights it up
    // for a moment.
    void searchHitJumpsToMessage()
    {
        QTemporaryDir dir;
        RunningApp app(dir.path());
        QTRY_VERIFY(app.context.ready());
        auto *chat = app.context.chat();
        QVERIFY(chat->sendMessage(QStringLiteral("The needle is here")));
        QTRY_COMPARE(chat->messages()->rowCount(), 1);
        for (int i = 0; i < 25; ++i) { // enough rows that the first is far out of view
            QVERIFY(chat->sendMessage(QStringLiteral("Filler %1\nwith a second line\nand a third").arg(i)));
            QTRY_COMPARE(chat->messages()->rowCount(), i + 2);
        }
        const qint64 needle = chat->messages()->index(0).data(enclave::app::MessageModel::IdRole).toLongLong();
        auto *messageList = app.find<QQuickItem>("messageList");
        QTRY_VERIFY(!messageList->property("atYBeginning").toBool()); // at the newest message
        chat->newConversation();

        app.context.conversations()->setSearchQuery(QStringLiteral("needle"));
        QTRY_COMPARE(app.context.conversations()->rowCount(), 1);
        auto *list = app.find<QQuickItem>("sidebar")->findChild<QQuickItem *>(QStringLiteral("conversationList"));
        QQuickItem *hit = nullptr;
        QTRY_VERIFY(QMetaObject::invokeMethod(list, "itemAtIndex", Q_RETURN_ARG(QQuickItem *, hit), Q_ARG(int, 0)) && hit);
        QTest::mouseClick(app.window(), Qt::LeftButton, {},
                          hit->mapToScene(QPointF(hit->width() / 2, hit->height() / 2)).toPoint());
        auto *pane = app.find<QQuickItem>("chatPane");
        QTRY_COMPARE(chat->messages()->rowCount(), 26);
        QCOMPARE(pane->property("flashedMessageId").toLongLong(), needle);
        // The hit's bubble is in view and highlighted.
        QQuickItem *bubble = nullptr;
        QTRY_VERIFY(QMetaObject::invokeMethod(messageList, "itemAtIndex", Q_RETURN_ARG(QQuickItem *, bubble), Q_ARG(int, 0)) && bubble);
        QTRY_VERIFY(bubble->property("highlighted").toBool());
        const QRectF inList = bubble->mapRectToItem(messageList, QRectF(0, 0, bubble->width(), bubble->height()));
        QVERIFY2(inList.bottom() > 0 && inList.top() < messageList->height(), "the message is scrolled into view");
        // ...briefly.
        QTRY_VERIFY_WITH_TIMEOUT(!bubble->property("highlighted").toBool(), 5000);
        QCOMPARE(pane->property("flashedMessageId").toLongLong(), 0);
    }

    // App-wide settings survive a restart and reach what uses them.
    void settingsPersist()
    {
        QTemporaryDir dir;
        {
            RunningApp app(dir.path());
            QTRY_VERIFY(app.context.ready());
            QCOMPARE(app.context.vramBudgetMiB(), 0); // automatic
            QVERIFY(!app.context.useGpu());             // the CPU unless asked
            QCOMPARE(app.context.modelLoadOptions().value(QStringLiteral("use_gpu")).toBool(), false);
            app.context.setVramBudgetMiB(6144);
            app.context.setUseGpu(true);
            QVariantMap defaults = app.context.generationDefaults();
            defaults.insert(QStringLiteral("temperature"), 0.25);
            defaults.insert(QStringLiteral("context_length"), 2048);
            app.context.setGenerationDefaults(defaults);
            app.context.setDefaultSystemPrompt(QStringLiteral("You are terse."));
            QCOMPARE(app.context.modelLoadOptions().value(QStringLiteral("vram_budget_mib")).toInt(), 6144);
        }
        {
            RunningApp app(dir.path());
            QTRY_COMPARE(app.context.vramBudgetMiB(), 6144);
            QVERIFY(app.context.useGpu());
            QTRY_COMPARE(app.context.chat()->settings().value(QStringLiteral("temperature")).toDouble(), 0.25);
            QCOMPARE(app.context.chat()->systemPrompt(), QStringLiteral("You are terse."));
            const QJsonObject options = app.context.modelLoadOptions();
            QCOMPARE(options.value(QStringLiteral("vram_budget_mib")).toInt(), 6144);
            QCOMPARE(options.value(QStringLiteral("use_gpu")).toBool(), true);
            QCOMPARE(options.value(QStringLiteral("context_length")).toInt(), 2048);
            // The settings dialog shows the GPUs found, or says there are none.
            auto *dialog = app.find("appSettingsDialog");
            QVERIFY(QMetaObject::invokeMethod(dialog, "open"));
            QTRY_VERIFY(dialog->property("opened").toBool());
            auto *noGpu = findItem(qvariant_cast<QQuickItem *>(dialog->property("contentItem")), QStringLiteral("noGpuLabel"));
            QVERIFY(noGpu);
            QCOMPARE(noGpu->isVisible(), app.context.gpus().isEmpty());
            app.context.resetGenerationDefaults();
            QCOMPARE(app.context.chat()->settings().value(QStringLiteral("temperature")).toDouble(), 0.7);
            QCOMPARE(app.context.chat()->systemPrompt(), QString());
        }
    }

    void importDialogsOpen()
    {
        QTemporaryDir dir;
        RunningApp app(dir.path());
        QVERIFY(app.window());
        for (const char *name : {"importDialog", "folderDialog"}) {
            QObject *dialog = app.find(name);
            QVERIFY2(dialog, name);
            QVERIFY(QMetaObject::invokeMethod(dialog, "open"));
            QTRY_VERIFY(dialog->property("visible").toBool());
            QVERIFY(QMetaObject::invokeMethod(dialog, "close"));
            QTRY_VERIFY(!dialog->property("visible").toBool());
        }
    }

    void badModelFileShowsError()
    {
        QTemporaryDir dir;
        const QString bogus = dir.filePath(QStringLiteral("not-a-model.gguf"));
        QFile f(bogus);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write("GGUF\x03\x00\x00\x00 truncated");
        f.close();
        RunningApp app(dir.filePath(QStringLiteral("data")));
        QVERIFY(app.window());
        QTRY_VERIFY(app.context.ready());
        app.context.library()->importModel(QUrl::fromLocalFile(bogus));
        QTRY_VERIFY(!app.context.library()->importError().isEmpty());
        QVERIFY2(app.context.library()->importError().contains(QStringLiteral("not-a-model.gguf")),
                 qPrintable(app.context.library()->importError()));
        QCOMPARE(app.context.library()->rowCount(), 0);
        auto *banner = app.find<QQuickItem>("noModelBanner");
        QVERIFY(banner);
        auto *title = banner->findChild<QObject *>(QStringLiteral("bannerTitle"));
        QCOMPARE(title->property("text").toString(), QStringLiteral("This model could not be imported"));
    }

    // Import a reference model through the dialog's code path, chat with it, stop an answer
    // mid-way, restart, and find both answers again.
    void importAndChat()
    {
        const QString modelPath = QStringLiteral(ENCLAVE_REFPACK_DIR "/models/qwen3_moe/gguf/qwen3_moe-q8_0.gguf");
        if (!QFile::exists(modelPath))
            QSKIP("reference pack not found beside the clone");
        QTemporaryDir dir;
        qint64 conversation = 0;
        {
            RunningApp app(dir.path());
            QTRY_VERIFY(app.context.ready());
            app.context.setVramBudgetMiB(512); // carried to the engine worker with the load
            app.context.library()->importModel(QUrl::fromLocalFile(modelPath));
            QTRY_VERIFY_WITH_TIMEOUT(app.context.modelLoaded(), 20000);
            QCOMPARE(app.context.modelInfo().value(QStringLiteral("vram_budget_mib")).toInt(), 512);
            QCOMPARE(app.context.library()->rowCount(), 1);
            QVERIFY(!app.find<QQuickItem>("noModelBanner")->isVisible());

            auto *chat = app.context.chat();
            // An answer may start and end between two polls: count the transitions instead.
            QSignalSpy transitions(chat, &enclave::app::ChatController::generatingChanged);
            const auto waitForAnswer = [&] {
                QTRY_VERIFY_WITH_TIMEOUT(transitions.count() >= 2 && !chat->generating(), 60000);
                transitions.clear();
            };
            QVERIFY(chat->sendMessage(QStringLiteral("Hi! 你好")));
            waitForAnswer();
            QCOMPARE(chat->messages()->rowCount(), 2);
            QTRY_VERIFY(chat->contextTokens() > 0); // the meter knows how full the context is
            QVERIFY(chat->contextCapacity() >= chat->contextTokens());
            QTRY_VERIFY(app.find<QQuickItem>("contextMeter")->isVisible());
            const QModelIndex answer = chat->messages()->index(1);
            QCOMPARE(answer.data(enclave::app::MessageModel::RoleRole).toString(), QStringLiteral("assistant"));
            QCOMPARE(answer.data(enclave::app::MessageModel::StatusRole).toString(), QStringLiteral("complete"));
            // The answer records the model and the settings that produced it.
            const QVariantMap record = answer.data(enclave::app::MessageModel::GenerationRole).toMap();
            QCOMPARE(record.value(QStringLiteral("model")).toString(), app.context.modelName());
            QCOMPARE(record.value(QStringLiteral("max_tokens")).toInt(), 1024);
            QGuiApplication::clipboard()->clear();
            QTest::keyClick(app.window(), Qt::Key_C, Qt::ControlModifier | Qt::ShiftModifier);
            QTRY_COMPARE(QGuiApplication::clipboard()->text(), answer.data(enclave::app::MessageModel::ContentRole).toString());
            conversation = chat->conversationId();

            // Conversation settings reach the engine: a five-token limit bounds the next answer.
            QVariantMap options = chat->settings();
            QCOMPARE(options.value(QStringLiteral("max_tokens")).toInt(), 1024);
            options.insert(QStringLiteral("max_tokens"), 5);
            options.insert(QStringLiteral("temperature"), 0.0);
            chat->saveOptions(QStringLiteral("Answer in one word."), options);
            chat->regenerate(chat->messages()->index(1).data(enclave::app::MessageModel::IdRole).toLongLong());
            waitForAnswer();
            const QVariantMap limited = chat->messages()->index(1).data(enclave::app::MessageModel::StatsRole).toMap();
            QVERIFY(limited.value(QStringLiteral("generated_tokens")).toInt() <= 5);
            options.insert(QStringLiteral("max_tokens"), 1024);
            chat->saveOptions(QStringLiteral("Answer in one word."), options);

            // Stop the second answer as soon as it streams.
            QSignalSpy deltas(chat->messages(), &QAbstractItemModel::dataChanged);
            QVERIFY(chat->sendMessage(QStringLiteral("Tell me more")));
            QTRY_VERIFY(transitions.count() >= 1);
            QTRY_VERIFY_WITH_TIMEOUT(deltas.count() > 0 || !chat->generating(), 30000);
            QTest::keyClick(app.window(), Qt::Key_Escape); // Esc stops
            waitForAnswer();
            QCOMPARE(chat->messages()->rowCount(), 4);
            const QModelIndex stopped = chat->messages()->index(3);
            QVERIFY(stopped.data(enclave::app::MessageModel::StatsRole).toMap().contains(QStringLiteral("end_reason")));

            // Regenerate the last answer: a second version beside the first.
            using MM = enclave::app::MessageModel;
            const qint64 firstVersion = chat->messages()->index(3).data(MM::IdRole).toLongLong();
            chat->regenerate(firstVersion);
            waitForAnswer();
            QCOMPARE(chat->messages()->rowCount(), 4);
            QCOMPARE(chat->messages()->index(3).data(MM::BranchCountRole).toInt(), 2);
            QCOMPARE(chat->messages()->index(3).data(MM::BranchIndexRole).toInt(), 2);
            chat->switchBranch(chat->messages()->index(3).data(MM::IdRole).toLongLong(), -1);
            QTRY_COMPARE(chat->messages()->index(3).data(MM::IdRole).toLongLong(), firstVersion);

            // Edit the first question: a new branch from the start, answered again.
            chat->editMessage(chat->messages()->index(0).data(MM::IdRole).toLongLong(), QStringLiteral("Hello again"));
            waitForAnswer();
            QCOMPARE(chat->messages()->rowCount(), 2);
            QCOMPARE(chat->messages()->index(0).data(MM::ContentRole).toString(), QStringLiteral("Hello again"));
            QCOMPARE(chat->messages()->index(0).data(MM::BranchCountRole).toInt(), 2);
            chat->switchBranch(chat->messages()->index(0).data(MM::IdRole).toLongLong(), -1);
            QTRY_COMPARE(chat->messages()->rowCount(), 4); // back on the first branch, its newest replies
        }
        {
            RunningApp app(dir.path());
            QTRY_VERIFY_WITH_TIMEOUT(app.context.modelLoaded(), 20000); // the last model comes back
            QTRY_COMPARE(app.context.chat()->conversationId(), conversation);
            QTRY_COMPARE(app.context.chat()->messages()->rowCount(), 4); // the branch selected last
            const QModelIndex last = app.context.chat()->messages()->index(3);
            QCOMPARE(last.data(enclave::app::MessageModel::StatusRole).toString(), QStringLiteral("complete"));
            QCOMPARE(last.data(enclave::app::MessageModel::BranchCountRole).toInt(), 2);
            // Unloading frees the model and keeps the conversation; loading brings it back.
            const qint64 modelId = app.context.loadedModelId();
            app.context.unloadModel();
            QTRY_VERIFY(!app.context.modelLoaded());
            QCOMPARE(app.context.loadedModelId(), qint64(0));
            QCOMPARE(app.context.chat()->messages()->rowCount(), 4);
            app.context.loadModel(modelId);
            QTRY_VERIFY_WITH_TIMEOUT(app.context.modelLoaded(), 20000);
            QCOMPARE(app.context.loadedModelId(), modelId);
            // Remove asks first; removing the loaded model unloads it; the user's file stays.
            auto *models = app.find<QObject>("modelsDialog");
            QVERIFY(QMetaObject::invokeMethod(models, "open"));
            // The rows are delegates of the dialog's list: found through the visual item tree.
            const std::function<QQuickItem *(QQuickItem *)> findRemove = [&](QQuickItem *item) -> QQuickItem * {
                if (!item)
                    return nullptr;
                if (item->objectName() == QLatin1String("removeModelButton"))
                    return item;
                for (QQuickItem *child : item->childItems())
                    if (QQuickItem *found = findRemove(child))
                        return found;
                return nullptr;
            };
            const auto contentOf = [&] { return models->property("contentItem").value<QQuickItem *>(); };
            QTRY_VERIFY(findRemove(contentOf()));
            auto *remove = findRemove(contentOf());
            QMetaObject::invokeMethod(remove, "clicked");
            auto *confirm = app.find<QObject>("confirmRemoveDialog");
            QTRY_VERIFY(confirm->property("visible").toBool());
            QVERIFY(confirm->findChild<QObject *>(QStringLiteral("confirmMessage"))->property("text").toString().contains(QStringLiteral("unloaded first")));
            QCOMPARE(app.context.library()->rowCount(), 1); // nothing happens before the answer
            QMetaObject::invokeMethod(confirm, "accept");
            QTRY_VERIFY(!app.context.modelLoaded());
            QTRY_COMPARE(app.context.library()->rowCount(), 0);
            QVERIFY(QFile::exists(modelPath));
            QTRY_COMPARE(app.context.chat()->systemPrompt(), QStringLiteral("Answer in one word."));
            QCOMPARE(app.context.chat()->settings().value(QStringLiteral("temperature")).toDouble(), 0.0);
        }
    }

    void commandLine()
    {
        QProcess p;
        QProcessEnvironment noDisplay = QProcessEnvironment::systemEnvironment();
        for (const char *name : {"DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"})
            noDisplay.remove(QLatin1String(name));
        p.setProcessEnvironment(noDisplay); // --version and --help need no display
        p.start(QStringLiteral(ENCLAVE_BINARY), {QStringLiteral("--version")});
        QVERIFY(p.waitForFinished(20000));
        QCOMPARE(p.exitCode(), 0);
        QVERIFY(p.readAllStandardOutput().contains(ENCLAVE_VERSION));
        p.start(QStringLiteral(ENCLAVE_BINARY), {QStringLiteral("--help")});
        QVERIFY(p.waitForFinished(20000));
        const QByteArray help = p.readAllStandardOutput();
        QVERIFY(help.contains("--data-dir"));
        QVERIFY(help.contains("--version"));
    }
};

QTEST_MAIN(TestMainWindow)
#include "tst_main_window.moc"
