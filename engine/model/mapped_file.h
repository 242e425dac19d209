// MappedFile: a read-only memory map of a whole file, the way every model file is read.
// Weights are used in place from the map; nothing is copied. Pages are touched lazily,
// so resident memory grows only with what a run reads.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

namespace enclave {

class MappedFile {
public:
    MappedFile() = default;
    // Throws std::runtime_error naming the path and the OS error when the file cannot be mapped.
    explicit MappedFile(const std::string &path);
    ~MappedFile();
    MappedFile(MappedFile &&other) noexcept;
    MappedFile &operator=(MappedFile &&other) noexcept;
    MappedFile(const MappedFile &) = delete;
    MappedFile &operator=(const MappedFile &) = delete;

    const std::string &path() const { return m_path; }
    const uint8_t *data() const { return m_data; }
    size_t size() const { return m_size; }
    std::span<const uint8_t> bytes() const { return {m_data, m_size}; }

    // True when [offset, offset + length) lies inside the file (overflow-safe).
    bool contains(uint64_t offset, uint64_t length) const
    {
        return offset <= m_size && length <= m_size - offset;
    }

private:
    void release();

    std::string m_path;
    const uint8_t *m_data = nullptr;
    size_t m_size = 0;
};

} // namespace enclave
