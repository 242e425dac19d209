// ConfigReader and the hyper-parameters shared by every family.
#include "engine/arch/config_reader.h"

#include "engine/arch/config_limits.h"
#include "engine/arch/weight_loader.h"
#include "engine/model/printable.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace enclave {

ConfigReader::ConfigReader(const ModelFiles &files) : m_files(files)
{
    m_gguf = files.gguf();
    if (m_gguf)
        m_arch = m_gguf->architecture();
    else {
        m_json = &files.safetensors()->config();
        if (!m_json->is_object() || m_json->empty())
            throw std::runtime_error("no config.json beside the safetensors weights: the architecture is unknown");
        m_arch = m_json->value("model_type", std::string());
    }
}

std::string ConfigReader::architecture() const { return m_arch; }

std::optional<int64_t> ConfigReader::ggufInt(const std::string &suffix) const { return m_gguf->getInt(m_arch + "." + suffix); }
std::optional<double> ConfigReader::ggufFloat(const std::string &suffix) const { return m_gguf->getFloat(m_arch + "." + suffix); }
std::optional<bool> ConfigReader::ggufBool(const std::string &suffix) const { return m_gguf->getBool(m_arch + "." + suffix); }

int64_t ConfigReader::requireGgufInt(const std::string &suffix) const
{
    const auto v = ggufInt(suffix);
    if (!v)
        throw std::runtime_error("GGUF metadata lacks " + quotedName(m_arch + "." + suffix));
    return *v;
}

std::optional<int64_t> ConfigReader::hfInt(std::initializer_list<const char *> keys) const
{
    for (const char *k : keys) {
        const auto it = m_json->find(k);
        if (it != m_json->end() && it->is_number_integer())
            return it->get<int64_t>();
    }
    return std::nullopt;
}

std::optional<double> ConfigReader::hfFloat(std::initializer_list<const char *> keys) const
{
    for (const char *k : keys) {
        const auto it = m_json->find(k);
        if (it != m_json->end() && it->is_number())
            return it->get<double>();
    }
    return std::nullopt;
}

std::optional<bool> ConfigReader::hfBool(std::initializer_list<const char *> keys) const
{
    for (const char *k : keys) {
        const auto it = m_json->find(k);
        if (it != m_json->end() && it->is_boolean())
            return it->get<bool>();
    }
    return std::nullopt;
}

std::optional<std::string> ConfigReader::hfString(std::initializer_list<const char *> keys) const
{
    for (const char *k : keys) {
        const auto it = m_json->find(k);
        if (it != m_json->end() && it->is_string())
            return it->get<std::string>();
    }
    return std::nullopt;
}

int64_t ConfigReader::requireHfInt(std::initializer_list<const char *> keys) const
{
    const auto v = hfInt(keys);
    if (!v)
        throw std::runtime_error("config.json lacks " + std::string(*keys.begin()));
    return *v;
}

const nlohmann::json *ConfigReader::hfRopeParameters() const
{
    for (const char *k : {"rope_parameters", "rope_scaling"}) {
        const auto it = m_json->find(k);
        if (it != m_json->end() && it->is_object())
            return &*it;
    }
    return nullptr;
}

namespace {

// Llama 3 scaling as per-frequency divisors: high frequencies kept, low ones divided by
// factor, a smooth blend between.
std::vector<float> llama3FreqFactors(int64_t dims, double theta, double factor, double lowFreqFactor,
                                     double highFreqFactor, double originalContext)
{
    std::vector<float> factors(size_t(dims / 2));
    const double lowWavelen = originalContext / lowFreqFactor;
    const double highWavelen = originalContext / highFreqFactor;
    for (int64_t i = 0; i < dims / 2; ++i) {
        const double invFreq = std::pow(theta, -2.0 * double(i) / double(dims));
        const double wavelen = 2.0 * M_PI / invFreq;
        double scaled = invFreq;
        if (wavelen > lowWavelen)
            scaled = invFreq / factor;
        else if (wavelen >= highWavelen) {
            const double smooth = (originalContext / wavelen - lowFreqFactor) / (highFreqFactor - lowFreqFactor);
            scaled = (1.0 - smooth) * invFreq / factor + smooth * invFreq;
        }
        factors[size_t(i)] = float(invFreq / scaled);
    }
    return factors;
}

double jsonNumber(const nlohmann::json &j, const char *key, double fallback)
{
    const auto it = j.find(key);
    return it != j.end() && it->is_number() ? it->get<double>() : fallback;
}

// A RoPE scaling factor or frequency bound from a file: finite and within (0, 1e9].
double ropeNumber(double v, const char *what)
{
    if (!std::isfinite(v) || v <= 0.0 || v > 1e9)
        throw std::runtime_error(std::string("hyper-parameter out of range: ") + what + " is " + std::to_string(v) +
                                 ", expected a positive number up to 1e9");
    return v;
}

void readHfRope(const ConfigReader &r, ModelConfig &c)
{
    const nlohmann::json *rp = r.hfRopeParameters();
    c.rope.theta = r.hfFloat({"rope_theta"}).value_or(rp ? jsonNumber(*rp, "rope_theta", 10000.0) : 10000.0);
    if (!rp)
        return;
    std::string type = rp->value("rope_type", rp->value("type", std::string("default")));
    const double factor = ropeNumber(jsonNumber(*rp, "factor", 1.0), "rope_scaling.factor");
    if (type == "llama3") {
        const double low = ropeNumber(jsonNumber(*rp, "low_freq_factor", 1.0), "rope_scaling.low_freq_factor");
        const double high = ropeNumber(jsonNumber(*rp, "high_freq_factor", 4.0), "rope_scaling.high_freq_factor");
        if (high <= low)
            throw std::runtime_error("hyper-parameters inconsistent: rope_scaling.high_freq_factor " +
                                     std::to_string(high) + " is not above low_freq_factor " + std::to_string(low));
        c.rope.theta = ropeNumber(c.rope.theta, "rope_theta");
        c.rope.freqFactors = llama3FreqFactors(
            c.rope.dims, c.rope.theta, factor, low, high,
            ropeNumber(jsonNumber(*rp, "original_max_position_embeddings", 8192.0),
                       "rope_scaling.original_max_position_embeddings"));
    } else if (type == "yarn" || type == "deepseek_yarn") {
        c.rope.yarnFactor = factor;
        c.rope.yarnOriginalContext = integerFrom(jsonNumber(*rp, "original_max_position_embeddings", 4096.0), 1,
                                                 kMaxContext, "rope_scaling.original_max_position_embeddings");
        c.rope.yarnBetaFast = jsonNumber(*rp, "beta_fast", 32.0);
        c.rope.yarnBetaSlow = jsonNumber(*rp, "beta_slow", 1.0);
        c.rope.yarnMscale = jsonNumber(*rp, "mscale", 1.0);
        c.rope.yarnMscaleAllDim = jsonNumber(*rp, "mscale_all_dim", 0.0);
    } else if (type == "linear") {
        c.rope.freqFactors.assign(size_t(c.rope.dims / 2), float(factor));
    } else if (type != "default") {
        throw std::runtime_error("config.json: unsupported rope type " + quotedName(type));
    }
}

void readGgufRope(const ConfigReader &r, ModelConfig &c)
{
    c.rope.theta = r.ggufFloat("rope.freq_base").value_or(10000.0);
    if (const TensorView *t = r.files().findTensor("rope_freqs.weight")) {
        if (t->elements() != c.rope.dims / 2)
            throw std::runtime_error("tensor rope_freqs.weight: expected " + std::to_string(c.rope.dims / 2) +
                                     " elements, found " + std::to_string(t->elements()));
        c.rope.freqFactors = tensorToFloats(*t);
    }
    const std::string type = r.files().gguf()->getString(r.architecture() + ".rope.scaling.type").value_or("none");
    const double factor = ropeNumber(r.ggufFloat("rope.scaling.factor").value_or(1.0), "rope.scaling.factor");
    if (type == "yarn" && factor > 1.0) {
        c.rope.yarnFactor = factor;
        c.rope.yarnOriginalContext = r.ggufInt("rope.scaling.original_context_length").value_or(c.nCtxTrain);
        if (c.rope.yarnOriginalContext <= 0 || c.rope.yarnOriginalContext > kMaxContext)
            throw std::runtime_error("hyper-parameter out of range: rope.scaling.original_context_length is " +
                                     std::to_string(c.rope.yarnOriginalContext));
        // With a log multiplier (DeepSeek) the magnitude correction goes into the attention scale
        // and cos/sin stay unscaled; without one (gpt-oss, Qwen) cos and sin carry 1 + 0.1 ln(factor).
        if (const auto logMultiplier = r.ggufFloat("rope.scaling.yarn_log_multiplier")) {
            c.rope.yarnMscaleAllDim = *logMultiplier / 0.1;
            c.rope.yarnMscale = c.rope.yarnMscaleAllDim;
        } else {
            c.rope.yarnMscale = 1.0;
            c.rope.yarnMscaleAllDim = 0.0;
        }
        c.rope.yarnBetaFast = r.ggufFloat("rope.scaling.yarn_beta_fast").value_or(32.0);
        c.rope.yarnBetaSlow = r.ggufFloat("rope.scaling.yarn_beta_slow").value_or(1.0);
    } else if (type == "linear" && factor > 1.0) {
        c.rope.freqFactors.assign(size_t(c.rope.dims / 2), float(factor));
    }
}

} // namespace

void readCommonConfig(const ConfigReader &r, ModelConfig &c)
{
    c.architecture = r.architecture();
    if (r.isGguf()) {
        c.nLayer = r.requireGgufInt("block_count");
        c.nEmbd = r.requireGgufInt("embedding_length");
        c.nHead = r.requireGgufInt("attention.head_count");
        c.nHeadKv = r.ggufInt("attention.head_count_kv").value_or(c.nHead);
        c.headDim = r.ggufInt("attention.key_length").value_or(c.nEmbd / std::max<int64_t>(c.nHead, 1));
        c.headDimV = r.ggufInt("attention.value_length").value_or(c.headDim);
        c.nFf = r.ggufInt("feed_forward_length").value_or(0);
        c.nCtxTrain = r.ggufInt("context_length").value_or(4096);
        c.normEps = float(r.ggufFloat("attention.layer_norm_rms_epsilon").value_or(1e-6));
        c.rope.dims = r.ggufInt("rope.dimension_count").value_or(c.headDim);
        c.moe.nExpert = r.ggufInt("expert_count").value_or(0);
        c.moe.nExpertUsed = r.ggufInt("expert_used_count").value_or(0);
        c.moe.nFfExpert = r.ggufInt("expert_feed_forward_length").value_or(c.nFf);
        const TensorView *embd = r.files().findTensor("token_embd.weight");
        if (!embd || embd->shape.size() != 2)
            throw std::runtime_error("missing tensor token_embd.weight");
        c.nVocab = embd->shape[0];
        c.tiedEmbeddings = r.files().findTensor("output.weight") == nullptr;
    } else {
        c.nLayer = r.requireHfInt({"num_hidden_layers"});
        c.nEmbd = r.requireHfInt({"hidden_size"});
        c.nHead = r.requireHfInt({"num_attention_heads"});
        c.nHeadKv = r.hfInt({"num_key_value_heads"}).value_or(c.nHead);
        c.headDim = r.hfInt({"head_dim"}).value_or(c.nEmbd / std::max<int64_t>(c.nHead, 1));
        c.headDimV = c.headDim;
        c.nFf = r.hfInt({"intermediate_size"}).value_or(0);
        c.nCtxTrain = r.hfInt({"max_position_embeddings"}).value_or(4096);
        c.normEps = float(r.hfFloat({"rms_norm_eps"}).value_or(1e-6));
        c.nVocab = r.requireHfInt({"vocab_size"});
        c.rope.dims = c.headDim;
        if (const auto partial = r.hfFloat({"partial_rotary_factor"})) {
            if (!(*partial > 0.0 && *partial <= 1.0))
                throw std::runtime_error("hyper-parameter out of range: partial_rotary_factor is " +
                                         std::to_string(*partial) + ", expected a number in (0, 1]");
            c.rope.dims = int64_t(double(std::clamp<int64_t>(c.headDim, 0, kMaxHeadDim)) * *partial);
        }
        c.moe.nExpert = r.hfInt({"num_local_experts", "num_experts", "n_routed_experts"}).value_or(0);
        c.moe.nExpertUsed = r.hfInt({"num_experts_per_tok"}).value_or(0);
        c.moe.nFfExpert = r.hfInt({"moe_intermediate_size"}).value_or(c.nFf);
        c.tiedEmbeddings = r.hfBool({"tie_word_embeddings"}).value_or(false) ||
                           r.files().findTensor("lm_head.weight") == nullptr;
    }
    checkBasicSizes(c); // before RoPE tables are sized from them
    if (r.isGguf())
        readGgufRope(r, c);
    else
        readHfRope(r, c);
}

float ModelConfig::attentionScale() const
{
    float scale = 1.0f / std::sqrt(float(headDim));
    if (rope.yarnFactor > 1.0 && rope.yarnMscaleAllDim > 0.0) {
        const double m = 0.1 * rope.yarnMscaleAllDim * std::log(rope.yarnFactor) + 1.0;
        scale *= float(m * m);
    }
    return scale;
}

} // namespace enclave
