// Naming a checkpoint: generic folder and file names ("hf", "model", shards, a hub snapshot) are
// skipped for the nearest meaningful one; config.json's _name_or_path wins when it names a model;
// a converted GGUF carries the name as general.name.
#include "engine/model/gguf_model.h"
#include "engine/tools/model_converter.h"
#include "engine/tools/model_name.h"

#include <QTemporaryDir>
#include <QtTest>

#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>

using namespace enclave;
namespace fs = std::filesystem;

namespace {

// Makes `relative` (a folder, or a file when it has an extension) under `root`; returns its path.
std::string make(const QTemporaryDir &root, const std::string &relative, const std::string &config = {})
{
    const fs::path p = fs::path(root.path().toStdString()) / relative;
    const bool isFile = p.has_extension();
    fs::create_directories(isFile ? p.parent_path() : p);
    if (isFile)
        std::ofstream(p) << "x";
    if (!config.empty())
        std::ofstream((isFile ? p.parent_path() : p) / "config.json") << config;
    return p.string();
}

} // namespace

class TestModelName : public QObject {
    Q_OBJECT

private slots:
    void fromPath_data()
    {
        QTest::addColumn<QString>("relative");
        QTest::addColumn<QString>("expected");
        QTest::newRow("named folder") << "Qwen3-8B" << "Qwen3-8B";
        QTest::newRow("hf folder") << "qwen3_moe/hf" << "qwen3_moe";
        QTest::newRow("model folder") << "Mistral-7B/model" << "Mistral-7B";
        QTest::newRow("named file") << "dl/tiny-llama.safetensors" << "tiny-llama";
        QTest::newRow("generic file") << "phi-2/model.safetensors" << "phi-2";
        QTest::newRow("shard in hf") << "gemma/hf/model-00001-of-00002.safetensors" << "gemma";
        QTest::newRow("config file") << "olmo/config.json" << "olmo";
        QTest::newRow("hub snapshot") << "models--Qwen--Qwen3-0.6B/snapshots/0123456789abcdef0123456789abcdef01234567"
                                      << "Qwen3-0.6B";
        QTest::newRow("all generic") << "models/checkpoints/hf" << "hf"; // nothing better: the plain name
    }
    void fromPath()
    {
        QFETCH(QString, relative);
        QFETCH(QString, expected);
        QTemporaryDir root;
        const std::string path = make(root, relative.toStdString());
        QCOMPARE(QString::fromStdString(modelNameFromPath(path)), expected);
        QCOMPARE(QString::fromStdString(checkpointName(path)), expected); // no config.json: the same
    }

    void fromConfig_data()
    {
        QTest::addColumn<QString>("nameOrPath");
        QTest::addColumn<QString>("expected");
        QTest::newRow("hub id") << "Qwen/Qwen3-30B-A3B" << "Qwen3-30B-A3B";
        QTest::newRow("bare id") << "gpt2" << "gpt2";
        QTest::newRow("local named path") << "/data/train/my-finetune" << "my-finetune";
        QTest::newRow("local hf path") << "/data/SmolLM2-135M/hf" << "SmolLM2-135M";
        QTest::newRow("dot: the path decides") << "." << "llama";
        QTest::newRow("empty: the path decides") << "" << "llama";
        QTest::newRow("separators are made safe") << "org/we:ird*name" << "we_ird_name";
    }
    void fromConfig()
    {
        QFETCH(QString, nameOrPath);
        QFETCH(QString, expected);
        QTemporaryDir root;
        const nlohmann::json config = {{"model_type", "llama"}, {"_name_or_path", nameOrPath.toStdString()}};
        const std::string folder = make(root, "llama/hf", config.dump());
        QCOMPARE(QString::fromStdString(checkpointName(folder)), expected);
        QCOMPARE(QString::fromStdString(checkpointName(folder + "/model.safetensors")), expected);
    }

    void brokenConfigFallsBackToThePath()
    {
        QTemporaryDir root;
        const std::string folder = make(root, "llama/hf", "{not json");
        QCOMPARE(QString::fromStdString(checkpointName(folder)), QStringLiteral("llama"));
    }

    void conversionWritesTheName()
    {
        const std::string source = ENCLAVE_REFPACK_DIR "/models/llama/hf";
        if (!fs::exists(source))
            QSKIP("reference pack not found beside the clone");
        QTemporaryDir out;
        const std::string gguf = out.filePath("out.gguf").toStdString();
        ConvertOptions o;
        o.mix = QuantMix::Q8_0;
        convertToGguf(source, gguf, o);
        const GgufModel model(gguf);
        QCOMPARE(QString::fromStdString(model.getString("general.name").value_or("")), QStringLiteral("llama"));
    }
};

QTEST_MAIN(TestModelName)
#include "tst_model_name.moc"
