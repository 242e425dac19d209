// End to end: the refpack qwen3_moe Hugging Face folder imported through the same calls the import
// dialog makes (App.library.importModel, then quantizeTo from the choice dialog), quantized to Q8_0
// into the data folder, listed in the library and loaded by the engine; the dialogs render it.
#include "app/app_context.h"
#include "app/chat_controller.h"
#include "app/model_library.h"
#include "app/qml_modules.h"

#include <QDir>
#include <QQmlApplicationEngine>
#include <QQuickItem>
#include <QQuickStyle>
#include <QQuickWindow>
#include <QTemporaryDir>
#include <QTest>

using enclave::app::AppContext;

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

        // The dialog's Quantize button, as the user presses it.
        QMetaObject::invokeMethod(choice, "quantizeRequested", Q_ARG(QString, QStringLiteral("q8_0")));
        QTRY_VERIFY_WITH_TIMEOUT(context.modelLoaded(), 60000);
        const QString expected = QDir(dir.path()).filePath(QStringLiteral("models/hf-q8_0.gguf"));
        QCOMPARE(library->rowCount(), 1);
        QCOMPARE(library->data(library->index(0), enclave::app::ModelLibrary::PathRole).toString(), expected);
        QCOMPARE(context.loadedModelId(), library->data(library->index(0), enclave::app::ModelLibrary::IdRole).toLongLong());
        QVERIFY(context.modelError().isEmpty());
        QTRY_COMPARE(library->data(library->index(0), enclave::app::ModelLibrary::QuantizationRole).toString(),
                     QStringLiteral("Q8_0"));
        QTRY_VERIFY(!choice->property("visible").toBool());

        const QString shot = qEnvironmentVariable("ENCLAVE_IMPORT_SCREENSHOT");
        if (!shot.isEmpty()) { // for looking at the library dialog by eye
            auto *models = window->findChild<QObject *>(QStringLiteral("modelsDialog"));
            QMetaObject::invokeMethod(models, "open");
            QTest::qWait(500);
            window->grabWindow().save(shot);
        }
    }
};

QTEST_MAIN(TestModelImportFlow)
#include "tst_model_import_flow.moc"
