// SafetensorsFile: one .safetensors file, memory-mapped, its JSON header fully validated.
//
// On-disk layout:
//   uint64 N (little-endian): the byte length of the header;
//   N bytes of UTF-8 JSON, one object (may end in padding spaces):
//     {"__metadata__": {"format": "pt", ...},                    (optional, string -> string)
//      "<tensor name>": {"dtype": "BF16", "shape": [d0, d1, ...], "data_offsets": [begin, end]}, ...}
//   the data area, from byte 8 + N to the end of the file: each tensor's bytes in C order
//   (last index fastest), little-endian, at [begin, end) relative to the start of the data area.
// Shapes are outer-first, as TensorView wants them. A scalar has shape [].
// note: data pointers are only as aligned as 8 + N + begin makes them (writers pad N to 8).
// note: tensors whose dtype the engine does not run (I64, BOOL, ...) are common harmless buffers in
// real checkpoints, so they are validated and listed but only fail when someone asks for them.
#pragma once

#include "engine/model/mapped_file.h"
#include "engine/model/model_file_error.h"
#include "engine/model/tensor_view.h"

#include <nlohmann/json.hpp>

#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace enclave {

// Every safetensors reader failure. The detail names the file, the tensor or key, and expected vs
// actual; a failure of one file's layout opens with a plain user line (see ModelFileError).
class SafetensorsError : public ModelFileError {
public:
    using ModelFileError::ModelFileError;
};

// The header length limit of the format's reference implementation (100 MiB).
inline constexpr uint64_t kSafetensorsMaxHeaderBytes = uint64_t(100) << 20;

// The QuantType of a safetensors dtype (F32, F16, BF16, F8_E4M3), or nothing when the engine cannot run it.
std::optional<QuantType> quantTypeFromSafetensors(std::string_view dtype);
// Bytes per element of any dtype the format defines; 0 for a name it does not define.
int64_t safetensorsDtypeSize(std::string_view dtype);

// Not copyable; movable (tensor data pointers stay valid across a move). Reading is thread-safe.
class SafetensorsFile {
public:
    // A validated tensor whose dtype the engine cannot run.
    struct UnsupportedTensor {
        std::string name;
        std::string dtype;
        std::vector<int64_t> shape;
    };

    // Maps and validates the file. Throws SafetensorsError (std::runtime_error when the file cannot
    // be opened at all): a user line (not a safetensors file, incomplete, damaged), then the file
    // and what is wrong.
    explicit SafetensorsFile(const std::string &path);

    const std::string &path() const { return m_file.path(); }
    uint64_t fileSize() const { return m_file.size(); }
    // Byte offset of the data area in the file (8 + header length).
    uint64_t dataOffset() const { return m_dataOffset; }
    // The "__metadata__" object, or an empty object.
    const nlohmann::json &metadata() const { return m_metadata; }

    // Tensors of supported dtypes, in data order.
    const std::vector<TensorView> &tensors() const { return m_tensors; }
    const std::vector<UnsupportedTensor> &unsupportedTensors() const { return m_unsupported; }
    // True when the header has a tensor of this name, whatever its dtype.
    bool contains(std::string_view name) const;
    // The tensor, or nullptr when there is none of this name. Throws SafetensorsError when the
    // tensor exists but its dtype is not supported.
    const TensorView *findTensor(std::string_view name) const;

private:
    uint64_t readHeaderLength() const;
    nlohmann::json parseHeader(uint64_t headerBytes) const;
    void readEntries(const nlohmann::json &header);
    // Throws SafetensorsError "<user line>\n<path>: <what>"; the user line says that the file is
    // damaged unless `userMessage` is given.
    [[noreturn]] void fail(const std::string &what, const std::string &userMessage = {}) const;

    MappedFile m_file;
    uint64_t m_dataOffset = 0;
    nlohmann::json m_metadata = nlohmann::json::object();
    std::vector<TensorView> m_tensors;
    std::vector<UnsupportedTensor> m_unsupported;
    // Tensors whose bytes in the file are not aligned for their element type (writers before
    // header padding, or a hand-made file): read through an aligned copy, never in place.
    std::vector<std::vector<float>> m_alignedCopies;
    std::map<std::string, size_t, std::less<>> m_index;            // into m_tensors
    std::map<std::string, size_t, std::less<>> m_unsupportedIndex; // into m_unsupported
};

} // namespace enclave
