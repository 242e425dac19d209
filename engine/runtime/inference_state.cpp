// The forward pass: embed, then per layer norm → attention → residual → norm → FFN →
// residual, then the output norm and the vocabulary projection.
#include "engine/runtime/inference_state.h"

#include "engine/cpu/thread_pool.h"
#include "engine/moe/expert_usage.h"
#include "engine/runtime/layer_ops.h"

#include <mutex>
#include <stdexcept>
#include <string>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace enclave {
namespace {

// A forward pass allocates and frees megabytes of activations per layer. glibc's defaults hand
// such blocks back to the kernel on free, and the kernel then zeroes fresh pages on the next
// allocation: a few percent of a prompt's time. Keep freed blocks up to 32 MiB (glibc's largest
// mmap threshold) and up to 256 MiB of free heap top for reuse; bigger blocks (a KV cache)
// still go back to the kernel when freed.
void keepFreedActivationMemory()
{
#if defined(__GLIBC__)
    static std::once_flag once;
    std::call_once(once, [] {
        mallopt(M_MMAP_THRESHOLD, 32 << 20);
        mallopt(M_TRIM_THRESHOLD, 256 << 20);
    });
#endif
}

} // namespace

InferenceState::InferenceState(const Model &model, int64_t contextLength, ThreadPool &pool)
    : m_model(model), m_pool(pool), m_rope(model.config().rope),
      m_cache(model.config(), contextLength > 0 ? contextLength : model.config().nCtxTrain),
      m_recurrent(model.config())
{
    keepFreedActivationMemory();
    const ModelConfig &c = model.config();
    for (int64_t i = 0; i < c.nLayer; ++i)
        m_stats.totalExperts += c.isMoeLayer(i) ? c.moe.nExpert : 0;
}

InferenceState::~InferenceState() = default;

void InferenceState::keepUsageProfile(const std::string &path)
{
    const ModelConfig &c = m_model.config();
    if (c.moe.nExpert == 0 || path.empty())
        return;
    m_profilePath = path;
    m_usage = std::make_unique<moe::ExpertUsage>(
        moe::ExpertUsage::loadOrCold(path, int32_t(c.nLayer), int32_t(c.moe.nExpert)));
}

void InferenceState::saveProfile()
{
    if (m_usage)
        m_usage->save(m_profilePath);
}

std::string InferenceState::deviceName() const
{
    return "CPU (" + std::to_string(m_pool.size()) + " threads)";
}

bool InferenceState::canTruncate(int64_t n) const
{
    if (n < 0 || n > m_position)
        return false;
    return n == 0 || n == m_position || !m_model.config().hasRecurrentLayers();
}

void InferenceState::truncate(int64_t n)
{
    if (n < 0 || n > m_position)
        throw std::out_of_range("truncate(" + std::to_string(n) + ") beyond position " + std::to_string(m_position));
    if (!canTruncate(n))
        throw std::logic_error("truncate(" + std::to_string(n) + "): the recurrent layers' state cannot go back to an "
                               "earlier position; truncate to 0 and evaluate again");
    if (n == 0)
        m_recurrent.reset();
    m_position = n;
}

void InferenceState::evaluate(std::span<const int32_t> tokens, float *allLogits, float *lastLogits)
{
    const ModelConfig &c = m_model.config();
    const int64_t n = int64_t(tokens.size());
    if (n == 0)
        return;
    PhaseTimer timer(&m_stats.phases, &PhaseTimes::totalSeconds);
    if (m_position + n > m_cache.capacity)
        throw std::out_of_range("context full: " + std::to_string(m_position) + " + " + std::to_string(n) +
                                " tokens exceed the context length " + std::to_string(m_cache.capacity));
    std::vector<float> residual(size_t(n * c.nEmbd));
    for (int64_t t = 0; t < n; ++t) {
        const int32_t id = tokens[size_t(t)];
        if (id < 0 || id >= c.nVocab)
            throw std::out_of_range("token id " + std::to_string(id) + " outside the vocabulary of " +
                                    std::to_string(c.nVocab));
        dequantizeMatrixRow(m_model.weights().tokenEmbd, id, residual.data() + t * c.nEmbd);
    }
    runLayers(residual.data(), n);
    m_position += n;
    projectLogits(residual.data(), n, allLogits, lastLogits);
}

void InferenceState::runLayers(float *residual, int64_t n)
{
    const ModelConfig &c = m_model.config();
    const ChunkContext ctx{c,      m_rope, m_cache, m_pool,        m_position,       n,
                           m_precision, m_hook, m_usage.get(), &m_stats.phases, &m_recurrent};
    if (m_usage)
        m_usage->advance(n);
    std::vector<float> normed(size_t(n * c.nEmbd)), out(size_t(n * c.nEmbd));
    for (int64_t i = 0; i < c.nLayer; ++i) {
        const LayerWeights &l = m_model.weights().layers[size_t(i)];
        for (int64_t t = 0; t < n; ++t)
            rmsNorm(residual + t * c.nEmbd, l.attnNorm.data(), normed.data() + t * c.nEmbd, c.nEmbd, c.normEps);
        if (c.isRecurrentLayer(i))
            gatedDeltaNet(ctx, l, i, normed.data(), out.data());
        else if (c.isMla())
            latentAttention(ctx, l, i, normed.data(), out.data());
        else
            standardAttention(ctx, l, i, normed.data(), out.data());
        for (int64_t j = 0; j < n * c.nEmbd; ++j)
            residual[j] += out[size_t(j)];

        for (int64_t t = 0; t < n; ++t)
            rmsNorm(residual + t * c.nEmbd, l.ffnNorm.data(), normed.data() + t * c.nEmbd, c.nEmbd, c.normEps);
        if (c.isMoeLayer(i))
            m_stats.expertComputations += moeFeedForward(ctx, l, i, normed.data(), out.data());
        else
            denseFeedForward(ctx, l, normed.data(), out.data());
        for (int64_t j = 0; j < n * c.nEmbd; ++j)
            residual[j] += out[size_t(j)];
    }
}

void InferenceState::projectLogits(const float *residual, int64_t n, float *allLogits, float *lastLogits)
{
    const ModelConfig &c = m_model.config();
    const ModelWeights &w = m_model.weights();
    PhaseTimer timer(&m_stats.phases, &PhaseTimes::denseSeconds);
    if (allLogits) {
        std::vector<float> normed(size_t(n * c.nEmbd));
        for (int64_t t = 0; t < n; ++t)
            rmsNorm(residual + t * c.nEmbd, w.outputNorm.data(), normed.data() + t * c.nEmbd, c.nEmbd, c.normEps);
        matmul(w.output, normed.data(), n, allLogits, m_pool);
        if (lastLogits)
            std::copy_n(allLogits + (n - 1) * c.nVocab, c.nVocab, lastLogits);
        return;
    }
    if (lastLogits) {
        std::vector<float> normed(size_t(c.nEmbd));
        rmsNorm(residual + (n - 1) * c.nEmbd, w.outputNorm.data(), normed.data(), c.nEmbd, c.normEps);
        matmul(w.output, normed.data(), 1, lastLogits, m_pool, m_precision);
    }
}

} // namespace enclave
