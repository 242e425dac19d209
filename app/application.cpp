// The enclave executable: parse the command line, set up logging, open the data folder
// and show the QML main window from the Enclave.Ui module.
#include "app/application.h"

#if defined(ENCLAVE_HAVE_CUDA)
#include "cuda/cuda_backend.h"
#endif

#include "app/app_context.h"
#include "app/logging.h"
#include "app/offline_network.h"
#include "app/qml_modules.h"
#include "engine/engine_info.h"

#include <QCommandLineParser>
#include <QDir>
#include <QFileInfo>
#include <QGuiApplication>
#include <QIcon>
#include <QQmlApplicationEngine>
#include <QQuickStyle>
#include <QQuickWindow>
#include <QTimer>
#include <QStandardPaths>
#include <QUrl>
#include <sys/stat.h>

namespace enclave::app {
namespace {

struct Options {
    QString dataDirectory;
    QString logDirectory;
    QStringList modelPaths;
    QString screenshotPath;
    QString screenshotView;
    bool verbose = false;
};

Options parseOptions(QCoreApplication &app)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral(
        "Enclave: private, offline chat with local language models. Nothing leaves this machine."));
    parser.addHelpOption();
    parser.addVersionOption();
    const QCommandLineOption dataDir(QStringLiteral("data-dir"),
                                     QStringLiteral("Keep the database (and logs) in <dir> instead of the default."),
                                     QStringLiteral("dir"));
    const QCommandLineOption verbose(QStringLiteral("verbose"), QStringLiteral("Log debug messages to stderr."));
    const QCommandLineOption screenshot(
        QStringLiteral("screenshot"),
        QStringLiteral("Save a PNG of the main window to <file> once it has settled, then quit (for docs)."),
        QStringLiteral("file"));
    const QCommandLineOption screenshotView(
        QStringLiteral("screenshot-view"),
        QStringLiteral("With --screenshot: show <view> first (settings, conversation-settings, models, search:<text>)."),
        QStringLiteral("view"));
    parser.addOption(dataDir);
    parser.addOption(verbose);
    parser.addOption(screenshot);
    parser.addOption(screenshotView);
    parser.addPositionalArgument(QStringLiteral("model"), QStringLiteral("A model file or folder to import."),
                                 QStringLiteral("[model]"));
    parser.process(app); // exits for --help / --version

    Options options;
    options.verbose = parser.isSet(verbose);
    if (parser.isSet(dataDir)) {
        options.dataDirectory = QDir(parser.value(dataDir)).absolutePath();
        options.logDirectory = options.dataDirectory + QStringLiteral("/logs");
    } else {
        options.dataDirectory = QStandardPaths::writableLocation(QStandardPaths::AppDataLocation);
        options.logDirectory = defaultLogDirectory();
    }
    options.modelPaths = parser.positionalArguments();
    options.screenshotPath = parser.value(screenshot);
    options.screenshotView = parser.value(screenshotView);
    return options;
}

// Opens `view` once the window has loaded, grabs the window after it had time to lay out,
// saves it, and quits.
void scheduleScreenshot(QQmlApplicationEngine &engine, const QString &path, const QString &view)
{
    constexpr int kViewMs = 1000;
    constexpr int kSettleMs = 2500;
    if (!view.isEmpty()) {
        QTimer::singleShot(kViewMs, &engine, [&engine, view] {
            if (!engine.rootObjects().isEmpty())
                QMetaObject::invokeMethod(engine.rootObjects().first(), "showView", Q_ARG(QVariant, view));
        });
    }
    QTimer::singleShot(kSettleMs, &engine, [&engine, path] {
        auto *window = engine.rootObjects().isEmpty() ? nullptr
                                                      : qobject_cast<QQuickWindow *>(engine.rootObjects().first());
        const bool saved = window && window->grabWindow().save(path);
        if (!saved)
            moduleLogger("app")->error("scheduleScreenshot: could not save {}", path.toStdString());
        QCoreApplication::exit(saved ? 0 : 1);
    });
}

// --help and --version print and exit without needing a display.
bool onlyPrintsInformation(int argc, char **argv)
{
    for (int i = 1; i < argc; ++i) {
        const QByteArray a(argv[i]);
        if (a == "--help" || a == "-h" || a == "--help-all" || a == "--version" || a == "-v")
            return true;
    }
    return false;
}

void setApplicationNames()
{
    QCoreApplication::setApplicationName(QStringLiteral("enclave"));
    QCoreApplication::setApplicationVersion(QString::fromLatin1(engineVersion().data()));
}

} // namespace

int runApplication(int argc, char **argv)
{
    if (onlyPrintsInformation(argc, argv)) {
        QCoreApplication app(argc, argv);
        setApplicationNames();
        parseOptions(app); // prints and exits
        return 0;
    }
    ::umask(077); // the database, logs and exports are readable by this user only
    QGuiApplication app(argc, argv);
#if defined(ENCLAVE_HAVE_CUDA)
    cuda::registerCudaBackend(); // "use the GPU" in Settings picks it when a GPU is usable
#endif
    setApplicationNames();
    QGuiApplication::setApplicationDisplayName(QStringLiteral("Enclave"));
    QGuiApplication::setDesktopFileName(QStringLiteral("io.enclave.Enclave"));
    QGuiApplication::setWindowIcon(QIcon(QStringLiteral(":/enclave/icons/enclave.svg")));
    const Options options = parseOptions(app);

    setupLogging(options.logDirectory, options.verbose);
    moduleLogger("app")->info("runApplication: Enclave {} starting, data in {}", engineVersion(),
                              options.dataDirectory.toStdString());

    QQuickStyle::setStyle(QStringLiteral("Basic"));
    linkQmlModules();
    AppContext context(options.dataDirectory);
    QQmlApplicationEngine engine;
    makeOffline(engine);
    engine.addImportPath(QStringLiteral("qrc:/qt/qml"));
    QObject::connect(&engine, &QQmlApplicationEngine::objectCreationFailed, &app,
                     [] { QCoreApplication::exit(1); }, Qt::QueuedConnection);
    engine.load(QUrl(QStringLiteral("qrc:/qt/qml/Enclave/Ui/Main.qml")));
    for (const QString &path : options.modelPaths)
        context.library()->importModel(QUrl::fromLocalFile(QFileInfo(path).absoluteFilePath()));
    if (!options.screenshotPath.isEmpty())
        scheduleScreenshot(engine, options.screenshotPath, options.screenshotView);
    return QGuiApplication::exec();
}

} // namespace enclave::app
