// Synthetic GGUF models: the large presets' shapes and parameter counts (planned, not written),
// then every tiny preset written, reopened with GgufModel and checked key by key and tensor by
// tensor (names, shapes, types, finite values with the intended scale), the tokenizer's merges,
// each quant mix, and byte-identical output for one seed whatever the thread count.
#include "engine/cpu/thread_pool.h"
#include "engine/model/gguf_model.h"
#include "engine/quant/traits.h"
#include "engine/tools/synthetic_model.h"
#include "engine/tools/synthetic_vocab.h"

#include <QFile>
#include <QTemporaryDir>
#include <QTest>

#include <cmath>
#include <set>

using namespace enclave;

namespace {

// Sample statistics of ~1e4..1e6 values quantized to 4+ bits stay well inside these bands.
constexpr double kMatrixStdMin = 0.015, kMatrixStdMax = 0.03;
constexpr double kRouterStdMin = 0.4, kRouterStdMax = 0.6;
constexpr double kNormMeanMin = 0.95, kNormMeanMax = 1.05;

const char *const kTinyPresets[] = {"tiny-qwen3moe", "tiny-llama", "tiny-olmoe", "tiny-qwen3", "tiny-deepseek2"};

struct Stats {
    double mean = 0;
    double stddev = 0;
    bool finite = true;
};

// Dequantizes every row of t (every block of every row).
Stats tensorStats(const TensorView &t)
{
    const QuantTraits &traits = quantTraits(t.type);
    const int64_t rowLen = t.rowLength();
    const int64_t rowBytes = quantRowBytes(t.type, rowLen);
    std::vector<float> row(static_cast<size_t>(rowLen));
    double sum = 0, sumSq = 0;
    Stats s;
    for (int64_t r = 0; r < t.rows(); ++r) {
        traits.dequantizeRow(t.data + r * rowBytes, row.data(), rowLen);
        for (float v : row) {
            s.finite = s.finite && std::isfinite(v);
            sum += v;
            sumSq += double(v) * v;
        }
    }
    const double n = double(t.elements());
    s.mean = sum / n;
    s.stddev = std::sqrt(std::max(0.0, sumSq / n - s.mean * s.mean));
    return s;
}

QByteArray readFile(const QString &path)
{
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

int64_t parameterCount(const SyntheticModelSpec &spec)
{
    int64_t n = 0;
    for (const SyntheticTensor &t : syntheticTensors(spec)) {
        int64_t e = 1;
        for (int64_t d : t.shape)
            e *= d;
        n += e;
    }
    return n;
}

std::string path(const QTemporaryDir &dir, const char *name) { return dir.filePath(name).toStdString(); }

} // namespace

class TestSyntheticModel : public QObject {
    Q_OBJECT

private slots:
    void largePresetsHaveRealShapes()
    {
        const SyntheticModelSpec q = syntheticPreset("qwen3-30b-a3b");
        QCOMPARE(q.architecture, std::string("qwen3moe"));
        QCOMPARE(q.nLayer, 48);
        QCOMPARE(q.nEmbd, 2048);
        QCOMPARE(q.nExpert * 1000 + q.nExpertUsed, 128008);
        QCOMPARE(q.nFfExpert, 768);
        QCOMPARE(q.nVocab, 151936);
        // Published sizes: Qwen3-30B-A3B 30.5B, OLMoE-1B-7B 6.9B, DeepSeek-V2-Lite 15.7B parameters.
        const struct { const char *name; double billions; } sizes[] = {
            {"qwen3-30b-a3b", 30.5}, {"olmoe-1b-7b", 6.9}, {"deepseek-v2-lite", 15.7}};
        for (const auto &s : sizes) {
            const SyntheticModelSpec spec = syntheticPreset(s.name);
            const double billions = double(parameterCount(spec)) / 1e9;
            qInfo("%s: %.2fB parameters, %.2f GB of Q4_K_M tensor data", s.name, billions,
                  double(syntheticDataBytes(spec)) / 1e9);
            QVERIFY2(std::abs(billions - s.billions) < 0.1, s.name);
        }
        const std::vector<SyntheticTensor> tensors = syntheticTensors(q);
        QCOMPARE(tensors.front().name, std::string("token_embd.weight"));
        QCOMPARE(tensors.back().name, std::string("output.weight"));
        QCOMPARE(tensors.back().type, QuantType::Q6_K);
        // llama.cpp's Q4_K_M layer rule for ffn_down / attn_v: first and last 6 of 48, then every third.
        const auto typeOf = [&](const std::string &name) {
            for (const SyntheticTensor &t : tensors)
                if (t.name == name)
                    return t.type;
            return QuantType::F16;
        };
        QCOMPARE(typeOf("blk.0.ffn_down_exps.weight"), QuantType::Q6_K);
        QCOMPARE(typeOf("blk.7.ffn_down_exps.weight"), QuantType::Q4_K);
        QCOMPARE(typeOf("blk.8.ffn_down_exps.weight"), QuantType::Q6_K);
        QCOMPARE(typeOf("blk.8.attn_v.weight"), QuantType::Q6_K);
        QCOMPARE(typeOf("blk.9.attn_v.weight"), QuantType::Q4_K);
        QCOMPARE(typeOf("blk.47.ffn_down_exps.weight"), QuantType::Q6_K);
        QCOMPARE(typeOf("blk.9.ffn_up_exps.weight"), QuantType::Q4_K);
        QCOMPARE(typeOf("blk.9.ffn_gate_inp.weight"), QuantType::F32);
    }

    void badInputsThrow()
    {
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, syntheticPreset("gpt-5"));
        SyntheticModelSpec spec = syntheticPreset("tiny-llama");
        spec.architecture = "mamba";
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, syntheticTensors(spec));
        spec = syntheticPreset("tiny-llama");
        spec.quantMix = "Q3_K_XL";
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, syntheticTensors(spec));
        spec = syntheticPreset("tiny-qwen3moe");
        spec.nExpertUsed = 9;
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, syntheticTensors(spec));
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, buildSyntheticVocab(200));
    }

    void vocabularyIsByteLevelBpe()
    {
        QCOMPARE(byteTokenText(' '), std::string("\xC4\xA0"));  // U+0120 'Ġ'
        QCOMPARE(byteTokenText('\n'), std::string("\xC4\x8A")); // U+010A 'Ċ'
        QCOMPARE(byteTokenText('A'), std::string("A"));
        QCOMPARE(byteTokenText(0xE9), std::string("\xC3\xA9")); // printable Latin-1 maps to itself
        const SyntheticVocab v = buildSyntheticVocab(70000); // reaches the 3-byte merges
        QCOMPARE(int64_t(v.tokens.size()), int64_t(70000));
        QCOMPARE(std::set<std::string>(v.tokens.begin(), v.tokens.end()).size(), v.tokens.size());
        QCOMPARE(v.merges.size(), size_t(70000 - 256 - kSyntheticSpecialCount));
        for (size_t i = 0; i < v.merges.size(); ++i) {
            const std::string &m = v.merges[i];
            const size_t space = m.find(' ');
            QVERIFY(space != std::string::npos && m.find(' ', space + 1) == std::string::npos);
            QCOMPARE(m.substr(0, space) + m.substr(space + 1), v.tokens[256 + i]);
        }
        QCOMPARE(v.tokens[size_t(v.imEnd)], std::string("<|im_end|>"));
        QCOMPARE(v.tokenTypes[size_t(v.imStart)], kTokenTypeControl);
        QCOMPARE(v.tokenTypes[300], kTokenTypeNormal);
    }

    void tinyPresetsRoundTrip_data()
    {
        QTest::addColumn<QString>("preset");
        for (const char *name : kTinyPresets)
            QTest::newRow(name) << QString::fromLatin1(name);
    }

    void tinyPresetsRoundTrip()
    {
        QFETCH(QString, preset);
        const SyntheticModelSpec spec = syntheticPreset(preset.toStdString());
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        std::vector<double> fractions;
        writeSyntheticModel(spec, path(dir, "model.gguf"), [&](double f) { fractions.push_back(f); });
        QVERIFY(!fractions.empty());
        QVERIFY(std::is_sorted(fractions.begin(), fractions.end()));
        QCOMPARE(fractions.back(), 1.0);

        const GgufModel model(path(dir, "model.gguf"));
        checkMetadata(model, spec);
        checkTokenizer(model, spec);
        checkTensors(model, spec);
    }

    void quantMixes_data()
    {
        QTest::addColumn<QString>("mix");
        QTest::addColumn<int>("matrixType");
        QTest::addColumn<int>("downType");
        QTest::newRow("Q4_K_M") << "Q4_K_M" << int(QuantType::Q4_K) << int(QuantType::Q6_K);
        QTest::newRow("Q4_0") << "Q4_0" << int(QuantType::Q4_0) << int(QuantType::Q4_0);
        QTest::newRow("Q6_K") << "Q6_K" << int(QuantType::Q6_K) << int(QuantType::Q6_K);
        QTest::newRow("Q8_0") << "Q8_0" << int(QuantType::Q8_0) << int(QuantType::Q8_0);
        QTest::newRow("BF16") << "BF16" << int(QuantType::BF16) << int(QuantType::BF16);
        QTest::newRow("F32") << "F32" << int(QuantType::F32) << int(QuantType::F32);
    }

    void quantMixes()
    {
        QFETCH(QString, mix);
        QFETCH(int, matrixType);
        QFETCH(int, downType);
        SyntheticModelSpec spec = syntheticPreset("tiny-qwen3moe");
        spec.quantMix = mix.toStdString();
        QTemporaryDir dir;
        writeSyntheticModel(spec, path(dir, "m.gguf"));
        const GgufModel model(path(dir, "m.gguf"));
        QCOMPARE(int(model.findTensor("blk.1.ffn_up_exps.weight")->type), matrixType);
        QCOMPARE(int(model.findTensor("blk.1.ffn_down_exps.weight")->type), downType);
        QCOMPARE(model.findTensor("blk.0.ffn_gate_inp.weight")->type, QuantType::F32);
        checkTensors(model, spec);
    }

    void sameSeedSameBytes()
    {
        const SyntheticModelSpec spec = syntheticPreset("tiny-qwen3moe");
        QTemporaryDir dir;
        setDefaultThreadCount(1);
        writeSyntheticModel(spec, path(dir, "a.gguf"));
        setDefaultThreadCount(3);
        writeSyntheticModel(spec, path(dir, "b.gguf"));
        setDefaultThreadCount(0);
        SyntheticModelSpec other = spec;
        other.seed = spec.seed + 1;
        writeSyntheticModel(other, path(dir, "c.gguf"));
        const QByteArray a = readFile(dir.filePath("a.gguf"));
        QVERIFY(!a.isEmpty());
        QVERIFY(a == readFile(dir.filePath("b.gguf")));
        const QByteArray c = readFile(dir.filePath("c.gguf"));
        QCOMPARE(c.size(), a.size());
        QVERIFY(c != a);
    }

private:
    void checkMetadata(const GgufModel &m, const SyntheticModelSpec &s)
    {
        const std::string a = s.architecture;
        QCOMPARE(m.architecture(), a);
        QCOMPARE(m.getString("general.name").value_or(""), s.name);
        const std::pair<const char *, int64_t> ints[] = {
            {".block_count", s.nLayer}, {".context_length", s.contextLength}, {".embedding_length", s.nEmbd},
            {".feed_forward_length", s.nFf}, {".attention.head_count", s.nHead},
            {".attention.head_count_kv", s.nHeadKv}, {".vocab_size", s.nVocab}};
        for (const auto &[key, value] : ints)
            QVERIFY2(m.getInt(a + key) == value, (a + key).c_str());
        const bool mla = a == "deepseek2";
        QCOMPARE(m.getInt(a + ".attention.key_length"), mla ? s.kvLoraRank + s.ropeDim : s.headDim);
        QCOMPARE(m.getInt(a + ".attention.value_length"), mla ? s.kvLoraRank : s.headDim);
        if (mla) {
            QCOMPARE(m.getInt(a + ".attention.key_length_mla"), s.headDim);
            QCOMPARE(m.getInt(a + ".attention.kv_lora_rank"), s.kvLoraRank);
            QCOMPARE(m.getInt(a + ".rope.dimension_count"), s.ropeDim);
            QCOMPARE(m.getInt(a + ".leading_dense_block_count"), s.leadingDense);
        }
        QCOMPARE(m.getFloat(a + ".rope.freq_base").value_or(0), s.ropeTheta);
        QVERIFY(std::abs(m.getFloat(a + ".attention.layer_norm_rms_epsilon").value_or(0) - s.rmsEps) < 1e-9);
        QCOMPARE(m.getInt(a + ".expert_count").has_value(), s.nExpert > 0);
        if (s.nExpert > 0) {
            QCOMPARE(m.getInt(a + ".expert_count"), s.nExpert);
            QCOMPARE(m.getInt(a + ".expert_used_count"), s.nExpertUsed);
            QCOMPARE(m.getInt(a + ".expert_feed_forward_length"), s.nFfExpert);
        }
        if (s.nExpertShared > 0)
            QCOMPARE(m.getInt(a + ".expert_shared_count"), s.nExpertShared);
    }

    void checkTokenizer(const GgufModel &m, const SyntheticModelSpec &s)
    {
        QCOMPARE(m.getString("tokenizer.ggml.model").value_or(""), std::string("gpt2"));
        QCOMPARE(m.getString("tokenizer.ggml.pre").value_or(""), std::string("qwen2"));
        const auto tokens = m.getStringArray("tokenizer.ggml.tokens");
        const auto types = m.getIntArray("tokenizer.ggml.token_type");
        const auto merges = m.getStringArray("tokenizer.ggml.merges");
        QVERIFY(tokens && types && merges);
        QCOMPARE(int64_t(tokens->size()), s.nVocab);
        QCOMPARE(int64_t(types->size()), s.nVocab);
        QCOMPARE(int64_t(merges->size()), s.nVocab - 256 - kSyntheticSpecialCount);
        QCOMPARE(std::set<std::string_view>(tokens->begin(), tokens->end()).size(), tokens->size());
        const int64_t eos = m.getInt("tokenizer.ggml.eos_token_id").value_or(-1);
        QCOMPARE((*tokens)[size_t(eos)], std::string_view("<|im_end|>"));
        QCOMPARE((*types)[size_t(eos)], int64_t(kTokenTypeControl));
        QCOMPARE((*tokens)[size_t(m.getInt("tokenizer.ggml.padding_token_id").value_or(0))],
                 std::string_view("<|endoftext|>"));
        QCOMPARE(m.getBool("tokenizer.ggml.add_bos_token"), std::optional<bool>(false));
        QVERIFY(m.getString("tokenizer.chat_template").value_or("").find("<|im_start|>") != std::string::npos);
    }

    void checkTensors(const GgufModel &m, const SyntheticModelSpec &s)
    {
        const std::vector<SyntheticTensor> plan = syntheticTensors(s);
        QCOMPARE(m.tensors().size(), plan.size());
        for (size_t i = 0; i < plan.size(); ++i) {
            const TensorView &t = m.tensors()[i];
            QCOMPARE(t.name, plan[i].name);
            QCOMPARE(t.shape, plan[i].shape);
            QCOMPARE(t.type, plan[i].type);
            const Stats st = tensorStats(t);
            QVERIFY2(st.finite, t.name.c_str());
            const bool norm = t.name.find("norm") != std::string::npos;
            const bool router = t.name.find("ffn_gate_inp") != std::string::npos;
            const QByteArray what = QByteArray::fromStdString(t.name) + " mean " + QByteArray::number(st.mean) +
                                    " std " + QByteArray::number(st.stddev);
            if (norm)
                QVERIFY2(st.mean > kNormMeanMin && st.mean < kNormMeanMax, what.constData());
            else if (router)
                QVERIFY2(st.stddev > kRouterStdMin && st.stddev < kRouterStdMax, what.constData());
            else
                QVERIFY2(st.stddev > kMatrixStdMin && st.stddev < kMatrixStdMax, what.constData());
        }
        // Shapes the architectures fix.
        const int64_t q = s.nHead * s.headDim;
        QCOMPARE(m.findTensor("token_embd.weight")->shape, (std::vector<int64_t>{s.nVocab, s.nEmbd}));
        if (s.architecture == "qwen3moe" || s.architecture == "qwen3")
            QCOMPARE(m.findTensor("blk.0.attn_q_norm.weight")->shape, std::vector<int64_t>{s.headDim});
        if (s.architecture == "olmoe") {
            QCOMPARE(m.findTensor("blk.0.attn_q_norm.weight")->shape, std::vector<int64_t>{q});
            QCOMPARE(m.findTensor("blk.0.attn_k_norm.weight")->shape, std::vector<int64_t>{s.nHeadKv * s.headDim});
        }
        if (s.nExpert > 0) {
            const std::string last = "blk." + std::to_string(s.nLayer - 1) + ".";
            QCOMPARE(m.findTensor(last + "ffn_gate_inp.weight")->shape, (std::vector<int64_t>{s.nExpert, s.nEmbd}));
            QCOMPARE(m.findTensor(last + "ffn_gate_exps.weight")->shape,
                     (std::vector<int64_t>{s.nExpert, s.nFfExpert, s.nEmbd}));
            QCOMPARE(m.findTensor(last + "ffn_down_exps.weight")->shape,
                     (std::vector<int64_t>{s.nExpert, s.nEmbd, s.nFfExpert}));
        }
    }
};

QTEST_APPLESS_MAIN(TestSyntheticModel)
#include "tst_synthetic_model.moc"
