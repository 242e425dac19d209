// Safetensors reader: the refpack Hugging Face folders, a sharded folder with an index, unsupported
// dtypes, and damaged or cut headers (every one must fail with a plain first line, then the file name
// and what is wrong, never crash).
#include "engine/model/gguf_model.h"
#include "engine/model/safetensors_model.h"

#include "model_test_util.h"

#include <QTemporaryDir>
#include <QTest>

#include <algorithm>
#include <cstring>
#include <random>

using namespace enclave;
using namespace enclave::testutil;
using nlohmann::json;

namespace {

const char *const kModels[] = {"qwen3_moe", "mixtral", "deepseek_v2", "llama"};

struct Tensor {
    std::string name;
    std::string dtype;
    std::vector<int64_t> shape;
    QByteArray data;
};

// A header as written by the reference implementation: JSON padded with spaces to a multiple of 8.
QByteArray withHeader(const std::string &header, const QByteArray &data)
{
    std::string h = header;
    h.append((8 - h.size() % 8) % 8, ' ');
    QByteArray bytes(8, '\0');
    patch(bytes, 0, uint64_t(h.size()));
    return bytes + QByteArray::fromStdString(h) + data;
}

QByteArray safetensors(const std::vector<Tensor> &tensors, const json &metadata = json())
{
    json header = json::object();
    if (!metadata.is_null())
        header["__metadata__"] = metadata;
    QByteArray data;
    for (const Tensor &t : tensors) {
        const json offsets = {data.size(), data.size() + t.data.size()};
        header[t.name] = {{"dtype", t.dtype}, {"shape", t.shape}, {"data_offsets", offsets}};
        data += t.data;
    }
    return withHeader(header.dump(), data);
}

QByteArray pattern(qsizetype n, int seed)
{
    QByteArray b(n, '\0');
    for (qsizetype i = 0; i < n; ++i)
        b[i] = char((i * 31 + seed * 7) & 0xff);
    return b;
}

// The first lines a user reads (written out here, not taken from the engine); their starts.
const QString kNotSafetensors = QStringLiteral("This is not a safetensors model file.");
const QString kDamaged = QStringLiteral("This safetensors file is damaged and cannot be read.");
const QString kIncomplete = QStringLiteral("The file is incomplete (");

// N, the header length in the first 8 bytes.
uint64_t headerLength(const QByteArray &file)
{
    uint64_t n = 0;
    std::memcpy(&n, file.constData(), sizeof n);
    return n;
}

// Two tensors of 16 bytes each: the fixture of the corruption tests.
QByteArray smallFile()
{
    return safetensors({{"a", "F32", {2, 2}, pattern(16, 1)}, {"b", "BF16", {8}, pattern(16, 2)}});
}

} // namespace

class TestSafetensors : public QObject {
    Q_OBJECT

private slots:
    void refpackFolders_data();
    void refpackFolders();
    void dtypes();
    void shardedFolder();
    void shardedFolderErrors();
    void folderErrors();
    void corruptHeaders_data();
    void corruptHeaders();
    void truncated();
    void truncatedRefpackModel();
    void randomFlips();

private:
    QTemporaryDir m_dir;
    QString file(const QString &name, const QByteArray &bytes) const
    {
        const QString path = m_dir.filePath(name);
        QDir().mkpath(QFileInfo(path).path());
        return writeAll(path, bytes) ? path : QString();
    }
};

void TestSafetensors::refpackFolders_data()
{
    QTest::addColumn<QString>("model");
    for (const char *model : kModels)
        QTest::newRow(model) << QString(model);
}

void TestSafetensors::refpackFolders()
{
    QFETCH(QString, model);
    const QString hf = refpackDir() + "/models/" + model + "/hf";
    if (!QFile::exists(hf + "/model.safetensors"))
        QSKIP("reference pack not present");
    std::unique_ptr<SafetensorsModel> st;
    const std::string error = errorOf([&] { st = std::make_unique<SafetensorsModel>(hf.toStdString()); });
    QVERIFY2(error.empty(), error.c_str());
    const json &config = st->config();
    QCOMPARE(config.value("hidden_size", 0), 256);
    const int64_t vocab = config.value("vocab_size", int64_t(0));
    const int layers = config.value("num_hidden_layers", 0);
    QCOMPARE(layers, 2);
    QVERIFY(!st->tensors().empty());
    QVERIFY(st->shards().front().unsupportedTensors().empty());
    for (const TensorView &t : st->tensors()) {
        QVERIFY2(t.type == QuantType::BF16, t.name.c_str());
        QCOMPARE(t.bytes, uint64_t(t.elements() * 2));
        QVERIFY2(!t.name.starts_with("model.layers.") || std::stoi(t.name.substr(13)) < layers, t.name.c_str());
    }
    QCOMPARE(st->architecture(), config["architectures"][0].get<std::string>());
    const TensorView *embd = st->findTensor("model.embed_tokens.weight");
    QVERIFY(embd);
    QCOMPARE(embd->shape, (std::vector<int64_t>{vocab, 256}));
    QCOMPARE(st->findTensor("model.norm.weight")->shape, std::vector<int64_t>{256});
    QCOMPARE(st->findTensor("lm_head.weight")->shape, (std::vector<int64_t>{vocab, 256}));
    QVERIFY(st->findTensor("model.layers.1.input_layernorm.weight"));

    // The bf16 GGUF holds the same embedding bytes: both readers found the right data.
    const QString gguf = refpackDir() + "/models/" + model + "/gguf/" + model + "-bf16.gguf";
    const GgufModel g(gguf.toStdString());
    const TensorView *ge = g.findTensor("token_embd.weight");
    QVERIFY(ge && ge->bytes == embd->bytes);
    QVERIFY(std::equal(embd->data, embd->data + embd->bytes, ge->data));

    const SafetensorsModel single((hf + "/model.safetensors").toStdString()); // config.json found beside it
    QCOMPARE(single.tensors().size(), st->tensors().size());
    QVERIFY(single.config() == config);
}

void TestSafetensors::dtypes()
{
    const QString path = file("dtypes.safetensors",
                              safetensors({{"f32", "F32", {2}, pattern(8, 1)},
                                           {"f16", "F16", {1, 2}, pattern(4, 2)},
                                           {"f8", "F8_E4M3", {4}, pattern(4, 3)},
                                           {"scalar", "BF16", {}, pattern(2, 4)},
                                           {"empty", "F32", {0, 4}, QByteArray()},
                                           {"pos_ids", "I64", {1, 3}, pattern(24, 5)},
                                           {"mask", "BOOL", {3}, pattern(3, 6)},
                                           {"future", "F4X", {5}, pattern(7, 7)}},
                                          {{"format", "pt"}}));
    const SafetensorsFile f(path.toStdString());
    QCOMPARE(f.metadata().value("format", ""), std::string("pt"));
    QCOMPARE(f.tensors().size(), size_t(5));
    QCOMPARE(f.unsupportedTensors().size(), size_t(3));
    QCOMPARE(f.findTensor("f8")->type, QuantType::F8_E4M3);
    QCOMPARE(f.findTensor("f16")->type, QuantType::F16);
    QCOMPARE(f.findTensor("scalar")->elements(), int64_t(1));
    QCOMPARE(f.findTensor("empty")->rows(), int64_t(0));
    QVERIFY(f.contains("pos_ids"));
    QVERIFY(!f.findTensor("nothing"));
    const std::string error = errorOf([&] { f.findTensor("pos_ids"); });
    QVERIFY2(contains(error, "dtype I64") && contains(error, "'pos_ids'") && contains(error, path.toStdString()),
             error.c_str());
    QVERIFY(contains(errorOf([&] { f.findTensor("future"); }), "dtype F4X"));
    const TensorView *f16 = f.findTensor("f16");
    QCOMPARE(QByteArray(reinterpret_cast<const char *>(f16->data), 4), pattern(4, 2));
    QCOMPARE(qsizetype(f.fileSize()), readAll(path).size());
    QCOMPARE(f.tensors().front().name, std::string("f32")); // data order, not header (alphabetical) order
}

void TestSafetensors::shardedFolder()
{
    file("sharded/config.json", R"({"architectures": ["LlamaForCausalLM"], "hidden_size": 8})");
    file("sharded/model-00001-of-00002.safetensors",
         safetensors({{"a", "BF16", {2, 8}, pattern(32, 1)}, {"b", "F32", {8}, pattern(32, 2)}}));
    file("sharded/model-00002-of-00002.safetensors",
         safetensors({{"c", "BF16", {8}, pattern(16, 3)}, {"ids", "I64", {2}, pattern(16, 4)}}));
    const json index = {{"metadata", {{"total_size", 96}}},
                        {"weight_map",
                         {{"a", "model-00001-of-00002.safetensors"},
                          {"b", "model-00001-of-00002.safetensors"},
                          {"c", "model-00002-of-00002.safetensors"},
                          {"ids", "model-00002-of-00002.safetensors"}}}};
    file("sharded/model.safetensors.index.json", QByteArray::fromStdString(index.dump()));
    const QString shard2 = m_dir.filePath("sharded/model-00002-of-00002.safetensors");
    for (const QString &open : {m_dir.filePath("sharded"), shard2}) {
        const SafetensorsModel m(open.toStdString());
        QCOMPARE(m.shards().size(), size_t(2));
        QCOMPARE(m.tensors().size(), size_t(3));
        QCOMPARE(m.architecture(), std::string("LlamaForCausalLM"));
        QCOMPARE(m.config().value("hidden_size", 0), 8);
        const TensorView *c = m.findTensor("c");
        QVERIFY(c);
        QCOMPARE(QByteArray(reinterpret_cast<const char *>(c->data), 16), pattern(16, 3));
        QVERIFY(m.contains("ids"));
        QVERIFY(contains(errorOf([&] { m.findTensor("ids"); }), "dtype I64"));
        QCOMPARE(m.totalBytes(), uint64_t(m.shards()[0].fileSize() + m.shards()[1].fileSize()));
    }
}

void TestSafetensors::shardedFolderErrors()
{
    file("s2/config.json", "{}");
    file("s2/one.safetensors", safetensors({{"a", "F32", {4}, pattern(16, 1)}}));
    const auto indexWith = [&](const json &weightMap) {
        file("s2/model.safetensors.index.json", QByteArray::fromStdString(json{{"weight_map", weightMap}}.dump()));
        return errorOf([&] { SafetensorsModel m(m_dir.filePath("s2").toStdString()); });
    };
    std::string error = indexWith({{"a", "one.safetensors"}, {"b", "two.safetensors"}});
    QVERIFY2(contains(error, "two.safetensors") && contains(error, "missing shard"), error.c_str());
    error = indexWith({{"a", "one.safetensors"}, {"z", "one.safetensors"}});
    QVERIFY2(contains(error, "one.safetensors") && contains(error, "tensor 'z' is missing"), error.c_str());
    error = indexWith({{"a", "../one.safetensors"}});
    QVERIFY2(contains(error, "model.safetensors.index.json") && contains(error, "file name"), error.c_str());
    error = indexWith({{"a", 5}});
    QVERIFY2(contains(error, "weight_map entry 'a'"), error.c_str());
    file("s2/model.safetensors.index.json", "{\"weight_map\": [");
    error = errorOf([&] { SafetensorsModel m(m_dir.filePath("s2").toStdString()); });
    QVERIFY2(contains(error, "model.safetensors.index.json") && contains(error, "not valid JSON"), error.c_str());
    file("s2/dup.safetensors", safetensors({{"a", "F32", {4}, pattern(16, 1)}, {"b", "F32", {4}, pattern(16, 2)}}));
    error = indexWith({{"a", "one.safetensors"}, {"b", "dup.safetensors"}});
    QVERIFY2(contains(error, "tensor 'a' is also in") && contains(error, "one.safetensors"), error.c_str());
}

void TestSafetensors::folderErrors()
{
    QDir(m_dir.path()).mkpath("noconfig");
    file("noconfig/model.safetensors", smallFile());
    std::string error = errorOf([&] { SafetensorsModel m(m_dir.filePath("noconfig").toStdString()); });
    QVERIFY2(contains(error, "config.json") && contains(error, "missing"), error.c_str());
    file("noweights/config.json", "{}");
    error = errorOf([&] { SafetensorsModel m(m_dir.filePath("noweights").toStdString()); });
    QVERIFY2(contains(error, "noweights") && contains(error, "no model.safetensors"), error.c_str());
    file("badconfig/config.json", "[1, 2]");
    file("badconfig/model.safetensors", smallFile());
    error = errorOf([&] { SafetensorsModel m(m_dir.filePath("badconfig").toStdString()); });
    QVERIFY2(contains(error, "config.json") && contains(error, "expected an object"), error.c_str());
}

void TestSafetensors::corruptHeaders_data()
{
    QTest::addColumn<QByteArray>("bytes");
    QTest::addColumn<QString>("expected");
    QTest::addColumn<QString>("userLine"); // the start of the first line
    const QByteArray data = pattern(32, 1);
    const auto h = [&](const char *header) { return withHeader(header, data); };
    QByteArray hugeLength = smallFile();
    patch(hugeLength, 0, uint64_t(1) << 62);
    QByteArray pastEnd = smallFile();
    patch(pastEnd, 0, uint64_t(pastEnd.size() - 7));

    QTest::newRow("too small") << QByteArray("\x02\0\0", 3) << "too small" << kIncomplete;
    QTest::newRow("header past end") << pastEnd << "exceeds" << kIncomplete;
    QTest::newRow("huge header length") << hugeLength << "exceeds" << kNotSafetensors;
    QTest::newRow("not json") << h("{\"a\": ") << "not valid JSON" << kDamaged;
    QTest::newRow("json array") << h("[1, 2]") << "expected an object" << kDamaged;
    QTest::newRow("entry not object") << h(R"({"a": 5})") << "tensor 'a': entry is a JSON number" << kDamaged;
    QTest::newRow("no dtype") << h(R"({"a": {"shape": [2], "data_offsets": [0, 8]}})") << "dtype" << kDamaged;
    QTest::newRow("no shape") << h(R"({"a": {"dtype": "F32", "data_offsets": [0, 8]}})") << "missing \"shape\""
                              << kDamaged;
    QTest::newRow("negative dim") << h(R"({"a": {"dtype": "F32", "shape": [-2], "data_offsets": [0, 8]}})")
                                  << "non-negative" << kDamaged;
    QTest::newRow("float dim") << h(R"({"a": {"dtype": "F32", "shape": [2.5], "data_offsets": [0, 8]}})")
                               << "non-negative" << kDamaged;
    QTest::newRow("three offsets") << h(R"({"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 4, 8]}})")
                                   << "expected 2" << kDamaged;
    QTest::newRow("begin after end") << h(R"({"a": {"dtype": "F32", "shape": [0], "data_offsets": [8, 4]}})")
                                     << "outside the data area" << kDamaged;
    QTest::newRow("end past data") << h(R"({"a": {"dtype": "F32", "shape": [10], "data_offsets": [0, 40]}})")
                                   << "outside the data area [0, 32)" << kIncomplete;
    QTest::newRow("size mismatch") << h(R"({"a": {"dtype": "F32", "shape": [2, 2], "data_offsets": [0, 12]}})")
                                   << "span 12 bytes, expected 4 elements x 4 bytes (F32) = 16" << kDamaged;
    QTest::newRow("size overflow")
        << h(R"({"a": {"dtype": "F32", "shape": [4611686018427387904, 2], "data_offsets": [0, 8]}})") << "overflow"
        << kDamaged;
    QTest::newRow("overlap") << h(R"({"a": {"dtype": "F32", "shape": [4], "data_offsets": [0, 16]},
                                      "b": {"dtype": "F32", "shape": [4], "data_offsets": [8, 24]}})")
                             << "overlap tensor 'a'" << kDamaged;
    QTest::newRow("bad metadata") << h(R"({"__metadata__": [1]})") << "__metadata__" << kDamaged;
}

void TestSafetensors::corruptHeaders()
{
    QFETCH(QByteArray, bytes);
    QFETCH(QString, expected);
    QFETCH(QString, userLine);
    const QString path = file("corrupt.safetensors", bytes);
    const std::string error = errorOf([&] { SafetensorsFile f(path.toStdString()); });
    QVERIFY2(contains(error, path.toStdString()) && contains(error, expected.toStdString()), error.c_str());
    QVERIFY2(firstLine(error).starts_with(userLine.toStdString()), error.c_str());
}

void TestSafetensors::truncated()
{
    const QByteArray full = smallFile();
    const qsizetype dataOffset = 8 + qsizetype(headerLength(full));
    const QString path = m_dir.filePath("truncated.safetensors");
    for (qsizetype size = 0; size < full.size(); ++size) {
        QVERIFY(writeAll(path, full.left(size)));
        const std::string error = errorOf([&] { SafetensorsFile f(path.toStdString()); });
        const std::string detail = "truncated to " + std::to_string(size) + ": got \"" + error + "\"";
        QVERIFY2(contains(error, path.toStdString()) && !contains(error, kWrongException), detail.c_str());
        const std::string expected = size < dataOffset ? cutInHeaderLine(uint64_t(size))
                                                       : cutInDataLine(uint64_t(size), uint64_t(full.size()));
        QVERIFY2(firstLine(error) == expected, detail.c_str());
    }
    QVERIFY(writeAll(path, full));
    QVERIFY(errorOf([&] { SafetensorsFile f(path.toStdString()); }).empty());
}

// A real checkpoint cut inside its header and inside its tensor data: the size found and the size
// its header implies (8 + header length + the end of the data that ends last), in human units.
void TestSafetensors::truncatedRefpackModel()
{
    const QString source = refpackDir() + "/models/qwen3_moe/hf/model.safetensors";
    if (!QFile::exists(source))
        QSKIP("reference pack not present");
    const QByteArray full = readAll(source);
    const uint64_t dataOffset = 8 + headerLength(full);
    const json header = json::parse(full.mid(8, qsizetype(dataOffset - 8)).toStdString());
    uint64_t dataEnd = 0;
    for (const auto &[name, entry] : header.items())
        if (name != "__metadata__")
            dataEnd = std::max(dataEnd, dataOffset + entry["data_offsets"][1].get<uint64_t>());
    const QString path = m_dir.filePath("cut.safetensors");
    QVERIFY(writeAll(path, full.left(qsizetype(dataEnd))));
    QVERIFY(errorOf([&] { SafetensorsFile f(path.toStdString()); }).empty());
    for (uint64_t size : {uint64_t(5), uint64_t(100), dataOffset / 2, dataOffset - 1}) {
        QVERIFY(writeAll(path, full.left(qsizetype(size))));
        const std::string error = errorOf([&] { SafetensorsFile f(path.toStdString()); });
        QVERIFY2(firstLine(error) == cutInHeaderLine(size), (std::to_string(size) + ": " + error).c_str());
    }
    for (uint64_t size : {dataOffset, dataEnd / 2, dataEnd - 100'000}) {
        QVERIFY(writeAll(path, full.left(qsizetype(size))));
        const std::string error = errorOf([&] { SafetensorsFile f(path.toStdString()); });
        QVERIFY2(firstLine(error) == cutInDataLine(size, dataEnd),
                 (std::to_string(size) + ": " + error).c_str());
        QVERIFY2(contains(error, path.toStdString()) && contains(error, std::to_string(dataEnd) + " bytes"),
                 error.c_str());
    }
}

void TestSafetensors::randomFlips()
{
    const QByteArray full = smallFile();
    const QString path = m_dir.filePath("flipped.safetensors");
    std::mt19937 rng(99);
    for (int iter = 0; iter < 1000; ++iter) {
        QByteArray bytes = full;
        for (int k = 0; k < 1 + int(rng() % 3); ++k)
            bytes[qsizetype(rng() % uint32_t(full.size() - 32))] = char(rng());
        QVERIFY(writeAll(path, bytes));
        const std::string error = errorOf([&] { SafetensorsFile f(path.toStdString()); });
        QVERIFY2(!contains(error, kWrongException), error.c_str());
    }
}

QTEST_APPLESS_MAIN(TestSafetensors)
#include "tst_safetensors.moc"
