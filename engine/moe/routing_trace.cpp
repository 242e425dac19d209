// RoutingTrace storage, validation and the version-1 file format (described in the header).
#include "engine/moe/routing_trace.h"

#include "engine/moe/binary_io.h"

#include <stdexcept>

namespace enclave::moe {

namespace {

constexpr char kMagic[8] = {'E', 'N', 'C', 'T', 'R', 'A', 'C', 'E'};
constexpr int64_t kMaxCount = 65536;

// Returns an empty string when the shape is valid, else why not.
std::string shapeError(int64_t nLayer, const std::vector<int32_t> &moeLayers, int64_t nExpert, int64_t k)
{
    if (nLayer < 1 || nLayer > kMaxCount)
        return "layer count " + std::to_string(nLayer) + " is outside 1..65536";
    if (nExpert < 1 || nExpert > kMaxCount)
        return "expert count " + std::to_string(nExpert) + " is outside 1..65536";
    if (k < 1 || k > nExpert)
        return "experts per token " + std::to_string(k) + " is outside 1.." + std::to_string(nExpert);
    if (moeLayers.empty() || int64_t(moeLayers.size()) > nLayer)
        return "MoE layer count " + std::to_string(moeLayers.size()) + " is outside 1.." + std::to_string(nLayer);
    for (size_t i = 0; i < moeLayers.size(); ++i) {
        if (moeLayers[i] < 0 || moeLayers[i] >= nLayer)
            return "MoE layer " + std::to_string(moeLayers[i]) + " is not below the layer count " +
                   std::to_string(nLayer);
        if (i > 0 && moeLayers[i] <= moeLayers[i - 1])
            return "MoE layers are not strictly increasing at entry " + std::to_string(i);
    }
    return {};
}

} // namespace

RoutingTrace::RoutingTrace(int32_t nLayer, std::vector<int32_t> moeLayers, int32_t nExpert, int32_t k)
{
    const std::string error = shapeError(nLayer, moeLayers, nExpert, k);
    if (!error.empty())
        throw std::invalid_argument("routing trace: " + error);
    m_nLayer = nLayer;
    m_moeLayers = std::move(moeLayers);
    m_nExpert = nExpert;
    m_k = k;
    m_moeIndex.assign(size_t(nLayer), -1);
    for (size_t i = 0; i < m_moeLayers.size(); ++i)
        m_moeIndex[size_t(m_moeLayers[i])] = int32_t(i);
}

int32_t RoutingTrace::moeIndexOf(int64_t layer) const
{
    return layer >= 0 && layer < m_nLayer ? m_moeIndex[size_t(layer)] : -1;
}

std::span<const int32_t> RoutingTrace::experts(int64_t token, int32_t moeIndex) const
{
    return std::span(m_ids).subspan(size_t(token * rowSize() + int64_t(moeIndex) * m_k), size_t(m_k));
}

std::span<const int32_t> RoutingTrace::token(int64_t token) const
{
    return std::span(m_ids).subspan(size_t(token * rowSize()), size_t(rowSize()));
}

std::string RoutingTrace::rowError(std::span<const int32_t> ids) const
{
    if (m_k == 0)
        return "no shape set";
    if (int64_t(ids.size()) != rowSize())
        return "a token needs " + std::to_string(rowSize()) + " ids (" + std::to_string(m_moeLayers.size()) +
               " MoE layers x " + std::to_string(m_k) + "), got " + std::to_string(ids.size());
    for (size_t l = 0; l < m_moeLayers.size(); ++l) {
        const auto layer = ids.subspan(l * size_t(m_k), size_t(m_k));
        for (size_t i = 0; i < layer.size(); ++i) {
            const std::string where = "layer " + std::to_string(m_moeLayers[l]) + " pick " + std::to_string(i);
            if (layer[i] < 0 || layer[i] >= m_nExpert)
                return "expert " + std::to_string(layer[i]) + " at " + where + " is outside 0.." +
                       std::to_string(m_nExpert - 1);
            for (size_t j = 0; j < i; ++j)
                if (layer[j] == layer[i])
                    return "expert " + std::to_string(layer[i]) + " at " + where +
                           " repeats an earlier pick of the same token";
        }
    }
    return {};
}

void RoutingTrace::appendToken(std::span<const int32_t> ids)
{
    const std::string error = rowError(ids);
    if (!error.empty())
        throw std::invalid_argument("routing trace: " + error);
    m_ids.insert(m_ids.end(), ids.begin(), ids.end());
}

void RoutingTrace::write(const std::string &path) const
{
    ByteWriter w;
    w.bytes(kMagic, sizeof kMagic);
    w.u32(kVersion);
    w.u32(uint32_t(m_nLayer));
    w.u32(uint32_t(m_nExpert));
    w.u32(uint32_t(m_k));
    w.u32(uint32_t(m_moeLayers.size()));
    w.u64(uint64_t(tokens()));
    for (const int32_t layer : m_moeLayers)
        w.u32(uint32_t(layer));
    for (const int32_t id : m_ids)
        w.u16(uint16_t(id));
    writeFileAtomically(path, w.data());
}

RoutingTrace RoutingTrace::read(const std::string &path)
{
    return parse(readWholeFile(path), path);
}

RoutingTrace RoutingTrace::parse(std::string_view bytes, const std::string &what)
{
    ByteReader r(bytes, what);
    if (r.bytes(sizeof kMagic, "magic") != std::string_view(kMagic, sizeof kMagic))
        r.fail("not a routing trace (bad magic)");
    const uint32_t version = r.u32("version");
    if (version != kVersion)
        r.fail("routing trace version " + std::to_string(version) + " is not supported (expected " +
               std::to_string(kVersion) + ")");
    const uint32_t nLayer = r.u32("layer count");
    const uint32_t nExpert = r.u32("expert count");
    const uint32_t k = r.u32("experts per token");
    const uint32_t nMoe = r.u32("MoE layer count");
    const uint64_t tokens = r.u64("token count");
    if (nMoe > nLayer || nMoe > kMaxCount)
        r.fail("MoE layer count " + std::to_string(nMoe) + " exceeds the layer count " + std::to_string(nLayer));
    std::vector<int32_t> moeLayers(nMoe);
    for (auto &layer : moeLayers)
        layer = int32_t(std::min<uint32_t>(r.u32("MoE layer index"), uint32_t(kMaxCount)));
    const std::string error = shapeError(nLayer, moeLayers, nExpert, k);
    if (!error.empty())
        r.fail(error);
    RoutingTrace trace(int32_t(nLayer), std::move(moeLayers), int32_t(nExpert), int32_t(k));
    const uint64_t perToken = uint64_t(trace.rowSize()) * 2;
    if (tokens > r.remaining() / perToken)
        r.fail("truncated: header says " + std::to_string(tokens) + " tokens (" + std::to_string(tokens * perToken) +
               " bytes of ids) but only " + std::to_string(r.remaining()) + " bytes follow");
    if (r.remaining() != tokens * perToken)
        r.fail(std::to_string(r.remaining() - tokens * perToken) + " unexpected bytes after the last token");
    trace.m_ids.resize(size_t(tokens) * size_t(trace.rowSize()));
    std::vector<int32_t> row(size_t(trace.rowSize()));
    for (uint64_t t = 0; t < tokens; ++t) {
        for (auto &id : row)
            id = r.u16("expert id");
        const std::string problem = trace.rowError(row);
        if (!problem.empty())
            r.fail("token " + std::to_string(t) + ": " + problem);
        std::copy(row.begin(), row.end(), trace.m_ids.begin() + int64_t(t) * trace.rowSize());
    }
    return trace;
}

} // namespace enclave::moe
