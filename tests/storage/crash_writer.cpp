// crash_writer DB [stream]: writes to one conversation forever, printing what each committed
// transaction made durable. The crash tests kill it with SIGKILL mid-write.
//   default: "committed ID" after each message is added and edited.
//   stream:  like the app answering: a user message ("committed ID"), then an answer streamed
//            token by token ("streamed ID N" after the N-th token is stored), then marked complete
//            ("committed ID").
#include "storage/conversation_store.h"

#include <QCoreApplication>
#include <cstdio>

namespace {

using enclave::storage::ConversationStore;
using enclave::storage::MessageStatus;

void said(const char *what, qint64 id, int n = -1)
{
    if (n < 0)
        std::printf("%s %lld\n", what, static_cast<long long>(id));
    else
        std::printf("%s %lld %d\n", what, static_cast<long long>(id), n);
    std::fflush(stdout);
}

[[noreturn]] void appendForever(ConversationStore &store, qint64 conversation)
{
    qint64 parent = 0;
    const QString body = QString(2000, QLatin1Char('x'));
    for (int i = 0;; ++i) {
        const auto m = store.addMessage(conversation, parent, (i % 2) ? QStringLiteral("assistant") : QStringLiteral("user"),
                                        QStringLiteral("message %1 ").arg(i) + body);
        store.updateMessage(m.id, m.content + QStringLiteral(" edited"), {}, MessageStatus::Complete);
        parent = m.id;
        said("committed", m.id);
    }
}

[[noreturn]] void streamForever(ConversationStore &store, qint64 conversation)
{
    qint64 parent = 0;
    for (int turn = 0;; ++turn) {
        const auto user = store.addMessage(conversation, parent, QStringLiteral("user"),
                                           QStringLiteral("question %1 edited").arg(turn));
        said("committed", user.id);
        auto answer = store.addMessage(conversation, user.id, QStringLiteral("assistant"), {}, MessageStatus::Partial);
        QString text;
        for (int token = 1; token <= 24; ++token) {
            text += QStringLiteral("tok%1 ").arg(token);
            store.updateMessage(answer.id, text, {}, MessageStatus::Partial);
            said("streamed", answer.id, token);
        }
        store.updateMessage(answer.id, text + QStringLiteral("edited"), {}, MessageStatus::Complete);
        said("committed", answer.id);
        parent = answer.id;
    }
}

} // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    if (argc < 2)
        return 2;
    ConversationStore store(QString::fromLocal8Bit(argv[1]));
    const auto conv = store.createConversation(QStringLiteral("crash"));
    said("conversation", conv.id);
    if (argc > 2 && QByteArray(argv[2]) == "stream")
        streamForever(store, conv.id);
    appendForever(store, conv.id);
}
