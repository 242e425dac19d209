// Offline by construction: the QML engine's network manager refuses every non-local URL, so
// neither a request nor a Markdown image with an http URL in an answer opens a connection.
// A local TCP server stands in for "the network" and counts connection attempts.
#include "app/offline_network.h"

#include <QNetworkReply>
#include <QQmlComponent>
#include <QQmlEngine>
#include <QQuickItem>
#include <QSignalSpy>
#include <QTcpServer>
#include <QTest>

using namespace enclave::app;

namespace {
// A QML text that shows an answer's Markdown with an image on the local "network".
QByteArray markdownWithImage(quint16 port)
{
    return QByteArrayLiteral("import QtQuick\nTextEdit { width: 300; textFormat: TextEdit.MarkdownText; text: ") +
           "\"Look: ![tracker](http://127.0.0.1:" + QByteArray::number(port) + "/pixel.png)\" }";
}
} // namespace

class TestOfflineNetwork : public QObject {
    Q_OBJECT
private slots:
    void localUrls()
    {
        QVERIFY(isLocalUrl(QUrl(QStringLiteral("file:///tmp/a.png"))));
        QVERIFY(isLocalUrl(QUrl(QStringLiteral("qrc:/qt/qml/Enclave/Ui/Main.qml"))));
        QVERIFY(isLocalUrl(QUrl(QStringLiteral("data:image/png;base64,AAAA"))));
        QVERIFY(isLocalUrl(QUrl(QStringLiteral("/tmp/a.png"))));
        QVERIFY(!isLocalUrl(QUrl(QStringLiteral("http://127.0.0.1/a.png"))));
        QVERIFY(!isLocalUrl(QUrl(QStringLiteral("HTTPS://example.com/"))));
        QVERIFY(!isLocalUrl(QUrl(QStringLiteral("ftp://example.com/"))));
    }

    void requestsAreRefusedWithoutAConnection()
    {
        QTcpServer server;
        QVERIFY(server.listen(QHostAddress::LocalHost));
        QSignalSpy connections(&server, &QTcpServer::newConnection);
        OfflineNetworkFactory factory;
        std::unique_ptr<QNetworkAccessManager> manager(factory.create(nullptr));
        const QUrl url(QStringLiteral("http://127.0.0.1:%1/data").arg(server.serverPort()));
        for (const bool post : {false, true}) {
            QNetworkReply *reply = post ? manager->post(QNetworkRequest(url), QByteArray("x")) : manager->get(QNetworkRequest(url));
            QSignalSpy finished(reply, &QNetworkReply::finished);
            QVERIFY(finished.wait(2000));
            QCOMPARE(reply->error(), QNetworkReply::ContentAccessDenied);
            QVERIFY(reply->readAll().isEmpty());
            reply->deleteLater();
        }
        QTest::qWait(200);
        QCOMPARE(connections.count(), 0);
    }

    // The control: without the factory the same QML does reach the server (so the check
    // above can fail), with it nothing does.
    void markdownImagesAreNotFetched_data()
    {
        QTest::addColumn<bool>("offline");
        QTest::newRow("default engine fetches") << false;
        QTest::newRow("offline engine does not") << true;
    }
    void markdownImagesAreNotFetched()
    {
        QFETCH(bool, offline);
        QTcpServer server;
        QVERIFY(server.listen(QHostAddress::LocalHost));
        QSignalSpy connections(&server, &QTcpServer::newConnection);
        QQmlEngine engine;
        if (offline)
            makeOffline(engine);
        QQmlComponent component(&engine);
        component.setData(markdownWithImage(server.serverPort()), QUrl(QStringLiteral("qrc:/test/Answer.qml")));
        std::unique_ptr<QObject> item(component.create());
        QVERIFY2(item, qPrintable(component.errorString()));
        if (offline) {
            QTest::qWait(1000);
            QCOMPARE(connections.count(), 0);
        } else {
            QVERIFY(connections.wait(5000));
        }
    }
};

QTEST_MAIN(TestOfflineNetwork)
#include "tst_offline_network.moc"
