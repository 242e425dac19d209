// GGUF reader and writer: every refpack GGUF opens with the expected architecture, metadata and tensor
// types; every value type round-trips through GgufWriter; split models open as one.
// Corrupt and truncated files are covered by tst_gguf_corrupt.cpp.
#include "engine/model/gguf.h"
#include "engine/model/gguf_model.h"
#include "engine/model/gguf_writer.h"

#include "model_test_util.h"

#include <QTemporaryDir>
#include <QTest>

#include <nlohmann/json.hpp>

#include <cmath>
#include <fstream>
#include <limits>
#include <map>
#include <random>

using namespace enclave;
using namespace enclave::testutil;

namespace {

const char *const kModels[] = {"qwen3_moe", "mixtral", "deepseek_v2", "llama"};
const char *const kTypes[] = {"bf16", "q8_0", "q4_k_m", "q6_k", "q4_0"};

std::vector<uint8_t> randomBytes(size_t n, uint32_t seed)
{
    std::mt19937 rng(seed);
    std::vector<uint8_t> v(n);
    for (uint8_t &b : v)
        b = static_cast<uint8_t>(rng());
    return v;
}

// Every scalar type at its extremes, strings and arrays of every element type (nested included).
GgufMetadata allValueTypes()
{
    GgufMetadata m;
    m.set("t.u8", uint8_t(255));
    m.set("t.i8", int8_t(-128));
    m.set("t.u16", uint16_t(65535));
    m.set("t.i16", int16_t(-32768));
    m.set("t.u32", uint32_t(4294967295u));
    m.set("t.i32", int32_t(-2147483647 - 1));
    m.set("t.u64", std::numeric_limits<uint64_t>::max());
    m.set("t.i64", std::numeric_limits<int64_t>::min());
    m.set("t.f32", 3.25f);
    m.set("t.f64", -1.0e300);
    m.set("t.bool.true", true);
    m.set("t.bool.false", false);
    m.set("t.str", "héllo \xe4\xbd\xa0\xe5\xa5\xbd");
    m.set("t.str.empty", "");
    m.set("t.arr.u8", GgufArray::of<uint8_t>({0, 1, 255}));
    m.set("t.arr.i8", GgufArray::of<int8_t>({-1, 127}));
    m.set("t.arr.u16", GgufArray::of<uint16_t>({7, 65535}));
    m.set("t.arr.i16", GgufArray::of<int16_t>({-7, 300}));
    m.set("t.arr.u32", GgufArray::of<uint32_t>({1, 4000000000u}));
    m.set("t.arr.i32", GgufArray::of<int32_t>({-5, 5, 0}));
    m.set("t.arr.u64", GgufArray::of<uint64_t>({std::numeric_limits<uint64_t>::max(), 3}));
    m.set("t.arr.i64", GgufArray::of<int64_t>({std::numeric_limits<int64_t>::min(), 9}));
    m.set("t.arr.f32", GgufArray::of<float>({0.5f, -2.0f}));
    m.set("t.arr.f64", GgufArray::of<double>({1e-300, 2.5}));
    m.set("t.arr.bool", GgufArray::of<bool>({true, false, true}));
    const std::string strs[] = {"a", "", "long string with spaces", "\xf0\x9f\x98\x80"};
    m.set("t.arr.str", GgufArray::ofStrings(strs));
    m.set("t.arr.empty", GgufArray::of<float>(std::span<const float>()));
    std::vector<GgufArray> inner = {GgufArray::of<int32_t>({1, 2}), GgufArray::ofStrings(std::span(strs, 2)),
                                    GgufArray::ofArrays({GgufArray::of<uint8_t>({9})})};
    m.set("t.arr.nested", GgufArray::ofArrays(std::move(inner)));
    return m;
}

void writeShard(const QString &path, int no, int count, int64_t tensorsTotal,
                const std::vector<std::pair<std::string, std::vector<uint8_t>>> &tensors)
{
    GgufWriter w;
    if (no == 0) {
        w.set("general.architecture", "llama");
        w.set("llama.block_count", uint32_t(2));
        w.set("split.tensors.count", int32_t(tensorsTotal));
    }
    w.set("split.no", uint16_t(no));
    w.set("split.count", uint16_t(count));
    for (const auto &[name, data] : tensors)
        w.addTensor(name, QuantType::F32, {int64_t(data.size() / 4 / 8), 8}, data);
    w.write(path.toStdString());
}

} // namespace

class TestGguf : public QObject {
    Q_OBJECT

private slots:
    void refpackModels_data();
    void refpackModels();
    void roundTripValueTypes();
    void roundTripTensors_data();
    void roundTripTensors();
    void typedGetters();
    void splitNames();
    void splitModel();
    void splitMissingShard();
    void splitInconsistentKeys();

private:
    QTemporaryDir m_dir;
    std::string tmp(const char *name) const { return m_dir.filePath(name).toStdString(); }
};

void TestGguf::refpackModels_data()
{
    QTest::addColumn<QString>("model");
    QTest::addColumn<QString>("type");
    for (const char *model : kModels)
        for (const char *type : kTypes)
            QTest::newRow(qPrintable(QString("%1-%2").arg(model, type))) << QString(model) << QString(type);
}

void TestGguf::refpackModels()
{
    QFETCH(QString, model);
    QFETCH(QString, type);
    const QString path = refpackDir() + "/models/" + model + "/gguf/" + model + "-" + type + ".gguf";
    if (!QFile::exists(path))
        QSKIP("reference pack not present");
    std::ifstream summaryFile((refpackDir() + "/summary.json").toStdString());
    const nlohmann::json summary = nlohmann::json::parse(summaryFile);
    const nlohmann::json &expected = summary[model.toStdString()]["gguf"][type.toStdString()];

    std::unique_ptr<GgufModel> file;
    const std::string error = errorOf([&] { file = std::make_unique<GgufModel>(path.toStdString()); });
    QVERIFY2(error.empty(), error.c_str());
    const std::string arch = file->architecture();
    QCOMPARE(arch, expected["architecture"].get<std::string>());
    QCOMPARE(file->tensors().size(), expected["n_tensors"].get<size_t>());
    QCOMPARE(file->shards().front().version(), 3u);

    std::map<std::string, int> typeCounts;
    for (const TensorView &t : file->tensors()) {
        ++typeCounts[std::string(quantTypeName(t.type))];
        QCOMPARE(int64_t(t.bytes), quantRowBytes(t.type, t.rowLength()) * t.rows());
    }
    std::map<std::string, int> expectedCounts;
    for (const auto &[name, count] : expected["tensor_types"].items())
        expectedCounts[name] = count.get<int>();
    QVERIFY2(typeCounts == expectedCounts, ("tensor type counts differ for " + path.toStdString()).c_str());

    const int64_t vocab = summary[model.toStdString()]["vocab"].get<int64_t>();
    QCOMPARE(file->getInt(arch + ".block_count"), std::optional<int64_t>(2));
    QCOMPARE(file->getInt(arch + ".embedding_length"), std::optional<int64_t>(256));
    const auto tokens = file->getStringArray("tokenizer.ggml.tokens");
    QVERIFY(tokens.has_value());
    QCOMPARE(int64_t(tokens->size()), vocab);
    QCOMPARE(tokens->at(511), std::string_view("<|im_end|>"));
    const TensorView *embd = file->findTensor("token_embd.weight");
    QVERIFY(embd);
    QCOMPARE(embd->shape, (std::vector<int64_t>{vocab, 256}));
    QVERIFY(!file->findTensor("no.such.tensor"));
}

void TestGguf::roundTripValueTypes()
{
    const GgufMetadata meta = allValueTypes();
    GgufWriter w;
    w.setAll(meta);
    const std::string path = tmp("values.gguf");
    w.write(path);
    const GgufFile f(path);
    QCOMPARE(f.size(), meta.size());
    QVERIFY(f.tensors().empty());
    for (size_t i = 0; i < meta.size(); ++i) {
        const auto &[key, value] = meta.entries()[i];
        QCOMPARE(f.entries()[i].first, key);
        QVERIFY2(f.entries()[i].second == value, ("value differs for " + key).c_str());
        QCOMPARE(f.entries()[i].second.type(), value.type());
    }
    QCOMPARE(f.getArray("t.arr.nested")->arrayAt(2).arrayAt(0).at<uint8_t>(0), uint8_t(9));
    QCOMPARE(f.getArray("t.arr.nested")->arrayAt(1).stringAt(0), std::string_view("a"));
    QVERIFY(!QFile::exists(QString::fromStdString(path + ".tmp")));
}

void TestGguf::roundTripTensors_data()
{
    QTest::addColumn<uint32_t>("alignment");
    QTest::newRow("align32") << 32u;
    QTest::newRow("align64") << 64u;
    QTest::newRow("align4096") << 4096u;
}

void TestGguf::roundTripTensors()
{
    QFETCH(uint32_t, alignment);
    struct Spec {
        const char *name;
        QuantType type;
        std::vector<int64_t> shape;
    };
    const std::vector<Spec> specs = {
        {"f32.1d", QuantType::F32, {7}},           {"f16.2d", QuantType::F16, {3, 5}},
        {"bf16.3d", QuantType::BF16, {2, 3, 4}},   {"q8_0.2d", QuantType::Q8_0, {3, 64}},
        {"q4_k.4d", QuantType::Q4_K, {2, 1, 2, 256}},
    };
    GgufWriter w(alignment);
    w.set("general.architecture", "test");
    std::vector<std::vector<uint8_t>> data;
    for (size_t i = 0; i < specs.size(); ++i) {
        int64_t rows = 1;
        for (size_t d = 0; d + 1 < specs[i].shape.size(); ++d)
            rows *= specs[i].shape[d];
        data.push_back(randomBytes(size_t(quantRowBytes(specs[i].type, specs[i].shape.back()) * rows), uint32_t(i)));
        if (i % 2 == 0) {
            w.addTensor(specs[i].name, specs[i].type, specs[i].shape, data.back());
        } else {
            const std::vector<uint8_t> copy = data.back();
            w.addTensor(specs[i].name, specs[i].type, specs[i].shape,
                        [copy](std::span<uint8_t> out) { std::copy(copy.begin(), copy.end(), out.begin()); });
        }
    }
    const std::string path = tmp("tensors.gguf");
    w.write(path);
    const GgufFile f(path);
    QCOMPARE(f.alignment(), uint64_t(alignment));
    QCOMPARE(f.architecture(), std::string("test"));
    QCOMPARE(f.tensors().size(), specs.size());
    const uint8_t *base = f.tensors().front().data - f.dataOffset();
    for (size_t i = 0; i < specs.size(); ++i) {
        const TensorView &t = f.tensors()[i];
        QCOMPARE(t.name, std::string(specs[i].name));
        QCOMPARE(t.type, specs[i].type);
        QCOMPARE(t.shape, specs[i].shape);
        QCOMPARE(t.bytes, uint64_t(data[i].size()));
        QVERIFY(std::equal(data[i].begin(), data[i].end(), t.data));
        QCOMPARE(uint64_t(t.data - base) % alignment, uint64_t(0));
        QCOMPARE(f.findTensor(specs[i].name), &t);
    }
    QCOMPARE(f.tensors()[2].rows(), int64_t(6));
    QCOMPARE(f.tensors()[2].rowLength(), int64_t(4));
    QCOMPARE(f.tensors()[2].elements(), int64_t(24));
}

void TestGguf::typedGetters()
{
    GgufMetadata m = allValueTypes();
    QCOMPARE(m.getInt("t.u8"), std::optional<int64_t>(255));
    QCOMPARE(m.getInt("t.i8"), std::optional<int64_t>(-128));
    QCOMPARE(m.getInt("t.u32"), std::optional<int64_t>(4294967295LL));
    QCOMPARE(m.getInt("t.i64"), std::optional<int64_t>(std::numeric_limits<int64_t>::min()));
    QVERIFY(!m.getInt("t.u64"));  // does not fit int64
    QVERIFY(!m.getInt("t.f32"));  // floats are not integers
    QVERIFY(!m.getInt("t.bool.true"));
    QVERIFY(!m.getInt("no.such.key"));
    QCOMPARE(m.getFloat("t.f32"), std::optional<double>(3.25));
    QCOMPARE(m.getFloat("t.u16"), std::optional<double>(65535.0));
    QVERIFY(!m.getFloat("t.str"));
    QCOMPARE(m.getBool("t.bool.true"), std::optional<bool>(true));
    QCOMPARE(m.getBool("t.bool.false"), std::optional<bool>(false));
    QVERIFY(!m.getBool("t.u8"));
    QCOMPARE(m.getString("t.str.empty"), std::optional<std::string>(""));
    QVERIFY(!m.getString("t.u8"));
    QCOMPARE(m.getIntArray("t.arr.u16"), (std::optional<std::vector<int64_t>>({7, 65535})));
    QCOMPARE(m.getIntArray("t.arr.i8"), (std::optional<std::vector<int64_t>>({-1, 127})));
    QVERIFY(!m.getIntArray("t.arr.u64")); // an element does not fit int64
    QVERIFY(!m.getIntArray("t.arr.f32"));
    QVERIFY(!m.getIntArray("t.arr.str"));
    QCOMPARE(m.getFloatArray("t.arr.f32"), (std::optional<std::vector<double>>({0.5, -2.0})));
    QCOMPARE(m.getFloatArray("t.arr.i32"), (std::optional<std::vector<double>>({-5, 5, 0})));
    QVERIFY(!m.getFloatArray("t.arr.str"));
    QCOMPARE(m.getStringArray("t.arr.str")->size(), size_t(4));
    QCOMPARE(m.getStringArray("t.arr.str")->at(2), std::string_view("long string with spaces"));
    QVERIFY(!m.getStringArray("t.arr.i32"));
    QCOMPARE(m.getArray("t.arr.empty")->size(), size_t(0));
    m.set("t.u8", int32_t(-3)); // replacing keeps the position
    QCOMPARE(m.entries().front().first, std::string("t.u8"));
    QCOMPARE(m.getInt("t.u8"), std::optional<int64_t>(-3));
    QVERIFY(m.remove("t.u8"));
    QVERIFY(!m.contains("t.u8"));
    QCOMPARE(m.getInt("t.i8"), std::optional<int64_t>(-128));
}

void TestGguf::splitNames()
{
    const auto s = parseGgufSplitName("/a/b/model-q4-00002-of-00010.gguf");
    QVERIFY(s);
    QCOMPARE(s->prefix, std::string("/a/b/model-q4"));
    QCOMPARE(s->index, 2);
    QCOMPARE(s->count, 10);
    QCOMPARE(ggufSplitPath(s->prefix, 3, 10), std::string("/a/b/model-q4-00003-of-00010.gguf"));
    QVERIFY(!parseGgufSplitName("model.gguf"));
    QVERIFY(!parseGgufSplitName("model-00003-of-00002.gguf"));
    QVERIFY(!parseGgufSplitName("model-0001-of-00002.gguf"));
    QVERIFY(!parseGgufSplitName("model-00001-of-00002.bin"));
}

void TestGguf::splitModel()
{
    QDir(m_dir.path()).mkdir("split");
    const std::string prefix = m_dir.filePath("split/model").toStdString();
    const auto t = [](const char *name, uint32_t seed) {
        return std::make_pair(std::string(name), randomBytes(256, seed));
    };
    writeShard(QString::fromStdString(ggufSplitPath(prefix, 1, 3)), 0, 3, 5, {t("a", 1), t("b", 2)});
    writeShard(QString::fromStdString(ggufSplitPath(prefix, 2, 3)), 1, 3, 5, {t("c", 3)});
    writeShard(QString::fromStdString(ggufSplitPath(prefix, 3, 3)), 2, 3, 5, {t("d", 4), t("e", 5)});
    for (int opened = 1; opened <= 3; ++opened) { // any shard opens the whole model
        const GgufModel model(ggufSplitPath(prefix, opened, 3));
        QCOMPARE(model.shards().size(), size_t(3));
        QCOMPARE(model.tensors().size(), size_t(5));
        QCOMPARE(model.architecture(), std::string("llama"));
        QCOMPARE(model.getInt("llama.block_count"), std::optional<int64_t>(2));
        const TensorView *d = model.findTensor("d");
        QVERIFY(d);
        const std::vector<uint8_t> expected = randomBytes(256, 4);
        QVERIFY(std::equal(expected.begin(), expected.end(), d->data));
        QCOMPARE(model.tensors()[2].name, std::string("c"));
        uint64_t total = 0;
        for (int i = 1; i <= 3; ++i)
            total += uint64_t(QFileInfo(QString::fromStdString(ggufSplitPath(prefix, i, 3))).size());
        QCOMPARE(model.totalBytes(), total);
    }
}

void TestGguf::splitMissingShard()
{
    QDir(m_dir.path()).mkdir("missing");
    const std::string prefix = m_dir.filePath("missing/m").toStdString();
    const auto t = [](const char *name) { return std::make_pair(std::string(name), randomBytes(256, 7)); };
    writeShard(QString::fromStdString(ggufSplitPath(prefix, 1, 3)), 0, 3, 3, {t("a")});
    writeShard(QString::fromStdString(ggufSplitPath(prefix, 3, 3)), 2, 3, 3, {t("c")});
    const std::string error = errorOf([&] { GgufModel m(ggufSplitPath(prefix, 1, 3)); });
    QVERIFY2(contains(error, "m-00002-of-00003.gguf") && contains(error, "missing shard 2 of 3"), error.c_str());
}

void TestGguf::splitInconsistentKeys()
{
    QDir(m_dir.path()).mkdir("bad");
    const std::string prefix = m_dir.filePath("bad/m").toStdString();
    const auto t = [](const char *name) { return std::make_pair(std::string(name), randomBytes(256, 7)); };
    const QString first = QString::fromStdString(ggufSplitPath(prefix, 1, 2));
    const QString second = QString::fromStdString(ggufSplitPath(prefix, 2, 2));

    writeShard(first, 0, 2, 2, {t("a")});
    writeShard(second, 0, 2, 2, {t("b")}); // split.no should be 1
    std::string error = errorOf([&] { GgufModel m(first.toStdString()); });
    QVERIFY2(contains(error, "m-00002-of-00002.gguf") && contains(error, "split.no") && contains(error, "expected 1"),
             error.c_str());

    writeShard(second, 1, 2, 2, {t("a")}); // same tensor name in both shards
    error = errorOf([&] { GgufModel m(first.toStdString()); });
    QVERIFY2(contains(error, "tensor 'a' is also in") && contains(error, "m-00001-of-00002.gguf"), error.c_str());

    writeShard(first, 0, 2, 3, {t("a")}); // split.tensors.count says 3, the shards hold 2
    writeShard(second, 1, 2, 3, {t("b")});
    error = errorOf([&] { GgufModel m(first.toStdString()); });
    QVERIFY2(contains(error, "split.tensors.count") && contains(error, "hold 2"), error.c_str());

    writeShard(QString::fromStdString(tmp("plain.gguf")), 0, 2, 1, {t("a")}); // split.count 2, plain name
    error = errorOf([&] { GgufModel m(tmp("plain.gguf")); });
    QVERIFY2(contains(error, "plain.gguf") && contains(error, "-00001-of-00002.gguf"), error.c_str());
}

QTEST_APPLESS_MAIN(TestGguf)
#include "tst_gguf.moc"
