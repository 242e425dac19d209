// RoutingTrace: the experts a model's routers chose, per token and MoE layer, so that cache
// policies can be compared on real routing (recorded by TraceRecorder, replayed by
// TraceReplayer, or synthesised by generateTrace).
//
// File format, version 1, all integers little-endian:
//   offset  size           field
//   0       8              magic "ENCTRACE"
//   8       4   u32        version (1)
//   12      4   u32        nLayer      model layers (dense ones included), 1..65536
//   16      4   u32        nExpert     routed experts per MoE layer, 1..65536
//   20      4   u32        k           experts per token, 1..nExpert
//   24      4   u32        nMoeLayer   1..nLayer
//   28      8   u64        tokens
//   36      4*nMoeLayer    u32 MoE layer indices, strictly increasing, < nLayer
//   then    2*tokens*nMoeLayer*k  u16 expert ids: token-major, then MoE layer in the listed
//                          order, then the k ids in routing order (distinct, < nExpert)
// Nothing may follow. Readers reject any other version.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace enclave::moe {

class RoutingTrace {
public:
    static constexpr uint32_t kVersion = 1;

    RoutingTrace() = default;
    // Throws std::invalid_argument on an impossible shape (see the file limits above).
    RoutingTrace(int32_t nLayer, std::vector<int32_t> moeLayers, int32_t nExpert, int32_t k);

    int32_t nLayer() const { return m_nLayer; }
    const std::vector<int32_t> &moeLayers() const { return m_moeLayers; }
    int32_t nMoeLayer() const { return int32_t(m_moeLayers.size()); }
    int32_t nExpert() const { return m_nExpert; }
    int32_t k() const { return m_k; }
    int64_t tokens() const { return int64_t(m_ids.size()) / rowSize(); }
    // Index of model layer `layer` in moeLayers(), -1 when it is not a MoE layer.
    int32_t moeIndexOf(int64_t layer) const;

    // The k ids of one token in one MoE layer (index into moeLayers()), routing order.
    std::span<const int32_t> experts(int64_t token, int32_t moeIndex) const;
    // All MoE layers of one token: [nMoeLayer, k].
    std::span<const int32_t> token(int64_t token) const;

    // Appends one token: ids [nMoeLayer, k]. Throws std::invalid_argument naming the layer
    // when an id is out of range or repeated within a layer.
    void appendToken(std::span<const int32_t> ids);

    void write(const std::string &path) const; // atomic: temp file + rename
    static RoutingTrace read(const std::string &path);
    static RoutingTrace parse(std::string_view bytes, const std::string &what);

private:
    int64_t rowSize() const { return int64_t(m_moeLayers.size()) * m_k; }
    std::string rowError(std::span<const int32_t> ids) const; // empty: valid

    int32_t m_nLayer = 0;
    std::vector<int32_t> m_moeLayers; // model layer of each MoE layer
    std::vector<int32_t> m_moeIndex;  // [nLayer] model layer → MoE index or -1
    int32_t m_nExpert = 0;
    int32_t m_k = 0;
    std::vector<int32_t> m_ids;       // [tokens, nMoeLayer, k]
};

} // namespace enclave::moe
