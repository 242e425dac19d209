// The safetensors → GGUF converter against the reference pack: every refpack model converted to every
// mix loads and gives logits as close to transformers' as llama.cpp's own file of that type (both
// errors printed); the mixes choose llama.cpp's type for every tensor; Q8_0 bytes equal the reference
// converter's; the embedded tokenizer encodes like tokenizer.json; cancel, short disk, a write error
// and bad input leave nothing behind and say why.
#include "engine/arch/architectures.h"
#include "engine/cpu/thread_pool.h"
#include "engine/tools/tensor_plan.h"
#include "engine/model/gguf_model.h"
#include "engine/runtime/inference_state.h"
#include "engine/text/gguf_tokenizer.h"
#include "engine/text/hf_tokenizer_json.h"
#include "engine/text/tokenizer.h"
#include "engine/tools/gguf_tokenizer_keys.h"
#include "engine/model/gguf_writer.h"
#include "engine/tools/model_converter.h"
#include "tests/support/logits.h"

#include <QTemporaryDir>
#include <QtTest>

#include <nlohmann/json.hpp>

#include <sys/resource.h>

#include <csignal>
#include <cstring>
#include <filesystem>
#include <fstream>

using namespace enclave;
using test::medianRowRel;
using test::readF32;
namespace fs = std::filesystem;

namespace {

const std::string kRefpack = ENCLAVE_REFPACK_DIR;
const char *const kModels[] = {"qwen3_moe", "mixtral", "deepseek_v2", "llama"};

std::string hfDir(const std::string &model) { return kRefpack + "/models/" + model + "/hf"; }
std::string refGguf(const std::string &model, const std::string &type)
{
    return kRefpack + "/models/" + model + "/gguf/" + model + "-" + type + ".gguf";
}

std::vector<int32_t> promptIds()
{
    std::ifstream in(kRefpack + "/prompt.json");
    return nlohmann::json::parse(in).at("ids").get<std::vector<int32_t>>();
}

std::vector<float> logitsOf(const std::string &path, const std::vector<int32_t> &ids)
{
    const auto model = Model::load(path);
    InferenceState state(*model, int64_t(ids.size()), defaultThreadPool());
    std::vector<float> out(ids.size() * size_t(model->config().nVocab));
    state.evaluate(ids, out.data());
    return out;
}

std::string convert(const std::string &model, const std::string &type, const QTemporaryDir &dir)
{
    const std::string out = dir.filePath(QString::fromStdString(model + "-" + type + ".gguf")).toStdString();
    ConvertOptions o;
    o.mix = *quantMixFromName(type);
    convertToGguf(hfDir(model), out, o);
    return out;
}

bool folderIsEmpty(const QTemporaryDir &dir) { return fs::is_empty(dir.path().toStdString()); }

} // namespace

class TestModelConverter : public QObject {
    Q_OBJECT

private slots:
    void initTestCase()
    {
        if (!fs::exists(kRefpack + "/prompt.json"))
            QSKIP("reference pack not found beside the clone");
    }

    void logitsMatchLlamaCppError_data()
    {
        QTest::addColumn<QString>("model");
        QTest::addColumn<QString>("type");
        for (const char *m : kModels)
            for (const char *t : {"q8_0", "q6_k", "q5_k_m", "q4_k_m"})
                QTest::addRow("%s %s", m, t) << QString(m) << QString(t);
    }

    // Our file through our engine vs transformers, next to llama.cpp's own file of the same type through
    // llama.cpp (q5_k_m has no reference file: it is held to the q4_k_m bound, one step coarser).
    void logitsMatchLlamaCppError()
    {
        QFETCH(QString, model);
        QFETCH(QString, type);
        QTemporaryDir dir;
        const std::string m = model.toStdString(), t = type.toStdString();
        const std::string path = convert(m, t, dir);
        const std::vector<float> ours = logitsOf(path, promptIds());
        const std::string refDir = kRefpack + "/models/" + m + "/ref/";
        const std::vector<float> hf = readF32(refDir + "hf_logits.f32");
        const std::string llamaType = t == "q5_k_m" ? "q4_k_m" : t;
        const std::vector<float> llama = readF32(refDir + "llama_logits_" + llamaType + ".f32");
        QCOMPARE(ours.size(), hf.size());
        const int64_t vocab = int64_t(hf.size() / 32);
        const double err = medianRowRel(ours, hf, vocab), llamaErr = medianRowRel(llama, hf, vocab);
        qInfo("%s %s: median row rel vs transformers %.3e (llama.cpp %s on its own file: %.3e), %lld bytes", m.c_str(),
              t.c_str(), err, llamaType.c_str(), llamaErr, static_cast<long long>(fs::file_size(path)));
        QVERIFY2(err <= 1.5 * llamaErr, "error above 1.5x llama.cpp's on its own file");
    }

    // Each mix picks, tensor by tensor, the type llama.cpp's converter/llama-quantize picked.
    void tensorTypesMatchReference_data()
    {
        QTest::addColumn<QString>("model");
        QTest::addColumn<QString>("type");
        for (const char *m : kModels)
            for (const char *t : {"q8_0", "q6_k", "q4_k_m"})
                QTest::addRow("%s %s", m, t) << QString(m) << QString(t);
    }

    void tensorTypesMatchReference()
    {
        QFETCH(QString, model);
        QFETCH(QString, type);
        QTemporaryDir dir;
        const std::string ours = convert(model.toStdString(), type.toStdString(), dir);
        const GgufModel a(ours), b(refGguf(model.toStdString(), type.toStdString()));
        QCOMPARE(a.tensors().size(), b.tensors().size());
        for (const TensorView &ref : b.tensors()) {
            const TensorView *t = a.findTensor(ref.name);
            QVERIFY2(t, qPrintable(QString::fromStdString("missing " + ref.name)));
            QVERIFY2(t->shape == ref.shape, qPrintable(QString::fromStdString("shape of " + ref.name)));
            QVERIFY2(t->type == ref.type, qPrintable(QString::fromStdString(
                                              ref.name + ": " + std::string(quantTypeName(t->type)) + " vs " +
                                              std::string(quantTypeName(ref.type)))));
        }
    }

    // Q8_0 against the reference converter (same bf16 source). Two checks:
    // 1. Our tensor layout (q/k permutation, stacked experts, k_b/v_b split) quantized with gguf-py's
    //    rounding (half away from zero) reproduces the reference bytes exactly.
    // 2. Our file differs from it only where an element lies exactly halfway between two steps: the
    //    engine's Q8_0 quantizer (quant/q8_0.cpp) rounds ties to even, gguf-py away from zero; the
    //    scale (fp16 of max|x|/127) is the same in every block. Counts are printed.
    void q8AgainstReferenceConverter_data()
    {
        QTest::addColumn<QString>("model");
        for (const char *m : kModels)
            QTest::addRow("%s", m) << QString(m);
    }

    void q8AgainstReferenceConverter()
    {
        QFETCH(QString, model);
        QTemporaryDir dir;
        const std::string m = model.toStdString();
        const GgufModel ours(convert(m, "q8_0", dir)), ref(refGguf(m, "q8_0"));
        const ModelFiles hf(hfDir(m));
        const ModelConfig config = readModelConfig(hf);
        std::deque<std::vector<float>> owned;
        const ModelWeights weights = loadModelWeights(hf, config, owned);
        int64_t blocks = 0, tieBlocks = 0, otherDiffs = 0;
        for (const PlannedTensor &t : planGgufTensors(config, weights, QuantMix::Q8_0)) {
            const TensorView *a = ours.findTensor(t.name), *b = ref.findTensor(t.name);
            QVERIFY(a && b && a->bytes == b->bytes && a->type == b->type);
            std::vector<float> row(size_t(t.rowLength()));
            for (int64_t r = 0; r < t.rows(); ++r) {
                t.readRow(r, row.data());
                if (t.type == QuantType::F32) {
                    QVERIFY(std::memcmp(row.data(), b->data + r * t.rowLength() * 4, row.size() * 4) == 0 ||
                            t.name == "rope_freqs.weight"); // computed, see below
                    continue;
                }
                for (int64_t k = 0; k < t.rowLength() / 32; ++k, ++blocks) {
                    const int64_t at = (r * t.rowLength() / 32 + k) * 34;
                    const float *x = row.data() + k * 32;
                    float amax = 0;
                    for (int j = 0; j < 32; ++j)
                        amax = std::max(amax, std::fabs(x[j]));
                    const float d = amax / 127.0f, id = d != 0 ? 1.0f / d : 0.0f;
                    bool tie = false;
                    for (int j = 0; j < 32; ++j) {
                        const float v = x[j] * id;
                        tie |= std::fabs(v - std::trunc(v)) == 0.5f;
                        QCOMPARE(int8_t(b->data[at + 2 + j]), int8_t(std::round(v))); // check 1
                    }
                    if (std::memcmp(a->data + at, b->data + at, 34) == 0)
                        continue;
                    QVERIFY(std::memcmp(a->data + at, b->data + at, 2) == 0); // same scale
                    (tie ? tieBlocks : otherDiffs) += 1;
                }
            }
        }
        qInfo("%s: %lld Q8_0 blocks, %lld differ only by a tie rounded to even instead of away from zero", m.c_str(),
              static_cast<long long>(blocks), static_cast<long long>(tieBlocks));
        QCOMPARE(otherDiffs, int64_t(0)); // check 2
    }

    // The embedded tokenizer encodes every reference string as tokenizer.json does (the tiny tokenizer
    // from a converted model; the real ones through the same keys).
    void tokenizerRoundTrip_data()
    {
        QTest::addColumn<QString>("name");
        for (const char *n : {"tiny", "qwen3", "llama3"})
            QTest::addRow("%s", n) << QString(n);
    }

    void tokenizerRoundTrip()
    {
        QFETCH(QString, name);
        const std::string n = name.toStdString();
        const std::string folder = n == "tiny" ? hfDir("qwen3_moe") : kRefpack + "/tokenizers/" + n;
        const TokenizerSpec hfSpec = loadHfTokenizerSpec(folder + "/tokenizer.json", folder + "/tokenizer_config.json");
        TokenizerSpec ggufSpec;
        if (n == "tiny") {
            QTemporaryDir dir;
            const GgufModel converted(convert("qwen3_moe", "q8_0", dir));
            ggufSpec = tokenizerSpecFromGguf(GgufMetadataAdapter(converted.metadata()));
            QCOMPARE(ggufSpec.preTokenizerName, std::string("qwen2"));
        } else {
            GgufWriter w;
            setGgufTokenizerKeys(w, hfSpec, hfSpec.vocabSize());
            ggufSpec = tokenizerSpecFromGguf(GgufMetadataAdapter(w.metadata()));
        }
        QCOMPARE(ggufSpec.chatTemplate, hfSpec.chatTemplate);
        QCOMPARE(ggufSpec.eosId, hfSpec.eosId);
        const Tokenizer fromHf(hfSpec), fromGguf(ggufSpec);
        std::ifstream in(kRefpack + "/tokenizers/" + n + "/encodings.json");
        int cases = 0;
        const nlohmann::json encodings = nlohmann::json::parse(in);
        for (const auto &c : encodings.at("cases")) {
            const std::string text = c.at("text");
            const auto ids = c.at("ids").get<std::vector<int32_t>>();
            QCOMPARE(fromGguf.encode(text, false), ids);
            QCOMPARE(fromGguf.encode(text, true), fromHf.encode(text, true));
            ++cases;
        }
        QVERIFY(cases > 10);
    }

    void progressAndCancelLeaveNoFile()
    {
        QTemporaryDir dir;
        std::atomic<bool> cancel{false};
        std::vector<double> seen;
        ConvertOptions o;
        o.mix = QuantMix::Q4_K_M;
        o.cancel = &cancel;
        o.progress = [&](double f) {
            seen.push_back(f);
            if (f > 0.3)
                cancel = true;
        };
        const std::string out = dir.filePath("cancelled.gguf").toStdString();
        QVERIFY_THROWS_EXCEPTION(ConversionCancelled, convertToGguf(hfDir("qwen3_moe"), out, o));
        QVERIFY(seen.size() >= 2);
        QVERIFY(std::is_sorted(seen.begin(), seen.end()));
        QVERIFY(seen.back() < 1.0);
        QVERIFY2(folderIsEmpty(dir), "a cancelled conversion left a file");

        cancel = false;
        seen.clear();
        o.progress = [&](double f) { seen.push_back(f); };
        convertToGguf(hfDir("qwen3_moe"), out, o);
        QCOMPARE(seen.back(), 1.0);
        QVERIFY(fs::exists(out) && !fs::exists(out + ".tmp"));
    }

    void insufficientSpaceRefusedBeforeWriting()
    {
        QTemporaryDir dir;
        const uint64_t needed = estimateConversion(hfDir("llama"), QuantMix::Q8_0).outputBytes;
        ConvertOptions o;
        o.freeSpace = [needed](const std::string &) { return needed / 2; };
        o.progress = [](double) { QFAIL("wrote despite too little space"); };
        try {
            convertToGguf(hfDir("llama"), dir.filePath("x.gguf").toStdString(), o);
            QFAIL("no error");
        } catch (const std::runtime_error &e) {
            const std::string msg = e.what();
            qInfo("%s", e.what());
            QVERIFY(msg.find("not enough disk space") != std::string::npos);
            QVERIFY(msg.find(formatBytes(needed)) != std::string::npos);
            QVERIFY(msg.find(formatBytes(needed / 2)) != std::string::npos);
        }
        QVERIFY(folderIsEmpty(dir));
        // The estimate is an upper bound of what is then written.
        o.freeSpace = {};
        o.progress = {};
        const uint64_t written = convertToGguf(hfDir("llama"), dir.filePath("x.gguf").toStdString(), o);
        QVERIFY(written <= needed && written > needed * 9 / 10 - (1u << 20));
    }

    // A write error mid-file (the file size limit stands in for a full disk) names the OS error and
    // leaves no partial file.
    void writeErrorLeavesNoFile()
    {
        QTemporaryDir dir;
        rlimit old{};
        QVERIFY(getrlimit(RLIMIT_FSIZE, &old) == 0);
        std::signal(SIGXFSZ, SIG_IGN);
        rlimit small = old;
        small.rlim_cur = 1 << 20;
        QVERIFY(setrlimit(RLIMIT_FSIZE, &small) == 0);
        std::string message;
        try {
            convertToGguf(hfDir("qwen3_moe"), dir.filePath("full.gguf").toStdString(), {});
        } catch (const std::runtime_error &e) {
            message = e.what();
        }
        setrlimit(RLIMIT_FSIZE, &old);
        qInfo("%s", message.c_str());
        QVERIFY(!message.empty());
        QVERIFY(folderIsEmpty(dir));
    }

    void badInputGivesClearErrorAndNoFile_data()
    {
        QTest::addColumn<QString>("kind");
        QTest::newRow("truncated") << "truncated";
        QTest::newRow("garbage") << "garbage";
        QTest::newRow("gguf") << "gguf";
    }

    void badInputGivesClearErrorAndNoFile()
    {
        QFETCH(QString, kind);
        QTemporaryDir src, out;
        const fs::path folder = src.path().toStdString();
        fs::copy_file(hfDir("llama") + "/config.json", folder / "config.json");
        fs::copy_file(hfDir("llama") + "/tokenizer.json", folder / "tokenizer.json");
        std::string input = folder.string();
        if (kind == "truncated") {
            fs::copy_file(hfDir("llama") + "/model.safetensors", folder / "model.safetensors");
            fs::resize_file(folder / "model.safetensors", fs::file_size(folder / "model.safetensors") / 2);
        } else if (kind == "garbage") {
            std::ofstream(folder / "model.safetensors") << "this is not a safetensors file at all";
        } else {
            input = refGguf("llama", "q8_0");
        }
        std::string message;
        try {
            convertToGguf(input, out.filePath("x.gguf").toStdString(), {});
        } catch (const std::runtime_error &e) {
            message = e.what();
        }
        qInfo("%s: %s", qPrintable(kind), message.c_str());
        QVERIFY(!message.empty());
        QVERIFY(folderIsEmpty(out));
    }
};

QTEST_GUILESS_MAIN(TestModelConverter)
#include "tst_model_converter.moc"
