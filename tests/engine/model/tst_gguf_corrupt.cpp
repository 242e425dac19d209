// Damaged GGUF files must fail with a clear error (a plain first line, then file name + what is wrong),
// never crash or read out of bounds: truncation at every header byte, each corrupted field, random byte
// flips; and GgufWriter's own input checks and its cleanup when a write fails.
#include "engine/model/gguf.h"
#include "engine/model/gguf_writer.h"

#include "model_test_util.h"

#include <QTemporaryDir>
#include <QTest>

#include <algorithm>
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

// The first lines a user reads (written out here, not taken from the engine).
constexpr const char *kNotGguf = "This is not a GGUF model file.";
constexpr const char *kDamaged = "This GGUF file is damaged and cannot be read.";
constexpr const char *kVersion = "This GGUF file uses a format version this app cannot read.";
constexpr const char *kType = "This model uses a tensor type this app cannot run.";
constexpr const char *kIncomplete = "The file is incomplete (";

struct Corruption {
    const char *what;
    std::function<void(QByteArray &)> mutate;
    const char *expected;  // part of the message
    const char *firstLine; // the start of its first line
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
        {"bad magic", [](QByteArray &b) { b[0] = 'X'; }, "not a GGUF file", kNotGguf},
        {"version 1", [](QByteArray &b) { patch(b, 4, uint32_t(1)); }, "version 1 is not supported", kVersion},
        {"version 4", [](QByteArray &b) { patch(b, 4, uint32_t(4)); }, "unsupported GGUF version 4", kVersion},
        {"big-endian", [](QByteArray &b) { patch(b, 4, uint32_t(0x03000000)); }, "big-endian", kVersion},
        {"huge tensor count", [](QByteArray &b) { patch(b, 8, uint64_t(1) << 60); }, "tensor count", kDamaged},
        {"huge key count", [](QByteArray &b) { patch(b, 16, uint64_t(1) << 60); }, "metadata key count", kDamaged},
        {"huge key length", [](QByteArray &b) { patch(b, 24, ~uint64_t(0)); }, "string length", kDamaged},
        {"huge string value", u64At("general.architecture", 4, uint64_t(1) << 40), "key 'general.architecture'",
         kDamaged},
        {"huge array length", u64At("tokenizer.ggml.tokens", 8, uint64_t(1) << 50), "array of", kDamaged},
        {"unknown value type", u32At("llama.block_count", 0, 99), "unknown value type 99", kDamaged},
        {"unknown element type", u32At("tokenizer.ggml.tokens", 4, 77), "unknown array element type 77", kDamaged},
        {"duplicate key", renameTo("dup.x2", "dup.x1"), "key 'dup.x1': duplicate key", kDamaged},
        {"alignment 48", u32At("general.alignment", 4, 48), "not a power of two", kDamaged},
        {"alignment 0", u32At("general.alignment", 4, 0), "not a power of two", kDamaged},
        {"zero dims", u32At("a.weight", 0, 0), "dimension count 0", kDamaged},
        {"five dims", u32At("a.weight", 0, 5), "dimension count 5", kDamaged},
        {"zero dim", u64At("a.weight", 4, 0), "dimension 0 is 0", kDamaged},
        {"element overflow",
         [](QByteArray &b) {
             patch(b, tensorInfo(b, "a.weight") + 4, uint64_t(1) << 40);
             patch(b, tensorInfo(b, "a.weight") + 12, uint64_t(1) << 40);
         },
         "overflows", kDamaged},
        {"unsupported type", u32At("b.weight", 4 + 16, 24), "I8 (id 24) is not supported", kType},
        {"unknown type", u32At("b.weight", 4 + 16, 200), "unknown tensor type id 200", kType},
        {"row not whole blocks", u64At("b.weight", 4, 48),
         "row length 48 is not a multiple of the Q8_0 block size 32", kDamaged},
        {"misaligned offset", u64At("b.weight", 4 + 16 + 4, 96), "not a multiple of the alignment 64", kDamaged},
        {"tensor past end", u64At("b.weight", 4 + 16 + 4, 6400), "past the end of the file", kIncomplete},
        {"overlap", u64At("b.weight", 4 + 16 + 4, 0), "overlaps tensor", kDamaged},
        {"size past end", u64At("b.weight", 4 + 8, 5), "past the end of the file", kIncomplete},
        {"duplicate tensor", renameTo("b.weight", "a.weight"), "tensor 'a.weight': duplicate tensor name", kDamaged},
    };
}

} // namespace

class TestGgufCorrupt : public QObject {
    Q_OBJECT

private slots:
    void corruptedFields();
    void textFileNamedGguf();
    void truncated();
    void truncatedRefpackModel();
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
        QVERIFY2(firstLine(error).starts_with(c.firstLine) && !contains(firstLine(error), path), detail.c_str());
    }
}

// A text file renamed .gguf: the user reads one plain line; the magic found and the path follow.
void TestGgufCorrupt::textFileNamedGguf()
{
    const std::string path = tmp("notes.gguf");
    QVERIFY(writeAll(QString::fromStdString(path), "hello, this is a text file\n"));
    try {
        GgufFile f(path);
        QFAIL("a text file was read as GGUF");
    } catch (const ModelFileError &e) {
        QCOMPARE(e.userMessage(), std::string(kNotGguf));
        QVERIFY2(contains(e.detail(), path) && contains(e.detail(), "magic is 0x6c6c6568 'hell'"),
                 e.detail().c_str());
        QCOMPARE(std::string(e.what()), e.userMessage() + "\n" + e.detail());
    }
    QCOMPARE(firstLine(errorOf([&] { probeGguf(path); })), std::string(kNotGguf));
}

void TestGgufCorrupt::truncated()
{
    const QByteArray base = baseFile(tmp("base.gguf"));
    const GgufFile ok(tmp("base.gguf"));
    const qsizetype headerEnd = qsizetype(ok.dataOffset());
    const qsizetype kvEnd = afterString(base, "dup.x2") + 4 + 4 + 8 + 3 * 4; // the last key's int32[3]
    const qsizetype infoEnd = tensorInfo(base, "b.weight") + 4 + 2 * 8 + 4 + 8; // the last tensor info
    QCOMPARE(ok.findTensor("b.weight")->data - ok.findTensor("a.weight")->data, qsizetype(kAlignment));
    const qsizetype dataEnd = headerEnd + qsizetype(kAlignment + kBytesB); // b.weight ends here
    const std::string path = tmp("truncated.gguf");
    for (qsizetype size = 0; size < dataEnd; size += size < headerEnd ? 1 : 7) {
        QVERIFY(writeAll(QString::fromStdString(path), base.left(size)));
        const std::string error = errorOf([&] { GgufFile f(path); });
        const std::string detail = "truncated to " + std::to_string(size) + " bytes: got \"" + error + "\"";
        QVERIFY2(contains(error, path) && !contains(error, kWrongException), detail.c_str());
        // Up to the end of the tensor table the header is cut; past it (the padding included) the data.
        const std::string expected = size < infoEnd ? cutInHeaderLine(uint64_t(size))
                                                    : cutInDataLine(uint64_t(size), uint64_t(dataEnd));
        QVERIFY2(firstLine(error) == expected, detail.c_str());
        // The probe reads only up to the end of the keys.
        const std::string probeError = errorOf([&] { probeGguf(path); });
        QVERIFY2(probeError.empty() == (size >= kvEnd), (detail + ", probe: " + probeError).c_str());
    }
    QVERIFY(writeAll(QString::fromStdString(path), base.left(dataEnd)));
    QVERIFY(errorOf([&] { GgufFile f(path); }).empty()); // trailing padding is optional
}

// A real model cut inside its header and inside its tensor data: the size found and the size its
// header implies (the end of the data that ends last), in human units.
void TestGgufCorrupt::truncatedRefpackModel()
{
    const QString source = refpackDir() + "/models/qwen3_moe/gguf/qwen3_moe-q8_0.gguf";
    if (!QFile::exists(source))
        QSKIP("reference pack not present");
    const QByteArray full = readAll(source);
    const GgufFile whole(source.toStdString());
    // The writer puts the first tensor at offset 0 of the data section; the two checks of dataEnd
    // below (the file cut there opens, one byte less does not) confirm it.
    const uint8_t *start = whole.tensors().front().data;
    for (const TensorView &t : whole.tensors())
        start = std::min(start, t.data);
    uint64_t dataEnd = 0;
    for (const TensorView &t : whole.tensors())
        dataEnd = std::max(dataEnd, whole.dataOffset() + uint64_t(t.data - start) + t.bytes);
    const std::string path = tmp("cut.gguf");
    QVERIFY(writeAll(QString::fromStdString(path), full.left(qsizetype(dataEnd))));
    QVERIFY(errorOf([&] { GgufFile f(path); }).empty()); // the smallest file that opens
    const uint64_t header = whole.dataOffset() - whole.alignment(); // inside the tensor table
    for (uint64_t size : {uint64_t(3), uint64_t(100), header / 2, header}) {
        QVERIFY(writeAll(QString::fromStdString(path), full.left(qsizetype(size))));
        const std::string error = errorOf([&] { GgufFile f(path); });
        QVERIFY2(firstLine(error) == cutInHeaderLine(size), (std::to_string(size) + ": " + error).c_str());
    }
    for (uint64_t size : {whole.dataOffset() + 1, dataEnd / 2, dataEnd - 100'000}) {
        QVERIFY(writeAll(QString::fromStdString(path), full.left(qsizetype(size))));
        const std::string error = errorOf([&] { GgufFile f(path); });
        QVERIFY2(firstLine(error) == cutInDataLine(size, dataEnd), (std::to_string(size) + ": " + error).c_str());
        QVERIFY2(contains(error, path) && contains(error, std::to_string(dataEnd) + " bytes"), error.c_str());
    }
    // One byte short reads the same in human units: every digit then.
    QVERIFY(writeAll(QString::fromStdString(path), full.left(qsizetype(dataEnd - 1))));
    const std::string error = errorOf([&] { GgufFile f(path); });
    QCOMPARE(firstLine(error), "The file is incomplete (" + formatByteCount(dataEnd - 1) + " of " +
                                   formatByteCount(dataEnd) + " bytes); the download may have stopped.");
}

void TestGgufCorrupt::tinyFiles()
{
    const std::string path = tmp("tiny.gguf");
    for (const QByteArray &bytes : {QByteArray(), QByteArray("GGU"), QByteArray("GGUF\x03\0\0\0", 8)}) {
        QVERIFY(writeAll(QString::fromStdString(path), bytes));
        const std::string error = errorOf([&] { GgufFile f(path); });
        QVERIFY2(contains(error, path) && !contains(error, kWrongException), error.c_str());
        QVERIFY2(firstLine(error) == cutInHeaderLine(uint64_t(bytes.size())), error.c_str());
    }
    QVERIFY(writeAll(QString::fromStdString(path), "GF")); // shorter than the magic, and not its start
    QVERIFY(contains(errorOf([&] { GgufFile f(path); }), kNotGguf));
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
