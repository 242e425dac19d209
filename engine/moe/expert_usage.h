// ExpertUsage: how often each (layer, expert) was routed to, with exponential decay so that
// recent use counts more. It ranks experts for a warm start and is saved per model, so the
// next load of that model fills the GPU with the experts it used last time.
//
// Profile file, version 1, little-endian:
//   0   8  magic "ENCUSAGE"
//   8   4  u32 version (1)
//   12  4  u32 nLayer
//   16  4  u32 nExpert
//   20  8  f64 half-life in tokens (0: no decay)
//   28  8  u64 tokens recorded
//   36  8*nLayer*nExpert  f64 scores at save time, layer-major (finite, >= 0)
#pragma once

#include "engine/moe/expert_id.h"

#include <cstdint>
#include <string>
#include <vector>

namespace enclave::moe {

class ExpertUsage {
public:
    static constexpr uint32_t kVersion = 1;
    static constexpr double kDefaultHalfLife = 4096; // tokens

    ExpertUsage() = default;
    // halfLifeTokens 0: plain counts. Throws std::invalid_argument on a negative count or half-life.
    ExpertUsage(int32_t nLayer, int32_t nExpert, double halfLifeTokens = kDefaultHalfLife);

    int32_t nLayer() const { return m_nLayer; }
    int32_t nExpert() const { return m_nExpert; }
    double halfLife() const { return m_halfLife; }
    int64_t tokens() const { return m_tokens; }
    bool empty() const { return m_nLayer == 0; }

    // Time passes: every score so far loses weight by 2^(-tokens / half-life).
    void advance(int64_t tokens = 1);
    // O(1). Out-of-range ids are ignored in release builds (asserted in debug).
    void record(int32_t layer, int32_t expert, double weight = 1.0);
    // The decayed count now.
    double score(int32_t layer, int32_t expert) const { return raw(layer, expert) * m_decayNow; }
    // A value ordered like score() among experts at the same moment, cheaper (no multiply);
    // comparisons stay valid across advance() (all values rescale together).
    double raw(int32_t layer, int32_t expert) const { return m_raw[index(layer, expert)]; }
    double totalScore(int32_t layer) const;
    // The n best experts, best first; ties go to the lower layer, then the lower expert.
    // Experts never used are included only when n asks for them (score 0).
    std::vector<ExpertId> ranked(size_t n) const;

    // Atomic (temp file + rename). Throws std::runtime_error on I/O failure.
    void save(const std::string &path) const;
    // Throws std::runtime_error with the reason: unreadable, corrupt, truncated, other version,
    // or a layer/expert count different from the model's.
    static ExpertUsage load(const std::string &path, int32_t nLayer, int32_t nExpert);
    // Never throws: a profile that cannot be used gives a cold (empty-count) usage and the
    // reason in *reason (left empty on success).
    static ExpertUsage loadOrCold(const std::string &path, int32_t nLayer, int32_t nExpert,
                                  double halfLifeTokens = kDefaultHalfLife, std::string *reason = nullptr);

private:
    size_t index(int32_t layer, int32_t expert) const { return size_t(layer) * size_t(m_nExpert) + size_t(expert); }
    void rescale();

    int32_t m_nLayer = 0;
    int32_t m_nExpert = 0;
    double m_halfLife = 0;
    int64_t m_tokens = 0;
    double m_growth = 1;      // weight of a record now relative to the epoch: 2^(age / half-life)
    double m_decayNow = 1;    // 1 / m_growth
    std::vector<double> m_raw; // [nLayer, nExpert] sum of weight * growth at record time
};

} // namespace enclave::moe
