// Every family read two ways must compute the same thing: a tiny random model is written
// once as a Hugging Face checkpoint (config.json + safetensors, HF names) and once as GGUF
// (GGUF keys and names, stacked experts, llama's q/k rows permuted as the converter does),
// and both files must give the same logits. This checks the name table, both key readers
// and the RoPE layouts of families the reference pack does not cover.
#include "engine/cpu/thread_pool.h"
#include "engine/model/gguf_writer.h"
#include "engine/quant/float_convert.h"
#include "engine/runtime/inference_state.h"

#include <QDir>
#include <QFile>
#include <QTemporaryDir>
#include <QTest>
#include <cmath>
#include <nlohmann/json.hpp>
#include <random>

using namespace enclave;

namespace {

constexpr int64_t kVocab = 96, kEmbd = 64, kHeads = 4, kHeadsKv = 2, kHeadDim = 16, kFf = 128;
constexpr int64_t kExperts = 4, kUsed = 2, kFfExpert = 64, kLayers = 2;

struct Weight {
    std::string hf;    // "" when only GGUF has it
    std::string gguf;  // "" when only HF has it (per-expert tensors)
    std::vector<int64_t> shape;
    std::vector<float> values;
};

// Random weights with the scales of a real model: matrices small, norms near one.
std::vector<float> randomValues(std::mt19937 &rng, int64_t n, float mean, float stddev)
{
    std::normal_distribution<float> d(mean, stddev);
    std::vector<float> v(static_cast<size_t>(n));
    for (float &x : v)
        x = d(rng);
    return v;
}

// GGUF llama q/k rows: each head's halves interleaved (what convert_hf_to_gguf.py does).
std::vector<float> permuteRows(const std::vector<float> &w, int64_t heads, int64_t cols)
{
    const int64_t rows = int64_t(w.size()) / cols, headDim = rows / heads, half = headDim / 2;
    std::vector<float> out(w.size());
    for (int64_t h = 0; h < heads; ++h)
        for (int64_t i = 0; i < half; ++i)
            for (int part = 0; part < 2; ++part) {
                const int64_t src = h * headDim + part * half + i, dst = h * headDim + 2 * i + part;
                std::copy_n(w.data() + src * cols, cols, out.data() + dst * cols);
            }
    return out;
}

struct Family {
    std::string hfType, ggufArch;
    bool qkvBias = false, qkNorm = false, qkNormFull = false, moe = false, sharedGate = false, permute = false;
    nlohmann::json hfExtra = nlohmann::json::object();
};

std::vector<Weight> buildWeights(const Family &f, std::mt19937 &rng)
{
    std::vector<Weight> w;
    const auto add = [&](std::string hf, std::string gguf, std::vector<int64_t> shape, float mean, float sd) {
        int64_t n = 1;
        for (int64_t d : shape)
            n *= d;
        w.push_back({std::move(hf), std::move(gguf), std::move(shape), randomValues(rng, n, mean, sd)});
    };
    add("model.embed_tokens.weight", "token_embd.weight", {kVocab, kEmbd}, 0, 0.3f);
    add("model.norm.weight", "output_norm.weight", {kEmbd}, 1, 0.1f);
    add("lm_head.weight", "output.weight", {kVocab, kEmbd}, 0, 0.3f);
    for (int64_t l = 0; l < kLayers; ++l) {
        const std::string hp = "model.layers." + std::to_string(l) + ".", gp = "blk." + std::to_string(l) + ".";
        add(hp + "input_layernorm.weight", gp + "attn_norm.weight", {kEmbd}, 1, 0.1f);
        add(hp + "post_attention_layernorm.weight", gp + "ffn_norm.weight", {kEmbd}, 1, 0.1f);
        add(hp + "self_attn.q_proj.weight", gp + "attn_q.weight", {kHeads * kHeadDim, kEmbd}, 0, 0.15f);
        add(hp + "self_attn.k_proj.weight", gp + "attn_k.weight", {kHeadsKv * kHeadDim, kEmbd}, 0, 0.15f);
        add(hp + "self_attn.v_proj.weight", gp + "attn_v.weight", {kHeadsKv * kHeadDim, kEmbd}, 0, 0.15f);
        add(hp + "self_attn.o_proj.weight", gp + "attn_output.weight", {kEmbd, kHeads * kHeadDim}, 0, 0.15f);
        if (f.qkvBias) {
            add(hp + "self_attn.q_proj.bias", gp + "attn_q.bias", {kHeads * kHeadDim}, 0, 0.1f);
            add(hp + "self_attn.k_proj.bias", gp + "attn_k.bias", {kHeadsKv * kHeadDim}, 0, 0.1f);
            add(hp + "self_attn.v_proj.bias", gp + "attn_v.bias", {kHeadsKv * kHeadDim}, 0, 0.1f);
        }
        if (f.qkNorm || f.qkNormFull) {
            add(hp + "self_attn.q_norm.weight", gp + "attn_q_norm.weight", {f.qkNorm ? kHeadDim : kHeads * kHeadDim}, 1, 0.1f);
            add(hp + "self_attn.k_norm.weight", gp + "attn_k_norm.weight", {f.qkNorm ? kHeadDim : kHeadsKv * kHeadDim}, 1, 0.1f);
        }
        if (!f.moe) {
            add(hp + "mlp.gate_proj.weight", gp + "ffn_gate.weight", {kFf, kEmbd}, 0, 0.15f);
            add(hp + "mlp.up_proj.weight", gp + "ffn_up.weight", {kFf, kEmbd}, 0, 0.15f);
            add(hp + "mlp.down_proj.weight", gp + "ffn_down.weight", {kEmbd, kFf}, 0, 0.15f);
            continue;
        }
        add(hp + "mlp.gate.weight", gp + "ffn_gate_inp.weight", {kExperts, kEmbd}, 0, 0.5f);
        for (const auto &[proj, ggufName, rows, cols] :
             {std::tuple{"gate_proj", "ffn_gate_exps", kFfExpert, kEmbd}, std::tuple{"up_proj", "ffn_up_exps", kFfExpert, kEmbd},
              std::tuple{"down_proj", "ffn_down_exps", kEmbd, kFfExpert}}) {
            Weight stacked{"", gp + ggufName + ".weight", {kExperts, rows, cols}, {}};
            for (int64_t e = 0; e < kExperts; ++e) {
                add(hp + "mlp.experts." + std::to_string(e) + "." + proj + ".weight", "", {rows, cols}, 0, 0.15f);
                stacked.values.insert(stacked.values.end(), w.back().values.begin(), w.back().values.end());
            }
            w.push_back(std::move(stacked));
        }
        if (f.sharedGate) {
            add(hp + "mlp.shared_expert.gate_proj.weight", gp + "ffn_gate_shexp.weight", {kFf, kEmbd}, 0, 0.15f);
            add(hp + "mlp.shared_expert.up_proj.weight", gp + "ffn_up_shexp.weight", {kFf, kEmbd}, 0, 0.15f);
            add(hp + "mlp.shared_expert.down_proj.weight", gp + "ffn_down_shexp.weight", {kEmbd, kFf}, 0, 0.15f);
            add(hp + "mlp.shared_expert_gate.weight", gp + "ffn_gate_inp_shexp.weight", {1, kEmbd}, 0, 0.3f);
        }
    }
    return w;
}

// FP8 E4M3 checkpoints (DeepSeek-V3, Kimi K2): a linear weight is stored as fp8 codes plus
// weight_scale_inv, one float per [block × block] tile, with W ≈ code × scale.
struct Fp8Tensor {
    std::vector<uint8_t> codes;
    std::vector<float> scales;
    std::vector<int64_t> scaleShape;
    std::vector<float> dequantized; // exactly what the codes and scales mean
};

Fp8Tensor toFp8(const Weight &w, int64_t block)
{
    const int64_t rows = w.shape[0], cols = w.shape[1];
    const int64_t sr = (rows + block - 1) / block, sc = (cols + block - 1) / block;
    Fp8Tensor t{std::vector<uint8_t>(w.values.size()), std::vector<float>(size_t(sr * sc)), {sr, sc},
                std::vector<float>(w.values.size())};
    for (int64_t br = 0; br < sr; ++br)
        for (int64_t bc = 0; bc < sc; ++bc) {
            float amax = 0;
            for (int64_t r = br * block; r < std::min(rows, (br + 1) * block); ++r)
                for (int64_t c = bc * block; c < std::min(cols, (bc + 1) * block); ++c)
                    amax = std::max(amax, std::abs(w.values[size_t(r * cols + c)]));
            t.scales[size_t(br * sc + bc)] = amax > 0 ? amax / 448.0f : 1.0f;
        }
    for (int64_t r = 0; r < rows; ++r)
        for (int64_t c = 0; c < cols; ++c) {
            const float scale = t.scales[size_t((r / block) * sc + c / block)];
            const float target = w.values[size_t(r * cols + c)] / scale;
            int best = 0;
            for (int code = 0; code < 256; ++code) {
                const float v = e4m3ToFp32(uint8_t(code));
                if (std::isfinite(v) && std::abs(v - target) < std::abs(e4m3ToFp32(uint8_t(best)) - target))
                    best = code;
            }
            t.codes[size_t(r * cols + c)] = uint8_t(best);
            t.dequantized[size_t(r * cols + c)] = e4m3ToFp32(uint8_t(best)) * scale;
        }
    return t;
}

bool isLinearWeight(const Weight &w)
{
    return w.shape.size() == 2 && w.hf.find("proj.weight") != std::string::npos;
}

void writeSafetensors(const QString &dir, const Family &f, const std::vector<Weight> &weights,
                      int64_t fp8Block = 0)
{
    nlohmann::json config = {{"model_type", f.hfType}, {"hidden_size", kEmbd}, {"num_hidden_layers", kLayers},
                             {"num_attention_heads", kHeads}, {"num_key_value_heads", kHeadsKv}, {"head_dim", kHeadDim},
                             {"intermediate_size", kFf}, {"vocab_size", kVocab}, {"max_position_embeddings", 256},
                             {"rms_norm_eps", 1e-6}, {"rope_theta", 10000.0}, {"tie_word_embeddings", false}};
    if (f.moe) {
        config["num_experts"] = kExperts; // the older key name
        config["num_experts_per_tok"] = kUsed;
        config["moe_intermediate_size"] = kFfExpert;
    }
    if (f.sharedGate)
        config["shared_expert_intermediate_size"] = kFf;
    if (f.hfExtra.is_object())
        config.update(f.hfExtra);
    QFile c(dir + QStringLiteral("/config.json"));
    QVERIFY(c.open(QIODevice::WriteOnly));
    c.write(QByteArray::fromStdString(config.dump()));
    c.close();

    nlohmann::json header = nlohmann::json::object();
    std::string data;
    const auto append = [&](const std::string &name, const char *dtype, const std::vector<int64_t> &shape,
                            const void *bytes, size_t size) {
        const size_t begin = data.size();
        data.append(static_cast<const char *>(bytes), size);
        header[name] = {{"dtype", dtype}, {"shape", shape}, {"data_offsets", {begin, data.size()}}};
    };
    for (const Weight &w : weights) {
        if (w.hf.empty())
            continue;
        if (fp8Block > 0 && isLinearWeight(w)) {
            const Fp8Tensor t = toFp8(w, fp8Block);
            append(w.hf, "F8_E4M3", w.shape, t.codes.data(), t.codes.size());
            append(w.hf + "_scale_inv", "F32", t.scaleShape, t.scales.data(), t.scales.size() * sizeof(float));
            continue;
        }
        append(w.hf, "F32", w.shape, w.values.data(), w.values.size() * sizeof(float));
    }
    const std::string h = header.dump();
    const uint64_t len = h.size();
    QFile s(dir + QStringLiteral("/model.safetensors"));
    QVERIFY(s.open(QIODevice::WriteOnly));
    s.write(reinterpret_cast<const char *>(&len), 8);
    s.write(h.data(), qint64(h.size()));
    s.write(data.data(), qint64(data.size()));
}

void writeGguf(const QString &path, const Family &f, const std::vector<Weight> &weights)
{
    GgufWriter g;
    const std::string a = f.ggufArch;
    g.set("general.architecture", GgufValue(a));
    g.set(a + ".block_count", GgufValue(uint32_t(kLayers)));
    g.set(a + ".context_length", GgufValue(uint32_t(256)));
    g.set(a + ".embedding_length", GgufValue(uint32_t(kEmbd)));
    g.set(a + ".feed_forward_length", GgufValue(uint32_t(kFf)));
    g.set(a + ".attention.head_count", GgufValue(uint32_t(kHeads)));
    g.set(a + ".attention.head_count_kv", GgufValue(uint32_t(kHeadsKv)));
    g.set(a + ".attention.key_length", GgufValue(uint32_t(kHeadDim)));
    g.set(a + ".attention.value_length", GgufValue(uint32_t(kHeadDim)));
    g.set(a + ".rope.freq_base", GgufValue(10000.0f));
    g.set(a + ".attention.layer_norm_rms_epsilon", GgufValue(1e-6f));
    if (f.moe) {
        g.set(a + ".expert_count", GgufValue(uint32_t(kExperts)));
        g.set(a + ".expert_used_count", GgufValue(uint32_t(kUsed)));
        g.set(a + ".expert_feed_forward_length", GgufValue(uint32_t(kFfExpert)));
    }
    if (f.sharedGate)
        g.set(a + ".expert_shared_feed_forward_length", GgufValue(uint32_t(kFf)));
    for (const Weight &w : weights) {
        if (w.gguf.empty())
            continue;
        std::vector<float> values = w.values;
        const bool isQ = w.gguf.find("attn_q.") != std::string::npos, isK = w.gguf.find("attn_k.") != std::string::npos;
        if (f.permute && (isQ || isK))
            values = permuteRows(values, isQ ? kHeads : kHeadsKv, w.shape.size() == 2 ? w.shape[1] : 1);
        std::vector<uint8_t> bytes(values.size() * sizeof(float));
        std::memcpy(bytes.data(), values.data(), bytes.size());
        g.addTensor(w.gguf, QuantType::F32, w.shape, std::move(bytes));
    }
    g.write(path.toStdString());
}

std::vector<float> logitsOf(const std::string &path, const std::vector<int32_t> &ids)
{
    const auto model = Model::load(path);
    InferenceState state(*model, int64_t(ids.size()), defaultThreadPool());
    std::vector<float> out(ids.size() * size_t(kVocab));
    state.evaluate(ids, out.data());
    return out;
}

} // namespace

class TestArchitectures : public QObject {
    Q_OBJECT
private slots:
    void sameLogitsFromBothFormats_data()
    {
        QTest::addColumn<int>("index");
        const char *names[] = {"llama", "mistral", "qwen2", "qwen3", "qwen2_moe", "qwen3_moe", "olmoe"};
        for (int i = 0; i < 7; ++i)
            QTest::newRow(names[i]) << i;
    }

    void sameLogitsFromBothFormats()
    {
        QFETCH(int, index);
        Family families[] = {
            {"llama", "llama", false, false, false, false, false, true, {}},
            {"mistral", "llama", false, false, false, false, false, true, {}},
            {"qwen2", "qwen2", true, false, false, false, false, false, {}},
            {"qwen3", "qwen3", false, true, false, false, false, false, {}},
            {"qwen2_moe", "qwen2moe", true, false, false, true, true, false, {{"norm_topk_prob", false}}},
            {"qwen3_moe", "qwen3moe", false, true, false, true, false, false, {{"norm_topk_prob", true}}},
            {"olmoe", "olmoe", false, false, true, true, false, false, {{"norm_topk_prob", false}}},
        };
        const Family f = families[index];
        std::mt19937 rng(1000 + index);
        const std::vector<Weight> weights = buildWeights(f, rng);
        QTemporaryDir dir;
        writeSafetensors(dir.path(), f, weights);
        const QString gguf = dir.filePath(QStringLiteral("model.gguf"));
        try {
            writeGguf(gguf, f, weights);
        } catch (const std::exception &e) {
            QFAIL(e.what());
        }

        std::vector<int32_t> ids;
        for (int i = 0; i < 12; ++i)
            ids.push_back((i * 37 + 5) % int(kVocab));
        std::vector<float> hf, gg;
        try {
            hf = logitsOf(dir.path().toStdString(), ids);
            gg = logitsOf(gguf.toStdString(), ids);
        } catch (const std::exception &e) {
            QFAIL(e.what());
        }
        double diff = 0, norm = 0;
        for (size_t i = 0; i < hf.size(); ++i) {
            diff += (double(hf[i]) - gg[i]) * (double(hf[i]) - gg[i]);
            norm += double(hf[i]) * hf[i];
        }
        const double rel = std::sqrt(diff / norm);
        qInfo("%s: HF vs GGUF rel %.2e", f.hfType.c_str(), rel);
        QVERIFY(std::isfinite(rel));
        QVERIFY2(rel < 1e-5, "the two formats disagree");
    }

    // An FP8 checkpoint computes exactly what its dequantised float32 twin computes.
    void fp8BlockScales()
    {
        const Family f{"qwen3", "qwen3", false, true, false, false, false, false, {}};
        std::mt19937 rng(77);
        std::vector<Weight> weights = buildWeights(f, rng);
        QTemporaryDir fp8Dir, refDir;
        constexpr int64_t kBlock = 32; // several tiles per matrix (DeepSeek uses 128)
        writeSafetensors(fp8Dir.path(), f, weights, kBlock);
        for (Weight &w : weights)
            if (isLinearWeight(w))
                w.values = toFp8(w, kBlock).dequantized;
        writeSafetensors(refDir.path(), f, weights);
        std::vector<int32_t> ids = {3, 17, 42, 8, 91, 55};
        std::vector<float> a, b;
        try {
            a = logitsOf(fp8Dir.path().toStdString(), ids);
            b = logitsOf(refDir.path().toStdString(), ids);
        } catch (const std::exception &e) {
            QFAIL(e.what());
        }
        double diff = 0, norm = 0;
        for (size_t i = 0; i < a.size(); ++i) {
            diff += (double(a[i]) - b[i]) * (double(a[i]) - b[i]);
            norm += double(b[i]) * b[i];
        }
        qInfo("FP8 vs dequantised float32: rel %.2e", std::sqrt(diff / norm));
        QVERIFY(std::sqrt(diff / norm) < 1e-5);
    }
};

QTEST_GUILESS_MAIN(TestArchitectures)
#include "tst_architectures.moc"
