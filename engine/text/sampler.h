// Sampler: turns a row of logits into the next token. Penalties over a window of recent
// tokens, then temperature, top-k, top-p and min-p; temperature 0 is greedy. A fixed seed
// makes a run reproducible. Not thread-safe; one per generation.
#pragma once

#include <cstdint>
#include <random>
#include <span>
#include <vector>

namespace enclave {

struct SamplingParams {
    float temperature = 0.7f;  // ≤ 0: greedy (argmax)
    int32_t topK = 40;         // ≤ 0: all tokens
    float topP = 0.95f;        // ≥ 1: off
    float minP = 0.05f;        // ≤ 0: off; relative to the most likely token
    float repeatPenalty = 1.0f;    // > 1 discourages tokens seen in the window (llama-style)
    float presencePenalty = 0.0f;  // subtracted once per seen token
    float frequencyPenalty = 0.0f; // subtracted per occurrence
    int32_t penaltyWindow = 64;    // recent tokens the penalties look at
    uint64_t seed = 0;             // 0: a fresh random seed
};

class Sampler {
public:
    explicit Sampler(const SamplingParams &params);

    // Picks a token; logits is modified (penalties, temperature). history: tokens so far.
    int32_t sample(std::span<float> logits, std::span<const int32_t> history);
    uint64_t seed() const { return m_seed; }

private:
    void applyPenalties(std::span<float> logits, std::span<const int32_t> history) const;

    SamplingParams m_params;
    uint64_t m_seed;
    std::mt19937_64 m_rng;
    std::vector<std::pair<float, int32_t>> m_candidates;
};

} // namespace enclave
