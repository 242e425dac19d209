// Decayed use counts stored relative to an epoch: recording at time t adds 2^((t - epoch) / H),
// so that advancing time touches nothing until the growth factor gets large, then every value
// is rescaled once (about every 64 half-lives).
#include "engine/moe/expert_usage.h"

#include "engine/moe/binary_io.h"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <numeric>
#include <stdexcept>

namespace enclave::moe {

namespace {
constexpr char kMagic[8] = {'E', 'N', 'C', 'U', 'S', 'A', 'G', 'E'};
constexpr double kRescaleAt = 0x1.0p64;
} // namespace

ExpertUsage::ExpertUsage(int32_t nLayer, int32_t nExpert, double halfLifeTokens)
{
    if (nLayer < 0 || nExpert < 0 || !(halfLifeTokens >= 0) || std::isinf(halfLifeTokens))
        throw std::invalid_argument("expert usage: invalid shape or half-life");
    m_nLayer = nLayer;
    m_nExpert = nExpert;
    m_halfLife = halfLifeTokens;
    m_raw.assign(size_t(nLayer) * size_t(nExpert), 0.0);
}

void ExpertUsage::advance(int64_t tokens)
{
    m_tokens += tokens;
    if (m_halfLife <= 0 || tokens <= 0)
        return;
    m_growth *= std::exp2(double(tokens) / m_halfLife);
    m_decayNow = 1.0 / m_growth;
    if (m_growth > kRescaleAt)
        rescale();
}

void ExpertUsage::rescale()
{
    for (double &v : m_raw)
        v *= m_decayNow;
    m_growth = 1;
    m_decayNow = 1;
}

void ExpertUsage::record(int32_t layer, int32_t expert, double weight)
{
    assert(layer >= 0 && layer < m_nLayer && expert >= 0 && expert < m_nExpert);
    if (layer < 0 || layer >= m_nLayer || expert < 0 || expert >= m_nExpert)
        return;
    m_raw[index(layer, expert)] += weight * m_growth;
}

double ExpertUsage::totalScore(int32_t layer) const
{
    const auto begin = m_raw.begin() + std::ptrdiff_t(index(layer, 0));
    return std::accumulate(begin, begin + m_nExpert, 0.0) * m_decayNow;
}

std::vector<ExpertId> ExpertUsage::ranked(size_t n) const
{
    std::vector<size_t> order(m_raw.size());
    std::iota(order.begin(), order.end(), size_t(0));
    n = std::min(n, order.size());
    std::partial_sort(order.begin(), order.begin() + std::ptrdiff_t(n), order.end(),
                      [&](size_t a, size_t b) { return m_raw[a] != m_raw[b] ? m_raw[a] > m_raw[b] : a < b; });
    std::vector<ExpertId> out;
    out.reserve(n);
    for (size_t i = 0; i < n; ++i)
        out.push_back({int32_t(order[i] / size_t(m_nExpert)), int32_t(order[i] % size_t(m_nExpert))});
    return out;
}

void ExpertUsage::save(const std::string &path) const
{
    ByteWriter w;
    w.bytes(kMagic, sizeof kMagic);
    w.u32(kVersion);
    w.u32(uint32_t(m_nLayer));
    w.u32(uint32_t(m_nExpert));
    w.f64(m_halfLife);
    w.u64(uint64_t(m_tokens));
    for (const double v : m_raw)
        w.f64(v * m_decayNow);
    writeFileAtomically(path, w.data());
}

ExpertUsage ExpertUsage::load(const std::string &path, int32_t nLayer, int32_t nExpert)
{
    const std::string bytes = readWholeFile(path);
    ByteReader r(bytes, path);
    if (r.bytes(sizeof kMagic, "magic") != std::string_view(kMagic, sizeof kMagic))
        r.fail("not an expert usage profile (bad magic)");
    const uint32_t version = r.u32("version");
    if (version != kVersion)
        r.fail("usage profile version " + std::to_string(version) + " is not supported (expected " +
               std::to_string(kVersion) + ")");
    const uint32_t fileLayers = r.u32("layer count");
    const uint32_t fileExperts = r.u32("expert count");
    if (int64_t(fileLayers) != nLayer || int64_t(fileExperts) != nExpert)
        r.fail("profile is for " + std::to_string(fileLayers) + " layers x " + std::to_string(fileExperts) +
               " experts, the model has " + std::to_string(nLayer) + " x " + std::to_string(nExpert));
    const double halfLife = r.f64("half-life");
    if (!(halfLife >= 0) || std::isinf(halfLife))
        r.fail("invalid half-life");
    const uint64_t tokens = r.u64("token count");
    if (tokens > uint64_t(INT64_MAX))
        r.fail("invalid token count");
    ExpertUsage usage(nLayer, nExpert, halfLife);
    usage.m_tokens = int64_t(tokens);
    const size_t needed = usage.m_raw.size() * 8;
    if (r.remaining() < needed)
        r.fail("truncated: " + std::to_string(needed) + " bytes of scores expected, " +
               std::to_string(r.remaining()) + " present");
    if (r.remaining() > needed)
        r.fail(std::to_string(r.remaining() - needed) + " unexpected bytes after the scores");
    for (size_t i = 0; i < usage.m_raw.size(); ++i) {
        const double v = r.f64("score");
        if (!(v >= 0) || std::isinf(v))
            r.fail("score " + std::to_string(i) + " is not a finite non-negative number");
        usage.m_raw[i] = v;
    }
    return usage;
}

ExpertUsage ExpertUsage::loadOrCold(const std::string &path, int32_t nLayer, int32_t nExpert, double halfLifeTokens,
                                    std::string *reason)
{
    if (reason)
        reason->clear();
    try {
        return load(path, nLayer, nExpert);
    } catch (const std::exception &e) {
        if (reason)
            *reason = e.what();
    }
    try {
        return ExpertUsage(nLayer, nExpert, halfLifeTokens);
    } catch (const std::exception &e) {
        if (reason)
            *reason += std::string("; ") + e.what();
        return ExpertUsage();
    }
}

} // namespace enclave::moe
