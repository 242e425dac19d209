// GGUF tokenizer metadata (tokenizer.ggml.*, tokenizer.chat_template) -> TokenizerSpec.
// Reads through GgufMetadataSource so that any metadata table can feed it: GgufMetadataAdapter wraps
// anything with GgufMetadata's getters (getString, getInt, getBool, get{String,Int,Float}Array).
#pragma once

#include "engine/text/tokenizer_spec.h"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace enclave {

// Read-only key lookups; each getter returns nothing when the key is absent or has another type.
class GgufMetadataSource {
public:
    virtual ~GgufMetadataSource() = default;
    virtual std::optional<std::string> getString(std::string_view key) const = 0;
    virtual std::optional<int64_t> getInt(std::string_view key) const = 0;
    virtual std::optional<bool> getBool(std::string_view key) const = 0;
    // Views stay valid while the source lives.
    virtual std::optional<std::vector<std::string_view>> getStringArray(std::string_view key) const = 0;
    virtual std::optional<std::vector<int64_t>> getIntArray(std::string_view key) const = 0;
    virtual std::optional<std::vector<double>> getFloatArray(std::string_view key) const = 0;
};

// Forwards to a metadata table with the same getter names (e.g. GgufMetadata / GgufFile).
// Keeps a reference: `metadata` must outlive the adapter.
template <class Metadata>
class GgufMetadataAdapter final : public GgufMetadataSource {
public:
    explicit GgufMetadataAdapter(const Metadata &metadata) : m_metadata(metadata) {}

    std::optional<std::string> getString(std::string_view key) const override { return m_metadata.getString(key); }
    std::optional<int64_t> getInt(std::string_view key) const override { return m_metadata.getInt(key); }
    std::optional<bool> getBool(std::string_view key) const override { return m_metadata.getBool(key); }
    std::optional<std::vector<std::string_view>> getStringArray(std::string_view key) const override
    {
        return m_metadata.getStringArray(key);
    }
    std::optional<std::vector<int64_t>> getIntArray(std::string_view key) const override
    {
        return m_metadata.getIntArray(key);
    }
    std::optional<std::vector<double>> getFloatArray(std::string_view key) const override
    {
        return m_metadata.getFloatArray(key);
    }

private:
    const Metadata &m_metadata;
};

// Builds the spec: tokenizer.ggml.model "gpt2" (byte-level BPE with merges, pre-tokenizer from
// tokenizer.ggml.pre) or "llama" (SentencePiece BPE by scores with byte fallback). Throws
// TokenizerFormatError naming the key or value (escaped) that is missing, malformed or unsupported.
TokenizerSpec tokenizerSpecFromGguf(const GgufMetadataSource &metadata);

} // namespace enclave
