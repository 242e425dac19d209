// ModelLibrary: the safetensors import choice (options with sizes and free disk), quantization with
// progress into the data folder and registration of the result, cancel and a short disk leaving
// nothing behind, the source untouched; the facts and memory verdict of listed models (missing ones
// included). The storage side is stood in by answering addModelRequested directly.
#include "app/model_library.h"

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

        // The facts follow: the quantization is the dominant type of the new file.
        QTRY_VERIFY(f.library.facts(path));
        QCOMPARE(f.library.data(f.library.index(0), ModelLibrary::QuantizationRole).toString(), QStringLiteral("Q4_K"));
        QCOMPARE(f.library.data(f.library.index(0), ModelLibrary::ArchitectureRole).toString(), QStringLiteral("llama"));
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
