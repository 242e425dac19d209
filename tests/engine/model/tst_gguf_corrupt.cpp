// Damaged GGUF files must fail with a clear error (file name + what is wrong), never crash or read out
// of bounds: truncation at every header byte, each corrupted field, random byte flips; and GgufWriter's
// own input checks and its cleanup when a write fails.
#include "engine/model/gguf.h"
#include "engine/model/gguf_writer.h"

#include "model_test_util.h"

#include <QTemporaryDir>
#include <QTest>

#include <csignal>
#include <functional>
#include <random>
#include <sys/resource.h>

using namespace enclave;
using namespace enclave::testutil;

namespace {

constexpr uint32_t kAlignment = 64;
constexpr uint64_t kBytesA = 2 * 8 * 4; // a.weight: F32 [2, 8]
constexpr uint64_t kBytesB = 2 * 34;    // b.weight: Q8_0 [2, 32]

// A small valid file: a few keys of several types and two tensors, a.weight at 0 and b.weight at 64.
QByteArray baseFile(const std::string &path)
{
    GgufWriter w(kAlignment);
    w.set("general.architecture", "llama");
    w.set("llama.block_count", uint32_t(2));
    const std::string tokens[] = {"a", "bc", "def"};
    w.set("tokenizer.ggml.tokens", GgufArray::ofStrings(tokens));
    w.set("dup.x1", 1.5f);
    w.set("dup.x2", GgufArray::of<int32_t>({1, 2, 3}));
    w.addTensor("a.weight", QuantType::F32, {2, 8}, std::vector<uint8_t>(kBytesA, 1));
    w.addTensor("b.weight", QuantType::Q8_0, {2, 32}, std::vector<uint8_t>(kBytesB, 2));
    w.write(path);
    return readAll(QString::fromStdString(path));
}

// Offset of the field that follows a tensor name in the tensor infos: nDims, then ne[], type, offset.
qsizetype tensorInfo(const QByteArray &bytes, const char *name) { return afterString(bytes, name); }

struct Corruption {
    const char *what;
    std::function<void(QByteArray &)> mutate;
    const char *expected; // part of the message
};

std::vector<Corruption> corruptions()
{
    const auto u32At = [](const char *key, qsizetype delta, uint32_t v) {
        return [=](QByteArray &b) { patch(b, afterString(b, key) + delta, v); };
    };
    const auto u64At = [](const char *key, qsizetype delta, uint64_t v) {
        return [=](QByteArray &b) { patch(b, afterString(b, key) + delta, v); };
    };
    const auto renameTo = [](const char *from, const char *to) {
        return [=](QByteArray &b) { b.replace(b.indexOf(from), qsizetype(strlen(to)), to); };
    };
    return {
        {"bad magic", [](QByteArray &b) { b[0] = 'X'; }, "not a GGUF file"},
        {"version 1", [](QByteArray &b) { patch(b, 4, uint32_t(1)); }, "version 1 is not supported"},
        {"version 4", [](QByteArray &b) { patch(b, 4, uint32_t(4)); }, "unsupported GGUF version 4"},
        {"big-endian", [](QByteArray &b) { patch(b, 4, uint32_t(0x03000000)); }, "big-endian"},
        {"huge tensor count", [](QByteArray &b) { patch(b, 8, uint64_t(1) << 60); }, "tensor count"},
        {"huge key count", [](QByteArray &b) { patch(b, 16, uint64_t(1) << 60); }, "metadata key count"},
        {"huge key length", [](QByteArray &b) { patch(b, 24, ~uint64_t(0)); }, "string length"},
        {"huge string value", u64At("general.architecture", 4, uint64_t(1) << 40), "key 'general.architecture'"},
        {"huge array length", u64At("tokenizer.ggml.tokens", 8, uint64_t(1) << 50), "array of"},
        {"unknown value type", u32At("llama.block_count", 0, 99), "unknown value type 99"},
        {"unknown element type", u32At("tokenizer.ggml.tokens", 4, 77), "unknown array element type 77"},
        {"duplicate key", renameTo("dup.x2", "dup.x1"), "key 'dup.x1': duplicate key"},
        {"alignment 48", u32At("general.alignment", 4, 48), "not a power of two"},
        {"alignment 0", u32At("general.alignment", 4, 0), "not a power of two"},
        {"zero dims", u32At("a.weight", 0, 0), "dimension count 0"},
        {"five dims", u32At("a.weight", 0, 5), "dimension count 5"},
        {"zero dim", u64At("a.weight", 4, 0), "dimension 0 is 0"},
        {"element overflow",
         [](QByteArray &b) {
             patch(b, tensorInfo(b, "a.weight") + 4, uint64_t(1) << 40);
             patch(b, tensorInfo(b, "a.weight") + 12, uint64_t(1) << 40);
         },
         "overflows"},
        {"unsupported type", u32At("b.weight", 4 + 16, 16), "IQ2_XXS (id 16) is not supported"},
        {"unknown type", u32At("b.weight", 4 + 16, 200), "unknown tensor type id 200"},
        {"row not whole blocks", u64At("b.weight", 4, 48), "row length 48 is not a multiple of the Q8_0 block size 32"},
        {"misaligned offset", u64At("b.weight", 4 + 16 + 4, 96), "not a multiple of the alignment 64"},
        {"tensor past end", u64At("b.weight", 4 + 16 + 4, 6400), "past the end of the file"},
        {"overlap", u64At("b.weight", 4 + 16 + 4, 0), "overlaps tensor"},
        {"size past end", u64At("b.weight", 4 + 8, 5), "past the end of the file"},
        {"duplicate tensor", renameTo("b.weight", "a.weight"), "tensor 'a.weight': duplicate tensor name"},
    };
}

} // namespace

class TestGgufCorrupt : public QObject {
    Q_OBJECT

private slots:
    void corruptedFields();
    void truncated();
    void tinyFiles();
    void randomFlips();
    void deeplyNestedArrays();
    void writerRejectsBadInput();
    void writerFailureLeavesNothing();

private:
    QTemporaryDir m_dir;
    std::string tmp(const QString &name) const { return m_dir.filePath(name).toStdString(); }
};

void TestGgufCorrupt::corruptedFields()
{
    const QByteArray base = baseFile(tmp("base.gguf"));
    QVERIFY(errorOf([&] { GgufFile f(tmp("base.gguf")); }).empty());
    int i = 0;
    for (const Corruption &c : corruptions()) {
        QByteArray bytes = base;
        c.mutate(bytes);
        QVERIFY2(bytes.size() == base.size() && bytes != base, c.what);
        const std::string path = tmp(QString("corrupt-%1.gguf").arg(i++));
        QVERIFY(writeAll(QString::fromStdString(path), bytes));
        const std::string error = errorOf([&] { GgufFile f(path); });
        const std::string detail = std::string(c.what) + ": got \"" + error + "\"";
        QVERIFY2(contains(error, path) && contains(error, c.expected), detail.c_str());
    }
}

void TestGgufCorrupt::truncated()
{
    const QByteArray base = baseFile(tmp("base.gguf"));
    const GgufFile ok(tmp("base.gguf"));
    const qsizetype headerEnd = qsizetype(ok.dataOffset());
    const qsizetype kvEnd = afterString(base, "dup.x2") + 4 + 4 + 8 + 3 * 4; // the last key's int32[3]
    QCOMPARE(ok.findTensor("b.weight")->data - ok.findTensor("a.weight")->data, qsizetype(kAlignment));
    const qsizetype dataEnd = headerEnd + qsizetype(kAlignment + kBytesB); // b.weight ends here
    const std::string path = tmp("truncated.gguf");
    for (qsizetype size = 0; size < dataEnd; size += size < headerEnd ? 1 : 7) {
        QVERIFY(writeAll(QString::fromStdString(path), base.left(size)));
        const std::string error = errorOf([&] { GgufFile f(path); });
        const std::string detail = "truncated to " + std::to_string(size) + " bytes: got \"" + error + "\"";
        QVERIFY2(contains(error, path) && !contains(error, kWrongException), detail.c_str());
        // The probe reads only up to the end of the keys.
        const std::string probeError = errorOf([&] { probeGguf(path); });
        QVERIFY2(probeError.empty() == (size >= kvEnd), (detail + ", probe: " + probeError).c_str());
    }
    QVERIFY(writeAll(QString::fromStdString(path), base.left(dataEnd)));
    QVERIFY(errorOf([&] { GgufFile f(path); }).empty()); // trailing padding is optional
}

void TestGgufCorrupt::tinyFiles()
{
    const std::string path = tmp("tiny.gguf");
    for (const QByteArray &bytes : {QByteArray(), QByteArray("GGU"), QByteArray("GGUF\x03\0\0\0", 8)}) {
        QVERIFY(writeAll(QString::fromStdString(path), bytes));
        const std::string error = errorOf([&] { GgufFile f(path); });
        QVERIFY2(contains(error, path) && !contains(error, kWrongException), error.c_str());
    }
    const std::string missing = tmp("does-not-exist.gguf");
    QVERIFY(contains(errorOf([&] { GgufFile f(missing); }), missing));
}

void TestGgufCorrupt::randomFlips()
{
    const QByteArray base = baseFile(tmp("base.gguf"));
    const qsizetype headerEnd = GgufFile(tmp("base.gguf")).dataOffset();
    std::mt19937 rng(1234);
    const std::string path = tmp("flipped.gguf");
    for (int iter = 0; iter < 1500; ++iter) {
        QByteArray bytes = base;
        const int flips = 1 + int(rng() % 4);
        for (int k = 0; k < flips; ++k)
            bytes[qsizetype(rng() % uint32_t(headerEnd))] = char(rng());
        QVERIFY(writeAll(QString::fromStdString(path), bytes));
        const std::string error = errorOf([&] { GgufFile f(path); });
        QVERIFY2(!contains(error, kWrongException), error.c_str());
        QVERIFY2(!contains(errorOf([&] { probeGguf(path); }), kWrongException), error.c_str());
    }
}

void TestGgufCorrupt::deeplyNestedArrays()
{
    GgufArray a = GgufArray::of<uint8_t>({1});
    for (int depth = 0; depth < 20; ++depth)
        a = GgufArray::ofArrays({a});
    GgufWriter w;
    w.set("deep", a);
    const std::string path = tmp("deep.gguf");
    w.write(path);
    const std::string error = errorOf([&] { GgufFile f(path); });
    QVERIFY2(contains(error, "key 'deep'") && contains(error, "nested deeper"), error.c_str());
}

void TestGgufCorrupt::writerRejectsBadInput()
{
    GgufWriter w;
    const std::vector<uint8_t> data(64);
    QVERIFY(contains(errorOf([&] { w.addTensor("x", QuantType::F32, {2, 8}, std::span(data).first(60)); }),
                     "expected 64"));
    QVERIFY(contains(errorOf([&] { w.addTensor("x", QuantType::F32, {0, 8}, data); }), "dimension 0 is 0"));
    QVERIFY(contains(errorOf([&] { w.addTensor("x", QuantType::F32, {1, 1, 1, 2, 8}, data); }), "5 dimensions"));
    QVERIFY(contains(errorOf([&] { w.addTensor("x", QuantType::Q8_0, {1, 48}, data); }), "block size 32"));
    QVERIFY(contains(errorOf([&] { w.addTensor("x", QuantType::F8_E4M3, {64}, data); }), "no GGUF type id"));
    QVERIFY(errorOf([&] { w.addTensor("x", QuantType::F32, {2, 8}, data); }).empty());
    QVERIFY(contains(errorOf([&] { w.addTensor("x", QuantType::F32, {2, 8}, data); }), "duplicate name"));
    QVERIFY(contains(errorOf([&] { w.set("general.alignment", uint32_t(64)); }), "constructor"));
    QVERIFY(contains(errorOf([] { GgufWriter bad(48); }), "not a power of two"));
}

void TestGgufCorrupt::writerFailureLeavesNothing()
{
    const std::string noDir = tmp("no/such/dir/x.gguf");
    QVERIFY(contains(errorOf([&] { GgufWriter().write(noDir); }), "cannot create"));

    // A file-size limit makes write() fail part-way, as a full disk would.
    const std::string path = tmp("limited.gguf");
    QVERIFY(writeAll(QString::fromStdString(path), "previous contents"));
    GgufWriter w;
    const std::vector<uint8_t> big(1 << 20, 7);
    w.addTensor("big", QuantType::F32, {int64_t(big.size() / 4)}, big);
    rlimit old{};
    QCOMPARE(getrlimit(RLIMIT_FSIZE, &old), 0);
    auto *previousHandler = std::signal(SIGXFSZ, SIG_IGN);
    rlimit limited = old;
    limited.rlim_cur = 64 * 1024;
    QCOMPARE(setrlimit(RLIMIT_FSIZE, &limited), 0);
    const std::string error = errorOf([&] { w.write(path); });
    setrlimit(RLIMIT_FSIZE, &old);
    std::signal(SIGXFSZ, previousHandler);
    QVERIFY2(contains(error, path) && contains(error, "cannot write"), error.c_str());
    QVERIFY(!QFile::exists(QString::fromStdString(path + ".tmp")));
    QCOMPARE(readAll(QString::fromStdString(path)), QByteArray("previous contents"));
}

QTEST_APPLESS_MAIN(TestGgufCorrupt)
#include "tst_gguf_corrupt.moc"
