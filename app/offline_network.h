// Nothing Enclave shows may reach the network: the QML engine's network access manager
// refuses every URL that is not a local file, a resource or inline data. Without it a Markdown
// image with an http URL in an answer would be fetched the moment the answer is shown.
#pragma once

#include <QNetworkAccessManager>
#include <QQmlNetworkAccessManagerFactory>

class QQmlEngine;

namespace enclave::app {

// file:, qrc:, data: (and a bare path) are local; everything else is refused.
bool isLocalUrl(const QUrl &url);

// Answers non-local requests with a finished ContentAccessDeniedError reply, opening no socket.
class OfflineNetworkAccessManager : public QNetworkAccessManager {
    Q_OBJECT
public:
    using QNetworkAccessManager::QNetworkAccessManager;

protected:
    QNetworkReply *createRequest(Operation op, const QNetworkRequest &request, QIODevice *data) override;
};

class OfflineNetworkFactory : public QQmlNetworkAccessManagerFactory {
public:
    QNetworkAccessManager *create(QObject *parent) override; // called on the engine's threads
};

// Installs the offline factory on `engine` (before it loads anything).
void makeOffline(QQmlEngine &engine);

} // namespace enclave::app
