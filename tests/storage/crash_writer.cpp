// crash_writer DB: appends messages to one conversation forever, printing the id of each
// message after its transaction committed. The crash test kills it with SIGKILL mid-write.
#include "storage/conversation_store.h"

#include <QCoreApplication>
#include <cstdio>

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    if (argc < 2)
        return 2;
    enclave::storage::ConversationStore store(QString::fromLocal8Bit(argv[1]));
    const auto conv = store.createConversation(QStringLiteral("crash"));
    std::printf("conversation %lld\n", static_cast<long long>(conv.id));
    std::fflush(stdout);
    qint64 parent = 0;
    const QString body = QString(2000, QLatin1Char('x'));
    for (int i = 0;; ++i) {
        const auto m = store.addMessage(conv.id, parent, (i % 2) ? QStringLiteral("assistant") : QStringLiteral("user"),
                                        QStringLiteral("message %1 ").arg(i) + body);
        store.updateMessage(m.id, m.content + QStringLiteral(" edited"), {}, enclave::storage::MessageStatus::Complete);
        parent = m.id;
        std::printf("committed %lld\n", static_cast<long long>(m.id));
        std::fflush(stdout);
    }
}
