// Model path handling as the import dialog uses it: format detection, the cheap probe (which refuses
// a file that is not a model or is cut short), and opening either format through ModelFiles.
#include "engine/model/gguf_writer.h"
#include "engine/model/model_files.h"

#include "model_test_util.h"

#include <QTemporaryDir>
#include <QTest>

using namespace enclave;
using namespace enclave::testutil;

namespace {

void writeTinyGguf(const std::string &path, int splitNo = -1, int splitCount = 0)
{
    GgufWriter w;
    w.set("general.architecture", "llama");
    if (splitNo >= 0) {
        w.set("split.no", uint16_t(splitNo));
        w.set("split.count", uint16_t(splitCount));
    }
    w.addTensor("t" + std::to_string(splitNo), QuantType::F32, {8}, std::vector<uint8_t>(32, 1));
    w.write(path);
}

} // namespace

class TestModelFiles : public QObject {
    Q_OBJECT

private slots:
    void refpack();
    void ggufFolderAndSplit();
    void notAModel();
    void probeRefusesCutFiles();

private:
    QTemporaryDir m_dir;
    std::string tmp(const char *name) const { return m_dir.filePath(name).toStdString(); }
};

void TestModelFiles::refpack()
{
    const QString dir = refpackDir() + "/models/qwen3_moe";
    if (!QFile::exists(dir + "/hf/config.json"))
        QSKIP("reference pack not present");
    const std::string gguf = (dir + "/gguf/qwen3_moe-q4_k_m.gguf").toStdString();
    ModelProbe p = probeModelPath(gguf);
    QVERIFY2(p.ok, p.error.c_str());
    QCOMPARE(p.format, ModelFormat::Gguf);
    QCOMPARE(p.architecture, std::string("qwen3moe"));
    QCOMPARE(p.totalBytes, uint64_t(QFileInfo(QString::fromStdString(gguf)).size()));
    QCOMPARE(p.fileCount, 1);

    const QString hf = dir + "/hf";
    for (const QString &path : {hf, hf + "/model.safetensors", hf + "/config.json"}) {
        p = probeModelPath(path.toStdString());
        QVERIFY2(p.ok, p.error.c_str());
        QCOMPARE(p.format, ModelFormat::Safetensors);
        QCOMPARE(p.architecture, std::string("Qwen3MoeForCausalLM"));
        QCOMPARE(p.totalBytes, uint64_t(QFileInfo(hf + "/model.safetensors").size()));
    }

    const ModelFiles g(gguf);
    QCOMPARE(g.format(), ModelFormat::Gguf);
    QVERIFY(g.gguf() && !g.safetensors());
    QVERIFY(g.findTensor("token_embd.weight"));
    QCOMPARE(g.architecture(), std::string("qwen3moe"));
    const ModelFiles s(hf.toStdString());
    QCOMPARE(s.format(), ModelFormat::Safetensors);
    QVERIFY(s.safetensors() && !s.gguf());
    QCOMPARE(s.tensors().size(), s.safetensors()->tensors().size());
    QVERIFY(s.findTensor("model.embed_tokens.weight"));
    QCOMPARE(s.totalBytes(), p.totalBytes);
}

void TestModelFiles::ggufFolderAndSplit()
{
    QDir(m_dir.path()).mkpath("one");
    writeTinyGguf(tmp("one/model.gguf"));
    auto [format, resolved] = resolveModelPath(tmp("one"));
    QCOMPARE(format, ModelFormat::Gguf);
    QCOMPARE(resolved, tmp("one/model.gguf"));

    QDir(m_dir.path()).mkpath("split");
    for (int i = 0; i < 3; ++i)
        writeTinyGguf(ggufSplitPath(tmp("split/m"), i + 1, 3), i, 3);
    ModelProbe p = probeModelPath(tmp("split"));
    QVERIFY2(p.ok, p.error.c_str());
    QCOMPARE(p.fileCount, 3);
    QCOMPARE(p.architecture, std::string("llama"));
    const ModelFiles opened(ggufSplitPath(tmp("split/m"), 2, 3));
    QCOMPARE(opened.tensors().size(), size_t(3));

    QFile::remove(QString::fromStdString(ggufSplitPath(tmp("split/m"), 3, 3)));
    p = probeModelPath(ggufSplitPath(tmp("split/m"), 1, 3));
    QVERIFY(!p.ok);
    QVERIFY2(contains(p.error, "m-00003-of-00003.gguf") && contains(p.error, "missing"), p.error.c_str());

    writeTinyGguf(tmp("one/other.gguf"));
    p = probeModelPath(tmp("one"));
    QVERIFY2(!p.ok && contains(p.error, "2 GGUF models"), p.error.c_str());
}

void TestModelFiles::notAModel()
{
    QVERIFY(writeAll(m_dir.filePath("notes.txt"), "hello"));
    ModelProbe p = probeModelPath(tmp("notes.txt"));
    QVERIFY2(!p.ok && contains(p.error, "notes.txt") && contains(p.error, "not a model file"), p.error.c_str());
    QCOMPARE(firstLine(p.error), std::string("This is not a model file: neither GGUF nor safetensors."));
    QVERIFY(writeAll(m_dir.filePath("notes.gguf"), "hello, this is a text file renamed .gguf\n"));
    p = probeModelPath(tmp("notes.gguf"));
    QVERIFY2(!p.ok && p.format == ModelFormat::Gguf && contains(p.error, "notes.gguf"), p.error.c_str());
    QCOMPARE(firstLine(p.error), std::string("This is not a GGUF model file."));
    p = probeModelPath(tmp("nothing-here"));
    QVERIFY2(!p.ok && contains(p.error, "no such file"), p.error.c_str());
    QDir(m_dir.path()).mkpath("empty");
    p = probeModelPath(tmp("empty"));
    QVERIFY2(!p.ok && contains(p.error, "no model"), p.error.c_str());
    QVERIFY(writeAll(m_dir.filePath("fake.gguf"), QByteArray("GGUF\x01\0\0\0", 8) + QByteArray(40, '\0')));
    p = probeModelPath(tmp("fake.gguf"));
    QVERIFY2(!p.ok && p.format == ModelFormat::Gguf && contains(p.error, "version 1"), p.error.c_str());
    QVERIFY(writeAll(m_dir.filePath("fake.safetensors"), QByteArray(8, '\xff')));
    p = probeModelPath(tmp("fake.safetensors"));
    QVERIFY2(!p.ok && p.format == ModelFormat::Safetensors && contains(p.error, "exceeds"), p.error.c_str());
    QVERIFY(!contains(errorOf([&] { ModelFiles m(tmp("notes.txt")); }), kWrongException));
}

// The import probe reads as much as loading does: a download cut inside the tensor data (the
// header intact) is refused too, for both formats.
void TestModelFiles::probeRefusesCutFiles()
{
    const QString dir = refpackDir() + "/models/qwen3_moe";
    if (!QFile::exists(dir + "/hf/config.json"))
        QSKIP("reference pack not present");
    for (const QString &source : {dir + "/gguf/qwen3_moe-q8_0.gguf", dir + "/hf/model.safetensors"}) {
        const QByteArray full = readAll(source);
        const QString cut = m_dir.filePath("cut-" + QFileInfo(source).fileName());
        QVERIFY(writeAll(cut, full.left(full.size() / 2)));
        const ModelProbe p = probeModelPath(cut.toStdString());
        const std::string expected = "The file is incomplete (" + formatBytes(uint64_t(full.size() / 2)) + " of ";
        QVERIFY2(!p.ok && firstLine(p.error).starts_with(expected), p.error.c_str());
        QVERIFY2(contains(p.error, cut.toStdString()), p.error.c_str());
    }
}

QTEST_APPLESS_MAIN(TestModelFiles)
#include "tst_model_files.moc"
