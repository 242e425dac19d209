// make_seeds REFPACK TEST_DATA OUT: the seed corpus of every fuzz target, written to OUT/<target>/.
// Models are micro versions of the reference pack's architectures (hidden 64, one or two layers),
// small enough that a fuzzer runs thousands of them a second; tokenizers, chat templates and
// conversations come from the reference pack and tests/data as they are.
#include "engine/arch/tensor_names.h"
#include "engine/tools/synthetic_model.h"

#include <nlohmann/json.hpp>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <set>
#include <sstream>

using namespace enclave;
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

std::string readText(const fs::path &p)
{
    std::ifstream in(p, std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

void writeText(const fs::path &p, const std::string &text)
{
    fs::create_directories(p.parent_path());
    std::ofstream(p, std::ios::binary) << text;
}

SyntheticModelSpec microSpec(const std::string &arch, const std::string &mix)
{
    SyntheticModelSpec s;
    s.architecture = arch, s.name = "micro-" + arch, s.quantMix = mix;
    s.nVocab = 300, s.nEmbd = 64, s.nLayer = 1, s.nHead = 2, s.nHeadKv = 1, s.headDim = 32, s.nFf = 64;
    s.contextLength = 64;
    if (arch == "qwen3moe" || arch == "olmoe")
        s.nExpert = 4, s.nExpertUsed = 2, s.nFfExpert = 32;
    if (arch == "olmoe")
        s.nHeadKv = 2;
    if (arch == "deepseek2") {
        s.nLayer = 2, s.leadingDense = 1, s.nExpert = 4, s.nExpertUsed = 2, s.nFfExpert = 32;
        s.nExpertShared = 1, s.nFfShared = 32, s.headDim = 48, s.qLoraRank = 32, s.kvLoraRank = 32;
        s.ropeDim = 16, s.valueDim = 32;
    }
    return s;
}

void ggufSeeds(const fs::path &out)
{
    for (const char *arch : {"qwen3moe", "llama", "qwen3", "olmoe", "deepseek2"})
        for (const char *mix : {"Q8_0", "Q4_0", "F32", "BF16"})
            writeSyntheticModel(microSpec(arch, mix), (out / (std::string(arch) + "-" + mix + ".gguf")).string());
}

// A safetensors file of BF16 random tensors.
std::string safetensors(const std::vector<std::pair<std::string, std::vector<int64_t>>> &tensors)
{
    json header = json::object();
    std::string data;
    std::mt19937 rng(7);
    for (const auto &[name, shape] : tensors) {
        int64_t n = 1;
        for (int64_t d : shape)
            n *= d;
        header[name] = {{"dtype", "BF16"}, {"shape", shape}, {"data_offsets", {data.size(), data.size() + 2 * n}}};
        for (int64_t i = 0; i < n; ++i) {
            const uint16_t v = uint16_t(0x3c00 + (rng() & 0x3ff)) ^ uint16_t((rng() & 1) << 15); // |x| ~ 0.008-0.016
            data.append(reinterpret_cast<const char *>(&v), 2);
        }
    }
    std::string text = header.dump();
    while ((8 + text.size()) % 8 != 0)
        text += ' ';
    const uint64_t length = text.size();
    return std::string(reinterpret_cast<const char *>(&length), 8) + text + data;
}

// A micro Qwen3 (dense) or Qwen3-MoE folder as one fuzz input: config.json, separator, weights.
std::string hfSeed(const fs::path &refpackConfig, bool moe)
{
    const int64_t V = 300, E = 64, H = 2, KV = 1, D = 32, F = 64, X = 4, FX = 32;
    json c = json::parse(readText(refpackConfig));
    c["vocab_size"] = V, c["hidden_size"] = E, c["num_attention_heads"] = H, c["num_key_value_heads"] = KV;
    c["head_dim"] = D, c["intermediate_size"] = F, c["num_hidden_layers"] = 1, c["max_position_embeddings"] = 64;
    const ArchFamily family = moe ? ArchFamily::Qwen3Moe : ArchFamily::Qwen3;
    if (moe)
        c["num_local_experts"] = X, c["num_experts"] = X, c["num_experts_per_tok"] = 2, c["moe_intermediate_size"] = FX;
    else
        c["model_type"] = "qwen3";
    const auto name = [&](WeightRole r, int64_t e = 0) { return hfTensorName(family, r, 0, e); };
    std::vector<std::pair<std::string, std::vector<int64_t>>> t = {
        {name(WeightRole::TokenEmbd), {V, E}},    {name(WeightRole::OutputNorm), {E}},
        {name(WeightRole::Output), {V, E}},       {name(WeightRole::AttnNorm), {E}},
        {name(WeightRole::Wq), {H * D, E}},       {name(WeightRole::Wk), {KV * D, E}},
        {name(WeightRole::Wv), {KV * D, E}},      {name(WeightRole::Wo), {E, H * D}},
        {name(WeightRole::QNorm), {D}},           {name(WeightRole::KNorm), {D}},
        {name(WeightRole::FfnNorm), {E}},
    };
    if (moe) {
        t.push_back({name(WeightRole::Router), {X, E}});
        for (int64_t e = 0; e < X; ++e) {
            t.push_back({name(WeightRole::ExpGate, e), {FX, E}});
            t.push_back({name(WeightRole::ExpUp, e), {FX, E}});
            t.push_back({name(WeightRole::ExpDown, e), {E, FX}});
        }
    } else {
        t.push_back({name(WeightRole::FfnGate), {F, E}});
        t.push_back({name(WeightRole::FfnUp), {F, E}});
        t.push_back({name(WeightRole::FfnDown), {E, F}});
    }
    return c.dump(2) + "\n====\n" + safetensors(t);
}

// Real tokenizers of full size (several MB) would slow every fuzzing step a thousandfold; the
// reference pack's small ones have the same structure.
constexpr uintmax_t kMaxSeedBytes = 256 * 1024;

void textSeeds(const fs::path &refpack, const fs::path &testData, const fs::path &out)
{
    int n = 0;
    std::set<std::string> seen;
    const auto seed = [&](const char *target, const std::string &text) {
        if (seen.insert(text).second)
            writeText(out / target / ("seed" + std::to_string(n++)), text);
    };
    for (const auto &e : fs::recursive_directory_iterator(refpack)) {
        const std::string file = e.path().filename().string();
        if (file == "tokenizer.json" && fs::file_size(e.path()) <= kMaxSeedBytes)
            seed("fuzz_tokenizer", readText(e.path()) + "\n====\nHello world! <|im_start|>user 123 \xc3\xa9\xe2\x96\x81x");
        if (file == "tokenizer_config.json") {
            const json c = json::parse(readText(e.path()), nullptr, false);
            if (c.is_object() && c.contains("chat_template") && c["chat_template"].is_string())
                seed("fuzz_jinja", c["chat_template"].get<std::string>());
        }
    }
    for (const auto &e : fs::directory_iterator(testData / "chat_templates"))
        if (e.path().extension() == ".jinja")
            writeText(out / "fuzz_jinja" / e.path().filename(), readText(e.path()));
    const json messages = json::array({{{"role", "system"}, {"content", "Be brief."}},
                                       {{"role", "user"}, {"content", "Hi"}},
                                       {{"role", "assistant"}, {"content", "Hello"}, {"reasoning_content", "greet"}},
                                       {{"role", "tool"}, {"content", "{\"ok\": 1}"}, {"tool_call_id", "c1"}}});
    writeText(out / "fuzz_chat_messages" / "seed0", messages.dump());
    const json conversation = {
        {"format", "enclave-conversation"}, {"version", 1}, {"title", "Seed"}, {"system_prompt", "Be brief."},
        {"settings", {{"temperature", 0.7}}}, {"created_at", "2026-01-01T00:00:00Z"},
        {"messages", json::array({{{"id", 1}, {"parent_id", 0}, {"role", "user"}, {"content", "Hi"}, {"status", "done"}},
                                  {{"id", 2}, {"parent_id", 1}, {"role", "assistant"}, {"content", "Hello"},
                                   {"reasoning", "greet"}, {"status", "done"}, {"stats", {{"tokens", 1}}}}})}};
    writeText(out / "fuzz_conversation_import" / "seed0", conversation.dump(2));
}

} // namespace

int main(int argc, char **argv)
{
    if (argc != 4) {
        std::fprintf(stderr, "usage: make_seeds REFPACK TEST_DATA OUT\n");
        return 2;
    }
    const fs::path refpack = argv[1], testData = argv[2], out = argv[3];
    try {
        fs::create_directories(out / "fuzz_gguf");
        ggufSeeds(out / "fuzz_gguf");
        writeText(out / "fuzz_safetensors" / "qwen3", hfSeed(refpack / "models/qwen3_moe/hf/config.json", false));
        writeText(out / "fuzz_safetensors" / "qwen3_moe", hfSeed(refpack / "models/qwen3_moe/hf/config.json", true));
        textSeeds(refpack, testData, out);
    } catch (const std::exception &e) {
        std::fprintf(stderr, "make_seeds: %s\n", e.what());
        return 1;
    }
    return 0;
}
