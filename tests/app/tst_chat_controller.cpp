// ChatController without threads: its requests are observed with QSignalSpy and the storage
// and engine answers are fed to its slots by hand. Covers the reasoning duration, app-wide
// defaults under conversation overrides, what each answer records, deleting messages, and a
// message the store refused (a full disk) coming back to the composer.
#include "app/chat_controller.h"

#include <QSignalSpy>
#include <QTest>

using enclave::app::ChatController;
using enclave::storage::Message;
using enclave::storage::MessageStatus;

namespace {
Message message(qint64 id, qint64 parent, const char *role, const QJsonObject &settings = {})
{
    Message m;
    m.id = id;
    m.conversationId = 1;
    m.parentId = parent;
    m.role = QString::fromLatin1(role);
    m.content = QStringLiteral("text %1").arg(id);
    m.status = m.role == QLatin1String("assistant") ? MessageStatus::Partial : MessageStatus::Complete;
    m.settings = settings;
    return m;
}

// A controller with conversation 1 open, a model ready, a question (1) and the placeholder
// of its answer (2) being generated.
struct Generating {
    Generating()
    {
        chat.setModelReady(true, QStringLiteral("Tiny-Q8"));
        chat.openConversation(1, QStringLiteral("Test"));
        chat.onMessageAdded(message(1, 0, "user"));
        const QList<QVariant> request = adds.takeLast();
        chat.onMessageAdded(message(2, 1, "assistant", request.at(5).toJsonObject()));
    }
    ChatController chat;
    QSignalSpy adds{&chat, &ChatController::addMessageRequested};
    QSignalSpy updates{&chat, &ChatController::updateMessageRequested};
    QSignalSpy generates{&chat, &ChatController::generateRequested};
};
} // namespace

class TestChatController : public QObject {
    Q_OBJECT
private slots:
    void reasoningDurationEndsAtTheFirstAnswerText()
    {
        Generating g;
        QCOMPARE(g.generates.count(), 1);
        g.chat.onReasoningDelta(2, QStringLiteral("Let me think"));
        const QVariantMap live = g.chat.messages()->index(1).data(enclave::app::MessageModel::StatsRole).toMap();
        QVERIFY(live.value(QStringLiteral("reasoning_started_at")).toLongLong() > 0); // the live "Thinking… n s"
        QTest::qWait(120);
        g.chat.onReasoningDelta(2, QStringLiteral(" more"));
        g.chat.onTextDelta(2, QStringLiteral("\n\n")); // blank lines before the answer do not end thinking
        QTest::qWait(30);
        g.chat.onTextDelta(2, QStringLiteral("The answer"));
        QTest::qWait(300);
        g.chat.onGenerationFinished(2, QStringLiteral("stop token"), {{QStringLiteral("generated_tokens"), 9}});
        const QJsonObject stats = g.updates.last().at(4).toJsonObject();
        const qint64 ms = stats.value(QStringLiteral("reasoning_ms")).toInteger(-1);
        QVERIFY2(ms >= 140 && ms < 420, qPrintable(QString::number(ms))); // stopped at the answer, not the end
        QCOMPARE(stats.value(QStringLiteral("generated_tokens")).toInt(), 9);
        QCOMPARE(g.chat.messages()->index(1).data(enclave::app::MessageModel::StatsRole).toMap()
                     .value(QStringLiteral("reasoning_ms")).toLongLong(), ms);
    }

    void reasoningWithoutAnswerLastsToTheEnd()
    {
        Generating g;
        g.chat.onReasoningDelta(2, QStringLiteral("Hmm"));
        QTest::qWait(100);
        g.chat.onGenerationFinished(2, QStringLiteral("cancelled"), {});
        QVERIFY(g.updates.last().at(4).toJsonObject().value(QStringLiteral("reasoning_ms")).toInteger() >= 100);
    }

    void noReasoningNoDuration()
    {
        Generating g;
        g.chat.onTextDelta(2, QStringLiteral("Direct"));
        g.chat.onGenerationFinished(2, QStringLiteral("stop token"), {});
        QVERIFY(!g.updates.last().at(4).toJsonObject().contains(QStringLiteral("reasoning_ms")));
    }

    void answerRecordsModelAndSettings()
    {
        ChatController chat;
        chat.setDefaults({{QStringLiteral("temperature"), 0.3}}, QStringLiteral("Be brief."));
        chat.setModelReady(true, QStringLiteral("Tiny-Q8"));
        chat.openConversation(1, QStringLiteral("Test"));
        QSignalSpy adds(&chat, &ChatController::addMessageRequested);
        QSignalSpy generates(&chat, &ChatController::generateRequested);
        chat.onMessageAdded(message(1, 0, "user"));
        QCOMPARE(adds.count(), 1);
        const QJsonObject record = adds.last().at(5).toJsonObject();
        QCOMPARE(record.value(QStringLiteral("model")).toString(), QStringLiteral("Tiny-Q8"));
        QCOMPARE(record.value(QStringLiteral("temperature")).toDouble(), 0.3);
        QCOMPARE(record.value(QStringLiteral("top_k")).toInt(), 40);
        QCOMPARE(record.value(QStringLiteral("system_prompt")).toString(), QStringLiteral("Be brief."));
        // The engine runs with exactly what the placeholder recorded, and the system prompt leads.
        chat.onMessageAdded(message(2, 1, "assistant", record));
        QCOMPARE(generates.last().at(2).toJsonObject(), record);
        const QJsonArray sent = generates.last().at(1).toJsonArray();
        QCOMPARE(sent.first().toObject().value(QStringLiteral("content")).toString(), QStringLiteral("Be brief."));
        QCOMPARE(chat.messages()->index(1).data(enclave::app::MessageModel::GenerationRole).toMap()
                     .value(QStringLiteral("model")).toString(), QStringLiteral("Tiny-Q8"));
    }

    void defaultsUnderOverrides()
    {
        ChatController chat;
        QCOMPARE(chat.settings().value(QStringLiteral("temperature")).toDouble(), 0.7); // built in
        chat.setDefaults({{QStringLiteral("temperature"), 0.2}, {QStringLiteral("max_tokens"), 64}}, {});
        chat.openConversation(1, QStringLiteral("Test"));
        QCOMPARE(chat.settings().value(QStringLiteral("temperature")).toDouble(), 0.2);
        QVERIFY(!chat.hasOverrides());
        QSignalSpy saves(&chat, &ChatController::optionsSaveRequested);
        // Saving every field keeps only what differs from the defaults as the override.
        QVariantMap edited = chat.settings();
        edited.insert(QStringLiteral("top_k"), 5);
        chat.saveOptions(QStringLiteral("  "), edited);
        const QJsonObject overrides = saves.last().at(2).toJsonObject();
        QCOMPARE(overrides, (QJsonObject{{QStringLiteral("top_k"), 5}}));
        QVERIFY(chat.hasOverrides());
        // Later default changes reach what the conversation did not override.
        chat.setDefaults({{QStringLiteral("temperature"), 0.9}}, {});
        QCOMPARE(chat.settings().value(QStringLiteral("temperature")).toDouble(), 0.9);
        QCOMPARE(chat.settings().value(QStringLiteral("top_k")).toInt(), 5);
        QCOMPARE(chat.settings().value(QStringLiteral("max_tokens")).toInt(), 1024);
        chat.resetOptions();
        QCOMPARE(saves.last().at(2).toJsonObject(), QJsonObject());
        QCOMPARE(chat.settings().value(QStringLiteral("top_k")).toInt(), 40);
        QVERIFY(!chat.hasOverrides());
        // Unknown keys from a stored conversation are ignored.
        enclave::storage::Conversation c;
        c.id = 1;
        c.title = QStringLiteral("Test");
        c.settings = {{QStringLiteral("bogus"), 1}, {QStringLiteral("seed"), 3}};
        chat.onConversationLoaded(c);
        QVERIFY(!chat.settings().contains(QStringLiteral("bogus")));
        QCOMPARE(chat.settings().value(QStringLiteral("seed")).toInt(), 3);
    }

    void deleteMessage()
    {
        Generating g;
        QSignalSpy deletes(&g.chat, &ChatController::deleteMessageRequested);
        g.chat.deleteMessage(1);
        QCOMPARE(deletes.count(), 0); // not while an answer is being written
        g.chat.onGenerationFinished(2, QStringLiteral("stop token"), {});
        g.chat.deleteMessage(99);
        QCOMPARE(deletes.count(), 0); // not shown
        g.chat.deleteMessage(2);
        QCOMPARE(deletes.count(), 1);
        QCOMPARE(deletes.last().at(0).toLongLong(), 1);
        QCOMPARE(deletes.last().at(1).toLongLong(), 2);
        // The store answers with what is left; the model shows it.
        g.chat.onMessagesLoaded(1, {message(1, 0, "user")}, {message(1, 0, "user")});
        QCOMPARE(g.chat.messages()->rowCount(), 1);
    }

    void unsavedMessageComesBack()
    {
        ChatController chat;
        chat.openConversation(1, QStringLiteral("Test"));
        QSignalSpy drafts(&chat, &ChatController::draftReturned);
        QSignalSpy adds(&chat, &ChatController::addMessageRequested);
        QVERIFY(chat.sendMessage(QStringLiteral("  keep me  ")));
        QVERIFY(chat.busy());
        const QString sent = adds.takeFirst().at(3).toString();
        chat.onMessageNotStored(1, QStringLiteral("user"), sent, QStringLiteral("the disk is full"));
        QVERIFY(!chat.busy());
        QCOMPARE(drafts.count(), 1);
        QCOMPARE(drafts.first().first().toString(), QStringLiteral("keep me"));
        QVERIFY(chat.sendError().contains(QStringLiteral("the disk is full")));
        QCOMPARE(chat.messages()->rowCount(), 0);
        QVERIFY(chat.sendMessage(QStringLiteral("keep me"))); // sending again clears the error
        QVERIFY(chat.sendError().isEmpty());
    }

    void unsavedAnswerStopsWaiting()
    {
        ChatController chat;
        chat.setModelReady(true);
        chat.openConversation(1, QStringLiteral("Test"));
        chat.onMessageAdded(message(1, 0, "user")); // asks the store for the answer's placeholder
        QVERIFY(chat.generating());
        chat.onMessageNotStored(1, QStringLiteral("assistant"), {}, QStringLiteral("the disk is full"));
        QVERIFY(!chat.generating());
        QVERIFY(chat.sendError().contains(QStringLiteral("the disk is full")));
    }
};

QTEST_MAIN(TestChatController)
#include "tst_chat_controller.moc"
