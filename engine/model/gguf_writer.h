// GgufWriter: writes a GGUF v3 file (layout in gguf.h): metadata of every value type, tensor infos,
// zero padding to the alignment and tensor data, streamed one tensor at a time.
// note: the file is written as "<path>.tmp" and renamed at the end, so a failed or interrupted write
// (disk full included) never leaves a half-written model under the final name.
#pragma once

#include "engine/model/gguf.h"

#include <functional>
#include <span>
#include <string>
#include <vector>

namespace enclave {

// Single-threaded: build it, then call write() (which may be called more than once).
class GgufWriter {
public:
    // Fills `out` (exactly the tensor's byte size) with its data; called once per write().
    using TensorFill = std::function<void(std::span<uint8_t> out)>;

    // alignment must be a power of two; a value other than 32 is written as general.alignment.
    explicit GgufWriter(uint32_t alignment = kGgufDefaultAlignment);

    // Adds or replaces a key. Throws GgufError for "general.alignment" (set by the constructor).
    void set(std::string key, GgufValue value);
    // Copies every key of `metadata` (general.alignment excepted).
    void setAll(const GgufMetadata &metadata);
    const GgufMetadata &metadata() const { return m_metadata; }

    // Shapes are outer-first like TensorView ([rows, cols]); they are written reversed (ne[]).
    // `data` must hold exactly the tensor's bytes and stay valid until write() returns.
    // Throws GgufError for a duplicate name, a bad shape, a type without a GGUF id or a size mismatch.
    void addTensor(std::string name, QuantType type, std::vector<int64_t> shape, std::span<const uint8_t> data);
    // Takes ownership of the bytes (so a temporary buffer is safe to pass).
    void addTensor(std::string name, QuantType type, std::vector<int64_t> shape, std::vector<uint8_t> &&data);
    void addTensor(std::string name, QuantType type, std::vector<int64_t> shape, TensorFill fill);
    size_t tensorCount() const { return m_tensors.size(); }

    // Writes the file. Throws GgufError naming the path and the OS error ("disk full" for ENOSPC);
    // on failure the partial "<path>.tmp" is removed and an existing file at `path` is left untouched.
    void write(const std::string &path) const;

private:
    struct Tensor {
        std::string name;
        QuantType type;
        std::vector<int64_t> shape;
        uint64_t bytes;
        std::span<const uint8_t> data; // into the caller's buffer or into owned
        std::vector<uint8_t> owned;
        TensorFill fill;
    };
    uint64_t checkTensor(const std::string &name, QuantType type, const std::vector<int64_t> &shape) const;

    uint32_t m_alignment;
    GgufMetadata m_metadata;
    std::vector<Tensor> m_tensors;
};

} // namespace enclave
