// ModelLibrary: the safetensors import choice (options with sizes and free disk), quantization with
// progress into the data folder and registration of the result, cancel and a short disk leaving
// nothing behind, the source untouched; the facts and memory verdict of listed models (missing ones
// included); files that are not models or are cut short refused without being registered. The
// storage side is stood in by answering addModelRequested directly.
#include "app/model_library.h"
#include "engine/model/format_bytes.h"

#include <QAbstractItemModelTester>
#include <QCryptographicHash>
#include <QDir>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QtTest>

using namespace enclave::app;

namespace {

const QString kRefpack = QStringLiteral(ENCLAVE_REFPACK_DIR);
QString hfDir(const char *model) { return kRefpack + QStringLiteral("/models/%1/hf").arg(QLatin1String(model)); }

QByteArray folderHash(const QString &folder)
{
    QCryptographicHash h(QCryptographicHash::Sha256);
    for (const QFileInfo &f : QDir(folder).entryInfoList(QDir::Files, QDir::Name)) {
        QFile file(f.filePath());
        if (file.open(QIODevice::ReadOnly))
            h.addData(&file);
        h.addData(QByteArray::number(f.lastModified().toMSecsSinceEpoch()));
    }
    return h.result();
}

// A library whose "store" accepts every model at once.
struct Fixture {
    explicit Fixture(const QString &dataDir)
    {
        library.setDataDirectory(dataDir);
        QObject::connect(&library, &ModelLibrary::addModelRequested, &library,
                         [this](const QString &path, const QString &format, qint64 size, const QJsonObject &meta) {
                             enclave::storage::ModelRecord r{++nextId, path, format, size, {}, meta, 0, 0};
                             QMetaObject::invokeMethod(&library, [this, r] { library.onModelAdded(r); },
                                                       Qt::QueuedConnection);
                         });
    }
    ModelLibrary library;
    qint64 nextId = 0;
};

QByteArray readFile(const QString &path)
{
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

// formatBytes, as the messages write sizes.
QString bytesText(qint64 bytes) { return QString::fromStdString(enclave::formatBytes(quint64(bytes))); }

QStringList modelsIn(const QString &dataDir) { return QDir(dataDir + QStringLiteral("/models")).entryList(QDir::Files); }

} // namespace

class TestModelLibrary : public QObject {
    Q_OBJECT

private slots:
    void initTestCase()
    {
        if (!QFileInfo::exists(hfDir("llama")))
            QSKIP("reference pack not found beside the clone");
    }

    // The free RAM the verdicts compare against is this machine's (read at start and on refresh).
    void freeRamIsRead()
    {
        ModelLibrary library;
        QVERIFY2(library.freeRamBytes() > 0, "MemAvailable not read");
        library.setSystemMemory(0, {});
        library.refreshSystemMemory();
        QVERIFY(library.freeRamBytes() > 0);
    }

    void safetensorsAsksThenQuantizesAndRegisters()
    {
        QTemporaryDir data;
        Fixture f(data.path());
        QAbstractItemModelTester tester(&f.library);
        const QByteArray before = folderHash(hfDir("llama"));
        QSignalSpy imported(&f.library, &ModelLibrary::imported);
        QSignalSpy progress(&f.library, &ModelLibrary::quantizeProgressChanged);

        f.library.importModel(QUrl::fromLocalFile(hfDir("llama")));
        QTRY_VERIFY(f.library.choosingImport());
        const QVariantMap pending = f.library.pendingImport();
        QCOMPARE(pending.value("name").toString(), QStringLiteral("llama")); // not the folder's generic "hf"
        const QVariantList options = pending.value("options").toList();
        QCOMPARE(options.size(), 4);
        QVERIFY(pending.value("freeDisk").toDouble() > 0);
        double previous = 1e18;
        for (const QVariant &o : options) { // q8_0, q6_k, q5_k_m, q4_k_m: each smaller
            const double bytes = o.toMap().value("bytes").toDouble();
            QVERIFY(bytes > 0 && bytes < previous);
            previous = bytes;
        }

        f.library.quantizeTo(QStringLiteral("q4_k_m"));
        QVERIFY(f.library.quantizing());
        QTRY_COMPARE_WITH_TIMEOUT(imported.count(), 1, 30000);
        QVERIFY(progress.count() >= 1);
        QCOMPARE(f.library.quantizeProgress(), 1.0);
        QCOMPARE(f.library.rowCount(), 1);
        const QString path = f.library.data(f.library.index(0), ModelLibrary::PathRole).toString();
        QCOMPARE(path, QDir(data.path()).filePath(QStringLiteral("models/llama-q4_k_m.gguf")));
        QCOMPARE(f.library.data(f.library.index(0), ModelLibrary::FormatRole).toString(), QStringLiteral("GGUF"));
        QCOMPARE(modelsIn(data.path()), QStringList{QStringLiteral("llama-q4_k_m.gguf")});
        QCOMPARE(folderHash(hfDir("llama")), before); // the source is untouched
        QVERIFY(!f.library.importing());

        // The facts follow: the quantization as the file names its mix, the family as people name it.
        QTRY_VERIFY(f.library.facts(path));
        QCOMPARE(f.library.data(f.library.index(0), ModelLibrary::QuantizationRole).toString(), QStringLiteral("Q4_K_M"));
        QCOMPARE(f.library.data(f.library.index(0), ModelLibrary::ArchitectureRole).toString(), QStringLiteral("Llama"));
    }

    void useAsIsRegistersTheSource()
    {
        QTemporaryDir data;
        Fixture f(data.path());
        QSignalSpy imported(&f.library, &ModelLibrary::imported);
        f.library.importModel(QUrl::fromLocalFile(hfDir("llama")));
        QTRY_VERIFY(f.library.choosingImport());
        f.library.useAsIs();
        QTRY_COMPARE(imported.count(), 1);
        QCOMPARE(f.library.data(f.library.index(0), ModelLibrary::PathRole).toString(), QFileInfo(hfDir("llama")).canonicalFilePath());
        QCOMPARE(f.library.data(f.library.index(0), ModelLibrary::NameRole).toString(), QStringLiteral("llama"));
        QVERIFY(modelsIn(data.path()).isEmpty());
    }

    void cancelLeavesNothingAndKeepsTheChoice()
    {
        QTemporaryDir data;
        Fixture f(data.path());
        // Cancel lands before the first row is written: the disk check is the converter's last step first.
        f.library.quantizer()->setFreeSpaceFunction([&f](const QString &) {
            f.library.quantizer()->cancel();
            return quint64(1) << 40;
        });
        f.library.importModel(QUrl::fromLocalFile(hfDir("qwen3_moe")));
        QTRY_VERIFY(f.library.choosingImport());
        f.library.quantizeTo(QStringLiteral("q8_0"));
        QTRY_VERIFY(!f.library.quantizing());
        QVERIFY(f.library.choosingImport()); // back to the choice, nothing registered
        QVERIFY(f.library.importError().isEmpty());
        QCOMPARE(f.library.rowCount(), 0);
        QVERIFY(modelsIn(data.path()).isEmpty());
        f.library.cancelImport();
        QVERIFY(!f.library.importing());
    }

    void shortDiskIsAClearError()
    {
        QTemporaryDir data;
        Fixture f(data.path());
        f.library.quantizer()->setFreeSpaceFunction([](const QString &) { return quint64(1000); });
        f.library.importModel(QUrl::fromLocalFile(hfDir("llama")));
        QTRY_VERIFY(f.library.choosingImport());
        f.library.quantizeTo(QStringLiteral("q8_0"));
        QTRY_VERIFY(!f.library.importError().isEmpty());
        QVERIFY2(f.library.importError().contains(QStringLiteral("not enough disk space")), qPrintable(f.library.importError()));
        QVERIFY(!f.library.importing());
        QVERIFY(modelsIn(data.path()).isEmpty());
    }

    void badInputIsAClearError()
    {
        QTemporaryDir data, src;
        QFile(src.filePath("model.safetensors")).open(QIODevice::WriteOnly);
        Fixture f(data.path());
        f.library.importModel(QUrl::fromLocalFile(src.filePath("model.safetensors")));
        QTRY_VERIFY(!f.library.importError().isEmpty());
        QVERIFY(!f.library.importing());
        QCOMPARE(f.library.rowCount(), 0);
    }

    // A file that is not a model, or a download cut short, is refused at import with a plain first
    // line and its detail, and nothing is registered.
    void refusedFilesAreNotAdded_data()
    {
        QTest::addColumn<QString>("name");
        QTest::addColumn<QString>("source");
        QTest::addColumn<qint64>("size"); // bytes of the source kept; -1: a text file instead
        QTest::addColumn<QString>("userLine");
        const QString gguf = kRefpack + QStringLiteral("/models/qwen3_moe/gguf/qwen3_moe-q8_0.gguf");
        const QString st = hfDir("qwen3_moe") + QStringLiteral("/model.safetensors");
        const QString cut = QStringLiteral("The file is incomplete (%1 of ");
        const QString inHeader = QStringLiteral("The file is incomplete (it ends after %1, inside its header); "
                                                "the download may have stopped.");
        QTest::newRow("text named .gguf") << "notes.gguf" << QString() << qint64(-1)
                                          << QStringLiteral("This is not a GGUF model file.");
        QTest::newRow("gguf cut in header") << "cut.gguf" << gguf << qint64(5000) << inHeader.arg(bytesText(5000));
        QTest::newRow("gguf cut in data") << "cut.gguf" << gguf << qint64(3'000'000) << cut.arg(bytesText(3'000'000));
        QTest::newRow("safetensors cut in header") << "model.safetensors" << st << qint64(1000)
                                                   << inHeader.arg(bytesText(1000));
        QTest::newRow("safetensors cut in data") << "model.safetensors" << st << qint64(5'000'000)
                                                 << cut.arg(bytesText(5'000'000));
    }

    void refusedFilesAreNotAdded()
    {
        QFETCH(QString, name);
        QFETCH(QString, source);
        QFETCH(qint64, size);
        QFETCH(QString, userLine);
        QTemporaryDir data, src;
        const QString path = src.filePath(name);
        QFile file(path);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write(size < 0 ? QByteArray("hello, this is a text file\n") : readFile(source).left(size));
        file.close();
        Fixture f(data.path());
        const QString gguf = kRefpack + QStringLiteral("/models/qwen3_moe/gguf/qwen3_moe-q8_0.gguf");
        f.library.setModels({{1, gguf, "gguf", 1, {}, {}, 0, 0}});
        QSignalSpy added(&f.library, &ModelLibrary::addModelRequested);

        f.library.importModel(QUrl::fromLocalFile(path));
        QTRY_VERIFY(!f.library.importError().isEmpty());
        const QStringList lines = f.library.importError().split(QLatin1Char('\n'));
        QVERIFY2(lines.size() >= 2 && lines[0].startsWith(userLine), qPrintable(f.library.importError()));
        QVERIFY2(lines[1].contains(path), qPrintable(f.library.importError())); // the detail names the file
        QVERIFY(!f.library.importing());
        QVERIFY(!f.library.choosingImport());
        QCOMPARE(added.count(), 0);
        QCOMPARE(f.library.rowCount(), 1);
    }

    void factsAndMemoryVerdict()
    {
        QTemporaryDir data;
        Fixture f(data.path());
        const QString gguf = kRefpack + QStringLiteral("/models/qwen3_moe/gguf/qwen3_moe-q8_0.gguf");
        const QString gone = data.filePath(QStringLiteral("gone.gguf"));
        f.library.setModels({{1, gguf, "gguf", 1, {}, {}, 0, 0}, {2, gone, "gguf", 1, {}, {}, 0, 0}});
        QTRY_VERIFY(f.library.facts(gguf) && f.library.facts(gone));
        const QModelIndex m = f.library.index(0), missing = f.library.index(1);
        QCOMPARE(f.library.data(m, ModelLibrary::ExpertsRole).toLongLong(), 8);
        QCOMPARE(f.library.data(m, ModelLibrary::ExpertsUsedRole).toLongLong(), 4);
        QCOMPARE(f.library.data(m, ModelLibrary::TotalParamsRole).toLongLong(), 3839488);
        QVERIFY(f.library.data(m, ModelLibrary::ActiveParamsRole).toLongLong() < 3839488);
        QCOMPARE(f.library.data(m, ModelLibrary::QuantizationRole).toString(), QStringLiteral("Q8_0"));
        QCOMPARE(f.library.data(m, ModelLibrary::ArchitectureRole).toString(), QStringLiteral("Qwen3 MoE"));
        QCOMPARE(f.library.data(m, ModelLibrary::ContextLengthRole).toLongLong(), 4096);
        QCOMPARE(f.library.data(m, ModelLibrary::EstimateContextRole).toLongLong(), 4096); // own context, ≤ 8192
        const double needed = f.library.data(m, ModelLibrary::MemoryNeededRole).toDouble();
        QVERIFY(needed > 4e6);

        f.library.setSystemMemory(quint64(needed) * 2, {{"gpu", quint64(needed) * 2, 0}});
        QCOMPARE(f.library.data(m, ModelLibrary::FitRole).toInt(), int(enclave::MemoryFit::FitsInVram));
        f.library.setSystemMemory(quint64(needed) * 2, {});
        QCOMPARE(f.library.data(m, ModelLibrary::FitRole).toInt(), int(enclave::MemoryFit::CpuInRam));
        QCOMPARE(f.library.data(m, ModelLibrary::FitTextRole).toString(), QStringLiteral("runs on CPU from RAM"));
        f.library.setSystemMemory(quint64(needed) / 2, {});
        QCOMPARE(f.library.data(m, ModelLibrary::FitRole).toInt(), int(enclave::MemoryFit::WillNotFit));

        QSignalSpy changed(&f.library, &QAbstractItemModel::dataChanged);
        f.library.setContextLength(32768); // a longer context needs more
        QCOMPARE(changed.count(), 1);
        QVERIFY(f.library.data(m, ModelLibrary::MemoryNeededRole).toDouble() > needed);

        QVERIFY(f.library.data(missing, ModelLibrary::MissingRole).toBool());
        QCOMPARE(f.library.data(missing, ModelLibrary::FitRole).toInt(), ModelLibrary::kFitUnknown);
        QVERIFY(!f.library.data(missing, ModelLibrary::FactsErrorRole).toString().isEmpty());
    }
};

QTEST_MAIN(TestModelLibrary)
#include "tst_model_library.moc"
