// ModelInfo and `enclave-cli info` on every reference model, GGUF and safetensors alike:
// parameter counts equal the reference's, experts and hyper-parameters match config.json.
#include "engine/model_info.h"

#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTest>

using namespace enclave;

class TestModelInfo : public QObject {
    Q_OBJECT
    QJsonObject m_summary;

    QString refpack(const QString &rel) const { return QStringLiteral(ENCLAVE_REFPACK_DIR "/") + rel; }

private slots:
    void initTestCase()
    {
        QFile f(refpack(QStringLiteral("summary.json")));
        if (!f.open(QIODevice::ReadOnly))
            QSKIP("reference pack not found beside the clone");
        m_summary = QJsonDocument::fromJson(f.readAll()).object();
    }

    void matchesReference_data()
    {
        QTest::addColumn<QString>("model");
        QTest::addColumn<QString>("path");
        for (const QString model : {"qwen3_moe", "mixtral", "deepseek_v2", "llama"}) {
            QTest::addRow("%s hf", qPrintable(model)) << model << QStringLiteral("models/%1/hf").arg(model);
            for (const QString type : {"bf16", "q8_0", "q4_k_m", "q6_k", "q4_0"})
                QTest::addRow("%s %s", qPrintable(model), qPrintable(type))
                    << model << QStringLiteral("models/%1/gguf/%1-%2.gguf").arg(model, type);
        }
    }

    void matchesReference()
    {
        QFETCH(QString, model);
        QFETCH(QString, path);
        const std::string file = refpack(path).toStdString();
        const ModelInfo info = describeModel(ModelFiles(file), file);
        const QJsonObject ref = m_summary.value(model).toObject();
        QCOMPARE(info.totalParams, qint64(ref.value(QStringLiteral("parameters")).toDouble()));
        QCOMPARE(info.vocabSize, qint64(ref.value(QStringLiteral("vocab")).toInt()));
        QCOMPARE(info.layers, 2);
        QCOMPARE(info.embeddingLength, 256);
        QCOMPARE(info.contextLength, 4096);

        QFile configFile(refpack(QStringLiteral("models/%1/hf/config.json").arg(model)));
        QVERIFY(configFile.open(QIODevice::ReadOnly));
        const QJsonObject config = QJsonDocument::fromJson(configFile.readAll()).object();
        const int experts = config.value(QStringLiteral("num_local_experts"))
                                .toInt(config.value(QStringLiteral("n_routed_experts")).toInt());
        QCOMPARE(info.experts, experts);
        QCOMPARE(info.expertsUsed, config.value(QStringLiteral("num_experts_per_tok")).toInt());
        QCOMPARE(info.sharedExperts, config.value(QStringLiteral("n_shared_experts")).toInt());
        if (experts > 0)
            QVERIFY(info.activeParams < info.totalParams);
        else
            QCOMPARE(info.activeParams, info.totalParams);
        int tensors = 0;
        for (const auto &entry : info.tensorTypes)
            tensors += entry.second;
        QVERIFY(tensors > 0);
        QVERIFY(QByteArray::fromStdString(modelInfoJson(info)).contains("\"active\""));
        // The family as people name it; a GGUF's quantization as its file type names it (the file
        // names of the pack end in it).
        const QString family = QString::fromStdString(info.family);
        if (model == QLatin1String("qwen3_moe"))
            QCOMPARE(family, QStringLiteral("Qwen3 MoE"));
        else if (model == QLatin1String("mixtral"))
            QCOMPARE(family, QStringLiteral("Mixtral"));
        else if (model == QLatin1String("llama"))
            QCOMPARE(family, QStringLiteral("Llama"));
        else
            QVERIFY2(family.startsWith(QStringLiteral("DeepSeek")), qPrintable(family));
        if (path.endsWith(QStringLiteral(".gguf"))) {
            const QString suffix = path.section(QLatin1Char('-'), -1).chopped(5).toUpper();
            QCOMPARE(QString::fromStdString(info.fileType), suffix);
        }
    }

    // The 2026 architectures of the second pack: parameters as its model_info.json counts them (less
    // llama3's rope_freqs table, which is computed, not learned), experts and shared experts (a count key, or one when the file has shared-expert tensors).
    void newArchitecturesMatchPack2_data()
    {
        QTest::addColumn<QString>("model");
        for (const char *model : {"gpt_oss", "glm4_moe", "minimax_m2", "qwen35_moe", "llama4", "ernie45_moe"})
            QTest::newRow(model) << QString(model);
    }

    void newArchitecturesMatchPack2()
    {
        QFETCH(QString, model);
        const QString dir = QStringLiteral(ENCLAVE_REFPACK2_DIR "/models/%1/").arg(model);
        QFile f(dir + QStringLiteral("ref/model_info.json"));
        if (!f.open(QIODevice::ReadOnly))
            QSKIP("second reference pack not found beside the clone");
        const QJsonObject ref = QJsonDocument::fromJson(f.readAll()).object();
        const QJsonObject kv = ref.value(QStringLiteral("gguf_kv")).toObject();
        bool hasSharedTensors = false;
        qint64 params = qint64(ref.value(QStringLiteral("n_params")).toDouble());
        for (const QJsonValue t : ref.value(QStringLiteral("tensors")).toArray()) {
            const QString name = t.toObject().value(QStringLiteral("name")).toString();
            hasSharedTensors |= name.contains(QStringLiteral("_shexp"));
            if (name.startsWith(QStringLiteral("rope_freqs"))) {
                qint64 elements = 1;
                for (const QJsonValue d : t.toObject().value(QStringLiteral("ggml_ne")).toArray())
                    elements *= d.toInt();
                params -= elements;
            }
        }
        const int shared = kv.value(QStringLiteral("expert_shared_count")).toInt(hasSharedTensors ? 1 : 0);
        for (const QString &file : QDir(dir + QStringLiteral("gguf")).entryList({QStringLiteral("*.gguf")})) {
            const std::string path = (dir + QStringLiteral("gguf/") + file).toStdString();
            const ModelInfo info = describeModel(ModelFiles(path), path);
            QCOMPARE(info.totalParams, params);
            QCOMPARE(info.layers, kv.value(QStringLiteral("block_count")).toInt());
            QCOMPARE(info.experts, kv.value(QStringLiteral("expert_count")).toInt());
            QCOMPARE(info.expertsUsed, kv.value(QStringLiteral("expert_used_count")).toInt());
            QCOMPARE(info.sharedExperts, shared);
            QVERIFY2(QString::fromStdString(info.fileType).startsWith(file.section(QLatin1Char('-'), -1).chopped(5).toUpper()),
                     info.fileType.c_str()); // mxfp4 → MXFP4_MOE
            QVERIFY(info.family != info.architecture || model == QLatin1String("gpt_oss"));
            QVERIFY(info.activeParams < info.totalParams);
        }
    }
};

QTEST_GUILESS_MAIN(TestModelInfo)
#include "tst_model_info.moc"
