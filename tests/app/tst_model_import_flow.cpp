// End to end: the refpack qwen3_moe Hugging Face folder imported through the same calls the import
// dialog makes (App.library.importModel, then quantizeTo from the choice dialog), quantized to Q8_0
// into the data folder, listed in the library and loaded by the engine; the dialogs render it. Files
// that are not models, or are cut short, are refused with their error in the banner.
// With ENCLAVE_IMPORT_SCREENSHOTS=<folder> it also saves the choice, the progress and the library
// at 1280x800 and 800x600 in light and dark, for looking at them by eye.
#include "app/app_context.h"
#include "app/chat_controller.h"
#include "app/model_library.h"
#include "app/qml_modules.h"
#include "running_app.h"

#include <QDir>
#include <QQmlApplicationEngine>
#include <QQuickItem>
#include <QQuickStyle>
#include <QQuickWindow>
#include <QStorageInfo>
#include <QTemporaryDir>
#include <QTest>
#include <QThread>

using enclave::app::AppContext;

namespace {

// Saves <folder>/<stem>-<w>x<h>-<theme>.png of `window` for each size and theme.
void saveShots(AppContext &context, QQuickWindow *window, const QString &folder, const QString &stem)
{
    if (folder.isEmpty())
        return;
    for (const QString &theme : {QStringLiteral("light"), QStringLiteral("dark")}) {
        context.setTheme(theme);
        for (const QSize size : {QSize(1280, 800), QSize(800, 600)}) {
            window->resize(size);
            QTest::qWait(300);
            const QString file = QStringLiteral("%1/%2-%3x%4-%5.png").arg(folder, stem).arg(size.width()).arg(size.height()).arg(theme);
            QVERIFY2(window->grabWindow().save(file), qPrintable(file));
        }
    }
    context.setTheme(QStringLiteral("light"));
}

QByteArray readFile(const QString &path)
{
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

} // namespace

class TestModelImportFlow : public QObject {
    Q_OBJECT
private slots:
    void initTestCase()
    {
        QQuickStyle::setStyle(QStringLiteral("Basic"));
        enclave::app::linkQmlModules();
    }

    void importQuantizeListAndLoad()
    {
        const QString source = QStringLiteral(ENCLAVE_REFPACK_DIR "/models/qwen3_moe/hf");
        if (!QFileInfo::exists(source))
            QSKIP("reference pack not found beside the clone");
        QTemporaryDir dir;
        AppContext context(dir.path());
        QQmlApplicationEngine engine;
        engine.addImportPath(QStringLiteral("qrc:/qt/qml"));
        engine.load(QUrl(QStringLiteral("qrc:/qt/qml/Enclave/Ui/Main.qml")));
        auto *window = qobject_cast<QQuickWindow *>(engine.rootObjects().value(0));
        QVERIFY(window);
        QTRY_VERIFY(context.ready());

        auto *library = context.library();
        library->importModel(QUrl::fromLocalFile(source));
        QTRY_VERIFY_WITH_TIMEOUT(library->choosingImport(), 20000);
        auto *choice = window->findChild<QObject *>(QStringLiteral("importChoiceDialog"));
        QVERIFY(choice);
        QTRY_VERIFY(choice->property("visible").toBool());
        const QString shots = qEnvironmentVariable("ENCLAVE_IMPORT_SCREENSHOTS");
        saveShots(context, window, shots, QStringLiteral("choice"));
        if (!shots.isEmpty()) // holds the conversion at its disk check so that the progress can be seen
            library->quantizer()->setFreeSpaceFunction([](const QString &folder) {
                QThread::sleep(5);
                return quint64(QStorageInfo(folder).bytesAvailable());
            });

        // The dialog's Quantize button, as the user presses it.
        QMetaObject::invokeMethod(choice, "quantizeRequested", Q_ARG(QString, QStringLiteral("q8_0")));
        saveShots(context, window, shots, QStringLiteral("progress"));
        QTRY_VERIFY_WITH_TIMEOUT(context.modelLoaded(), 60000);
        const QString expected = QDir(dir.path()).filePath(QStringLiteral("models/qwen3_moe-q8_0.gguf"));
        QCOMPARE(library->rowCount(), 1);
        QCOMPARE(library->data(library->index(0), enclave::app::ModelLibrary::PathRole).toString(), expected);
        QCOMPARE(context.loadedModelId(), library->data(library->index(0), enclave::app::ModelLibrary::IdRole).toLongLong());
        QVERIFY(context.modelError().isEmpty());
        QTRY_COMPARE(library->data(library->index(0), enclave::app::ModelLibrary::QuantizationRole).toString(),
                     QStringLiteral("Q8_0"));
        QTRY_VERIFY(!choice->property("visible").toBool());

        if (!shots.isEmpty()) { // the library with more models, one of them missing, and a small machine
            QTemporaryDir moved;
            const QString gone = moved.filePath(QStringLiteral("moved-away.gguf"));
            QFile::copy(QStringLiteral(ENCLAVE_REFPACK_DIR "/models/llama/gguf/llama-q4_k_m.gguf"), gone);
            for (const QString &path : {gone, QStringLiteral(ENCLAVE_REFPACK_DIR "/models/deepseek_v2/gguf/deepseek_v2-q6_k.gguf"),
                                        QStringLiteral(ENCLAVE_REFPACK_DIR "/models/mixtral/gguf/mixtral-bf16.gguf")}) {
                const int rows = library->rowCount();
                library->importModel(QUrl::fromLocalFile(path));
                QTRY_COMPARE(library->rowCount(), rows + 1);
                QTRY_VERIFY(!library->importing());
            }
            QFile::remove(gone);
            auto *models = window->findChild<QObject *>(QStringLiteral("modelsDialog"));
            QMetaObject::invokeMethod(models, "open");
            QTest::qWait(300);
            library->setSystemMemory(70'000'000, {{QStringLiteral("Test GPU"), 57'500'000, 80'000'000}});
            saveShots(context, window, shots, QStringLiteral("models"));
        }
    }

    // Files that are not models, or downloads cut short, are refused through the call the import
    // dialog makes: the banner shows the plain first line and, smaller, the detail naming the file;
    // the library keeps the model it had and nothing else.
    void refusedFilesAreShownAndNotAdded()
    {
        const QString gguf = QStringLiteral(ENCLAVE_REFPACK_DIR "/models/qwen3_moe/gguf/qwen3_moe-q8_0.gguf");
        const QString st = QStringLiteral(ENCLAVE_REFPACK_DIR "/models/qwen3_moe/hf/model.safetensors");
        if (!QFileInfo::exists(gguf) || !QFileInfo::exists(st))
            QSKIP("reference pack not found beside the clone");
        const QString cut = QStringLiteral("The file is incomplete (%1 of ");
        const struct {
            QString name;
            QByteArray bytes;
            QString userLine; // the start of the first line
        } refused[] = {
            {"notes.gguf", "hello, this is a text file\n", "This is not a GGUF model file."},
            {"cut-header.gguf", readFile(gguf).left(5000), "The file is incomplete (it ends after 5.00 KB, inside"},
            {"cut-data.gguf", readFile(gguf).left(3'000'000), cut.arg("3.00 MB")},
            {"cut/model.safetensors", readFile(st).left(5'000'000), cut.arg("5.00 MB")},
        };
        QTemporaryDir dir;
        enclave::test::RunningApp app(dir.filePath(QStringLiteral("data")));
        QVERIFY(app.window());
        QTRY_VERIFY(app.context.ready());
        auto *library = app.context.library();
        library->importModel(QUrl::fromLocalFile(gguf));
        QTRY_COMPARE(library->rowCount(), 1);
        QTRY_VERIFY(!library->importing());
        auto *banner = app.find<QQuickItem>("noModelBanner");
        QVERIFY(banner);
        for (const auto &r : refused) {
            const QString path = dir.filePath(r.name);
            QDir().mkpath(QFileInfo(path).path());
            QFile file(path);
            QVERIFY(file.open(QIODevice::WriteOnly) && file.write(r.bytes) == r.bytes.size());
            file.close();
            library->importModel(QUrl::fromLocalFile(path));
            QTRY_VERIFY(!library->importError().isEmpty());
            const QString headline = library->importError().section(QLatin1Char('\n'), 0, 0);
            QVERIFY2(headline.startsWith(r.userLine), qPrintable(library->importError()));
            QTRY_VERIFY(banner->isVisible());
            auto *detail = banner->findChild<QObject *>(QStringLiteral("bannerDetail"));
            QCOMPARE(detail->property("text").toString(), headline);
            auto *technical = banner->findChild<QQuickItem *>(QStringLiteral("bannerTechnical"));
            QVERIFY(technical && technical->isVisible());
            QVERIFY2(technical->property("text").toString().contains(path), qPrintable(library->importError()));
            QTRY_VERIFY(!library->importing());
            QCOMPARE(library->rowCount(), 1);
            library->clearImportError();
            QVERIFY(!technical->isVisible());
        }
    }
};

QTEST_MAIN(TestModelImportFlow)
#include "tst_model_import_flow.moc"
