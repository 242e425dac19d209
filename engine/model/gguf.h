// GgufFile: one GGUF file (v2 or v3), memory-mapped and validated before anything is used.
//
// On-disk layout (all integers little-endian):
//   uint32 magic "GGUF" (bytes 47 47 55 46), uint32 version (2 or 3; v1 used 32-bit counts and is refused),
//   uint64 tensorCount, uint64 kvCount,
//   kvCount x { string key, uint32 valueType, value },
//   tensorCount x { string name, uint32 nDims (1..4), uint64 ne[nDims] (innermost first),
//                   uint32 ggmlType, uint64 offset (relative to the data section, a multiple of the alignment) },
//   zero padding up to a multiple of general.alignment (default 32; a power of two),
//   the data section: each tensor's bytes at its offset.
// A string is uint64 length + bytes (no terminator). A value is the bare scalar for types 0-7 and 10-12,
// a string for type 8, and for type 9 (array) uint32 elementType + uint64 count + count bare elements
// (which may themselves be strings or arrays).
#pragma once

#include "engine/model/gguf_value.h"
#include "engine/model/mapped_file.h"
#include "engine/model/model_file_error.h"
#include "engine/model/tensor_view.h"

#include <map>
#include <stdexcept>
#include <string>
#include <vector>

namespace enclave {

// Every GGUF reader/writer failure. The detail names the file, the key or tensor, and expected vs
// actual; a reader failure opens with a plain user line (see ModelFileError).
class GgufError : public ModelFileError {
public:
    using ModelFileError::ModelFileError;
};

inline constexpr uint32_t kGgufMagic = 0x46554747; // "GGUF" read as a little-endian uint32
inline constexpr uint32_t kGgufDefaultAlignment = 32;
inline constexpr int kGgufMaxDims = 4;

// The ggml name of a GGUF tensor type id ("IQ2_XXS"), including types the engine cannot run;
// "" for an id ggml does not define.
std::string_view ggmlTypeName(uint32_t ggmlType);

// A GGUF file: a read-only metadata table (the typed getters of GgufMetadata) plus tensors.
// Not copyable; movable (tensor data pointers stay valid across a move). Reading is thread-safe.
class GgufFile : private GgufMetadata {
public:
    using GgufMetadata::contains;
    using GgufMetadata::entries;
    using GgufMetadata::find;
    using GgufMetadata::getArray;
    using GgufMetadata::getBool;
    using GgufMetadata::getFloat;
    using GgufMetadata::getFloatArray;
    using GgufMetadata::getInt;
    using GgufMetadata::getIntArray;
    using GgufMetadata::getString;
    using GgufMetadata::getStringArray;
    using GgufMetadata::size;

    // Maps and validates the whole header, and that every tensor's data lies inside the file (no
    // tensor data is read). Throws GgufError (std::runtime_error when the file cannot be opened at
    // all): "This is not a GGUF model file.", "The file is incomplete (...)" or "This GGUF file is
    // damaged ...", then the file and what is wrong.
    explicit GgufFile(const std::string &path);

    const std::string &path() const { return m_file.path(); }
    uint32_t version() const { return m_version; }
    uint64_t alignment() const { return m_alignment; }
    uint64_t fileSize() const { return m_file.size(); }
    // Byte offset of the data section in the file.
    uint64_t dataOffset() const { return m_dataOffset; }
    const GgufMetadata &metadata() const { return *this; }
    // general.architecture, or "" when the key is missing.
    std::string architecture() const;

    // Tensors in file order.
    const std::vector<TensorView> &tensors() const { return m_tensors; }
    const TensorView *findTensor(std::string_view name) const;

private:
    void parse();

    MappedFile m_file;
    uint32_t m_version = 0;
    uint64_t m_alignment = kGgufDefaultAlignment;
    uint64_t m_dataOffset = 0;
    std::vector<TensorView> m_tensors;
    std::map<std::string, size_t, std::less<>> m_tensorIndex;
};

// What the cheap header check of a GGUF file found (see probeGguf).
struct GgufProbe {
    uint32_t version = 0;
    uint64_t tensorCount = 0;
    uint64_t kvCount = 0;
    std::string architecture; // general.architecture, "" when absent
    int64_t splitCount = 1;   // split.count, 1 when absent
};

// Checks magic, version and that the counts are plausible for the file size, then reads (and
// validates) every key, but no tensor info and no tensor data. Throws GgufError on any problem.
GgufProbe probeGguf(const std::string &path);

} // namespace enclave
