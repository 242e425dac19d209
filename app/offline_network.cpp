// OfflineNetworkAccessManager: a refused request becomes a reply that has already failed.
#include "app/offline_network.h"

#include "app/logging.h"

#include <QNetworkReply>
#include <QQmlEngine>

namespace enclave::app {
namespace {

class RefusedReply : public QNetworkReply {
public:
    RefusedReply(QNetworkAccessManager::Operation op, const QNetworkRequest &request, QObject *parent)
        : QNetworkReply(parent)
    {
        setRequest(request);
        setUrl(request.url());
        setOperation(op);
        setError(ContentAccessDenied, QStringLiteral("Enclave works offline: %1 was not fetched").arg(request.url().toString()));
        open(QIODevice::ReadOnly | QIODevice::Unbuffered);
        setFinished(true);
        // Like a real reply, it reports after the caller had the chance to connect.
        QMetaObject::invokeMethod(this, [this] {
            emit errorOccurred(ContentAccessDenied);
            emit finished();
        }, Qt::QueuedConnection);
    }
    void abort() override {}
    qint64 bytesAvailable() const override { return 0; }

protected:
    qint64 readData(char *, qint64) override { return -1; }
};

} // namespace

bool isLocalUrl(const QUrl &url)
{
    const QString scheme = url.scheme().toLower();
    return scheme.isEmpty() || scheme == QLatin1String("file") || scheme == QLatin1String("qrc") ||
           scheme == QLatin1String("data");
}

QNetworkReply *OfflineNetworkAccessManager::createRequest(Operation op, const QNetworkRequest &request, QIODevice *data)
{
    if (isLocalUrl(request.url()))
        return QNetworkAccessManager::createRequest(op, request, data);
    moduleLogger("app")->info("OfflineNetworkAccessManager::createRequest: refused {}", request.url().toString().toStdString());
    return new RefusedReply(op, request, this);
}

QNetworkAccessManager *OfflineNetworkFactory::create(QObject *parent) { return new OfflineNetworkAccessManager(parent); }

void makeOffline(QQmlEngine &engine)
{
    static OfflineNetworkFactory factory; // the engine does not take ownership; one serves all engines
    engine.setNetworkAccessManagerFactory(&factory);
}

} // namespace enclave::app
