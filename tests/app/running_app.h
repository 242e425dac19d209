// RunningApp: one instance of the app for end-to-end tests: its context on a data folder
// and the real QML main window (offscreen), with lookups of named items.
#pragma once

#include "app/app_context.h"
#include "app/offline_network.h"

#include <QQmlApplicationEngine>
#include <QQuickWindow>
#include <QUrl>

namespace enclave::test {

struct RunningApp {
    explicit RunningApp(const QString &dataDir) : context(dataDir)
    {
        enclave::app::makeOffline(engine);
        engine.addImportPath(QStringLiteral("qrc:/qt/qml"));
        engine.load(QUrl(QStringLiteral("qrc:/qt/qml/Enclave/Ui/Main.qml")));
    }
    QQuickWindow *window() const
    {
        return engine.rootObjects().isEmpty() ? nullptr : qobject_cast<QQuickWindow *>(engine.rootObjects().first());
    }
    template <typename T = QObject> T *find(const char *name) const
    {
        return window() ? window()->findChild<T *>(QLatin1String(name)) : nullptr;
    }
    enclave::app::AppContext context;
    QQmlApplicationEngine engine;
};

} // namespace enclave::test
