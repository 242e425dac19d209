// Hostile model files: each hyper-parameter a file can lie about, every misaligned or deeply nested
// structure, and names carrying terminal escapes must give a clear error (or run correctly),
// never a crash, an out-of-bounds access or a huge allocation. The files are reference-pack
// models rewritten with one field changed.
#include "engine/arch/architectures.h"
#include "engine/arch/config_limits.h"
#include "engine/cpu/thread_pool.h"
#include "engine/memory_estimate.h"
#include "engine/model/gguf.h"
#include "engine/model/gguf_writer.h"
#include "engine/model/json_limits.h"
#include "engine/model/printable.h"
#include "engine/model_info.h"
#include "engine/runtime/inference_state.h"
#include "engine/runtime/model.h"

#include <QTemporaryDir>
#include <QTest>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <limits>
#include <map>
#include <nlohmann/json.hpp>

using namespace enclave;
namespace fs = std::filesystem;

namespace {

std::string refpack() { return ENCLAVE_REFPACK_DIR; }
std::string qwenGguf() { return refpack() + "/models/qwen3_moe/gguf/qwen3_moe-q8_0.gguf"; }
std::string deepseekGguf() { return refpack() + "/models/deepseek_v2/gguf/deepseek_v2-q8_0.gguf"; }
std::string qwenHf() { return refpack() + "/models/qwen3_moe/hf"; }

struct Rewrite {
    std::map<std::string, GgufValue> set;                               // keys added or replaced
    std::function<void(const std::string &, std::vector<uint8_t> &)> tensor; // edits a tensor's bytes
    uint32_t alignment = kGgufDefaultAlignment;
};

// src with the rewrite applied, written to dst.
void rewriteGguf(const std::string &src, const std::string &dst, const Rewrite &rw)
{
    const GgufFile in(src);
    GgufWriter w(rw.alignment);
    for (const auto &[key, value] : in.entries())
        if (key != "general.alignment")
            w.set(key, value);
    for (const auto &[key, value] : rw.set)
        w.set(key, value);
    for (const TensorView &t : in.tensors()) {
        std::vector<uint8_t> bytes(t.data, t.data + t.bytes);
        if (rw.tensor)
            rw.tensor(t.name, bytes);
        w.addTensor(t.name, t.type, t.shape, std::move(bytes));
    }
    w.write(dst);
}

// Everything a user's action does with a model file: describe it, estimate its memory, load it and
// evaluate a few tokens. Returns the first error, "" when all of it worked.
std::string useModel(const std::string &path)
{
    try {
        const ModelFiles files(path);
        const ModelInfo info = describeModel(files, path);
        (void)modelInfoText(info);
        (void)modelInfoJson(info);
        const auto model = Model::load(path);
        (void)estimateMemory(weightBytesOf(model->files()), model->config(), 1 << 20);
        ThreadPool pool(2);
        InferenceState state(*model, 32, pool);
        const std::vector<int32_t> tokens = {1, 2, 3};
        std::vector<float> logits(size_t(model->config().nVocab) * tokens.size());
        state.evaluate(tokens, logits.data());
        return "";
    } catch (const std::runtime_error &e) {
        return std::string(e.what()).empty() ? "(empty message)" : e.what();
    } catch (const std::exception &e) {
        return std::string("[not a std::runtime_error] ") + e.what();
    }
}

bool contains(const std::string &s, const std::string &part) { return s.find(part) != std::string::npos; }

void copyFolder(const std::string &from, const std::string &to)
{
    fs::create_directories(to);
    for (const auto &e : fs::directory_iterator(from))
        fs::copy_file(e.path(), fs::path(to) / e.path().filename(), fs::copy_options::overwrite_existing);
}

void writeText(const std::string &path, const std::string &text) { std::ofstream(path, std::ios::binary) << text; }

std::string readText(const std::string &path)
{
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

} // namespace

class TestModelHostile : public QObject {
    Q_OBJECT

    QTemporaryDir m_dir;
    std::string path(const char *name) const { return (fs::path(m_dir.path().toStdString()) / name).string(); }

    void requireRefpack()
    {
        if (!fs::exists(qwenGguf()) || !fs::exists(deepseekGguf()))
            QSKIP("reference pack not found beside the clone");
    }

    // Rewrites src with one change and expects useModel to fail with `expected` in the message.
    void expectRefused(const std::string &src, const Rewrite &rw, const char *expected)
    {
        const std::string p = path("case.gguf");
        rewriteGguf(src, p, rw);
        const std::string error = useModel(p);
        if (error.empty() || !contains(error, expected))
            QFAIL(("expected an error containing \"" + std::string(expected) + "\", got \"" + error + "\"").c_str());
        QVERIFY2(!contains(error, "[not a std::runtime_error]"), error.c_str());
    }

private slots:
    void initTestCase() { QVERIFY(m_dir.isValid()); }

    void unmodifiedFilesRun()
    {
        requireRefpack();
        for (const std::string &src : {qwenGguf(), deepseekGguf(), qwenHf()})
            QCOMPARE(QString::fromStdString(useModel(src)), QString());
    }

    // Class 1: hyper-parameters used unchecked.
    void ropeDimensionsLargerThanTheHead()
    {
        requireRefpack();
        expectRefused(qwenGguf(), {{{"qwen3moe.rope.dimension_count", uint32_t(4096)}}, {}, 32}, "rotated dimensions");
        expectRefused(qwenGguf(), {{{"qwen3moe.rope.dimension_count", int32_t(-8)}}, {}, 32}, "rotated dimensions");
        expectRefused(deepseekGguf(), {{{"deepseek2.rope.dimension_count", uint32_t(100000)}}, {}, 32},
                      "rotated dimensions");
    }

    void usedExpertsOutsideTheExperts()
    {
        requireRefpack();
        expectRefused(qwenGguf(), {{{"qwen3moe.expert_used_count", uint32_t(9)}}, {}, 32}, "used experts");
        expectRefused(qwenGguf(), {{{"qwen3moe.expert_used_count", int32_t(-3)}}, {}, 32}, "used experts");
        expectRefused(qwenGguf(), {{{"qwen3moe.expert_used_count", uint32_t(0)}}, {}, 32}, "used experts");
        expectRefused(qwenGguf(), {{{"qwen3moe.expert_count", uint64_t(1) << 40}}, {}, 32}, "expert count");
    }

    void hugeSizesFailBeforeAllocating()
    {
        requireRefpack();
        expectRefused(qwenGguf(), {{{"qwen3moe.block_count", uint64_t(1) << 40}}, {}, 32}, "layers");
        expectRefused(qwenGguf(), {{{"qwen3moe.block_count", uint32_t(1000)}}, {}, 32}, "missing tensor");
        expectRefused(qwenGguf(), {{{"qwen3moe.attention.key_length", uint32_t(1) << 30}}, {}, 32}, "key head width");
        expectRefused(qwenGguf(), {{{"qwen3moe.embedding_length", uint64_t(1) << 62}}, {}, 32}, "embedding width");
        expectRefused(qwenGguf(), {{{"qwen3moe.context_length", uint64_t(1) << 50}}, {}, 32}, "training context");
        expectRefused(qwenGguf(), {{{"qwen3moe.attention.head_count", uint32_t(0)}}, {}, 32}, "attention heads");
        expectRefused(qwenGguf(), {{{"qwen3moe.attention.head_count_kv", uint32_t(3)}}, {}, 32}, "do not divide");
        expectRefused(qwenGguf(), {{{"qwen3moe.expert_feed_forward_length", uint32_t(1) << 31}}, {}, 32},
                      "expert width");
    }

    void nonFiniteNumbers()
    {
        requireRefpack();
        const float nan = std::numeric_limits<float>::quiet_NaN();
        const float inf = std::numeric_limits<float>::infinity();
        expectRefused(qwenGguf(), {{{"qwen3moe.rope.freq_base", nan}}, {}, 32}, "RoPE base");
        expectRefused(qwenGguf(), {{{"qwen3moe.rope.freq_base", inf}}, {}, 32}, "RoPE base");
        expectRefused(qwenGguf(), {{{"qwen3moe.attention.layer_norm_rms_epsilon", nan}}, {}, 32}, "norm epsilon");
        expectRefused(qwenGguf(),
                      {{{"qwen3moe.rope.scaling.type", "linear"}, {"qwen3moe.rope.scaling.factor", inf}}, {}, 32},
                      "rope.scaling.factor");
    }

    void expertGroupsAndLatentAttention()
    {
        requireRefpack();
        expectRefused(deepseekGguf(), {{{"deepseek2.expert_group_count", uint32_t(3)}}, {}, 32}, "expert groups");
        expectRefused(deepseekGguf(),
                      {{{"deepseek2.expert_group_count", uint32_t(2)}, {"deepseek2.expert_group_used_count", uint32_t(5)}},
                       {},
                       32},
                      "expert groups used");
        expectRefused(deepseekGguf(), {{{"deepseek2.leading_dense_block_count", uint32_t(99)}}, {}, 32},
                      "leading dense layers");
        expectRefused(deepseekGguf(), {{{"deepseek2.attention.kv_lora_rank", uint64_t(1) << 40}}, {}, 32},
                      "kv compression rank");
        expectRefused(deepseekGguf(), {{{"deepseek2.expert_weights_scale", std::nanf("")}}, {}, 32},
                      "routed expert scale");
    }

    // Weights full of NaN (a damaged download) route and run without reading past any buffer.
    void nanWeightsRunWithoutCrashing()
    {
        requireRefpack();
        const std::string p = path("nan.gguf");
        Rewrite rw;
        rw.tensor = [](const std::string &name, std::vector<uint8_t> &bytes) {
            if (name.find("ffn_gate_inp") == std::string::npos || bytes.size() % 4 != 0)
                return;
            const float nan = std::numeric_limits<float>::quiet_NaN();
            for (size_t i = 0; i + 4 <= bytes.size(); i += 4)
                std::memcpy(bytes.data() + i, &nan, 4);
        };
        rewriteGguf(qwenGguf(), p, rw);
        QCOMPARE(QString::fromStdString(useModel(p)), QString());
    }

    // Class 5: unaligned data. Alignment 1 puts the data section at whatever offset the header ends.
    void misalignedTensorDataIsRefused()
    {
        requireRefpack();
        bool sawMisaligned = false;
        for (int pad = 0; pad < 4; ++pad) {
            const std::string p = path("align1.gguf");
            rewriteGguf(qwenGguf(), p, {{{"pad", std::string(size_t(pad), 'x')}}, {}, 1});
            const std::string error = useModel(p);
            if (!error.empty()) {
                sawMisaligned = true;
                QVERIFY2(contains(error, "is not a multiple of") && contains(error, "alignment is 1"), error.c_str());
            }
        }
        QVERIFY(sawMisaligned);
    }

    // Safetensors writers before header padding leave tensors at odd offsets: read through a copy
    // (the sanitizer build sees any misaligned load).
    void oddSafetensorsOffsetsAreReadThroughACopy()
    {
        requireRefpack();
        const std::string folder = path("hf-odd");
        copyFolder(qwenHf(), folder);
        // Shift every tensor by one byte: the header grows by one space, moving the data section.
        const std::string st = readText(folder + "/model.safetensors");
        uint64_t headerBytes = 0;
        std::memcpy(&headerBytes, st.data(), 8);
        std::string header = st.substr(8, headerBytes);
        header += std::string(headerBytes % 2 == 0 ? 1 : 2, ' '); // an odd data-section start
        const uint64_t newBytes = header.size();
        std::string out(8, '\0');
        std::memcpy(out.data(), &newBytes, 8);
        out += header + st.substr(8 + headerBytes);
        writeText(folder + "/model.safetensors", out);
        QCOMPARE(QString::fromStdString(useModel(folder)), QString());
    }

    void configJsonLies()
    {
        requireRefpack();
        const std::string folder = path("hf-config");
        copyFolder(qwenHf(), folder);
        const std::string original = readText(qwenHf() + "/config.json");
        const auto withConfig = [&](const std::function<void(nlohmann::json &)> &edit) {
            nlohmann::json c = nlohmann::json::parse(original);
            edit(c);
            writeText(folder + "/config.json", c.dump());
            return useModel(folder);
        };
        QVERIFY(contains(withConfig([](auto &c) { c["partial_rotary_factor"] = 2.0; }), "partial_rotary_factor"));
        QVERIFY(contains(withConfig([](auto &c) { c["partial_rotary_factor"] = -1e300; }), "partial_rotary_factor"));
        QVERIFY(contains(withConfig([](auto &c) { c["num_experts_per_tok"] = 1000; }), "used experts"));
        QVERIFY(contains(withConfig([](auto &c) { c["num_experts_per_tok"] = -1; }), "used experts"));
        QVERIFY(contains(withConfig([](auto &c) { c["num_hidden_layers"] = int64_t(1) << 40; }), "layers"));
        QVERIFY(contains(withConfig([](auto &c) { c["head_dim"] = int64_t(1) << 40; }), "key head width"));
        QVERIFY(contains(withConfig([](auto &c) {
                             c["rope_parameters"] = {{"rope_type", "yarn"}, {"factor", 4.0},
                                                  {"original_max_position_embeddings", 1e300}};
                         }),
                         "original_max_position_embeddings"));
        QVERIFY(contains(withConfig([](auto &c) {
                             c["rope_parameters"] = {{"rope_type", "llama3"}, {"factor", 8.0},
                                                  {"low_freq_factor", 4.0}, {"high_freq_factor", 4.0}};
                         }),
                         "high_freq_factor"));
        QVERIFY(contains(withConfig([](auto &c) { c["rope_parameters"] = {{"rope_type", "linear"}, {"factor", 1e300}}; }),
                         "rope_scaling.factor"));
    }

    // Class 3: JSON nested far deeper than any real file, in config.json and in the safetensors header.
    void deeplyNestedJsonIsRefused()
    {
        requireRefpack();
        const std::string deep = std::string(100000, '[') + std::string(100000, ']');
        QVERIFY_THROWS_EXCEPTION(std::runtime_error, checkJsonDepth(deep));
        checkJsonDepth("{\"a\": \"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[\"}"); // in a string

        const std::string folder = path("hf-deep");
        copyFolder(qwenHf(), folder);
        nlohmann::json c = nlohmann::json::parse(readText(qwenHf() + "/config.json"));
        std::string text = c.dump();
        text.insert(text.size() - 1, ", \"deep\": " + deep);
        writeText(folder + "/config.json", text);
        QVERIFY(contains(useModel(folder), "nested deeper"));

        copyFolder(qwenHf(), folder);
        const std::string st = readText(folder + "/model.safetensors");
        uint64_t headerBytes = 0;
        std::memcpy(&headerBytes, st.data(), 8);
        std::string header = st.substr(8, headerBytes);
        const size_t end = header.find_last_of('}');
        header.insert(end, ", \"__metadata__\": {\"x\": " + deep + "}");
        while ((8 + header.size()) % 8 != 0)
            header += ' ';
        const uint64_t newBytes = header.size();
        std::string out(8, '\0');
        std::memcpy(out.data(), &newBytes, 8);
        writeText(folder + "/model.safetensors", out + header + st.substr(8 + headerBytes));
        QVERIFY(contains(useModel(folder), "nested deeper"));
    }

    // Class 5: names from a file never reach a terminal raw.
    void namesAreEscaped()
    {
        QCOMPARE(printable("blk.0\x1b[2J\x07"), std::string("blk.0\\x1b[2J\\x07"));
        QCOMPARE(printable("a\nb\tc"), std::string("a\\nb\\tc"));
        QCOMPARE(printable("\xc2\x9b" "31m"), std::string("\\u{009b}31m"));   // C1 CSI
        QCOMPARE(printable("ok \xe2\x80\xae" "txt"), std::string("ok \\u{202e}txt")); // right-to-left override
        QCOMPARE(printable("caf\xc3\xa9 \xff"), std::string("caf\xc3\xa9 \\xff"));
        QCOMPARE(printable(std::string(300, 'a')).size(), size_t(203));
        QCOMPARE(printableText("line 1\nline\x1b 2"), std::string("line 1\nline\\x1b 2"));

        requireRefpack();
        const std::string p = path("escape.gguf");
        rewriteGguf(qwenGguf(), p, {{{"general.architecture", "evil\x1b]0;owned\x07"}}, {}, 32});
        const std::string error = useModel(p);
        QVERIFY2(contains(error, "'evil\\x1b]0;owned\\x07"), error.c_str());
        QVERIFY(error.find('\x1b') == std::string::npos);
    }

    // Memory estimates saturate instead of wrapping on absurd sizes typed by a person.
    void memoryEstimateSaturates()
    {
        ModelConfig c;
        c.nLayer = kMaxLayers, c.nEmbd = kMaxEmbedding, c.nHead = kMaxHeads, c.nHeadKv = kMaxHeads;
        c.headDim = kMaxHeadDim, c.headDimV = kMaxHeadDim, c.nVocab = kMaxVocab;
        const MemoryNeeds n = estimateMemory({UINT64_MAX / 2, UINT64_MAX / 2}, c, std::numeric_limits<int64_t>::max());
        QCOMPARE(n.kvCache, UINT64_MAX);
        QCOMPARE(n.total(), UINT64_MAX);
        QVERIFY(memoryFit(n, UINT64_MAX - 1, 0) == MemoryFit::WillNotFit);
    }
};

QTEST_GUILESS_MAIN(TestModelHostile)
#include "tst_model_hostile.moc"
