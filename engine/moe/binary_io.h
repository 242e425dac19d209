// Little-endian binary helpers for the small files of moe/ (routing traces, usage profiles):
// a byte writer, a bounds-checked reader that names what was truncated, and an atomic
// file write (temp file, fsync, rename) so a crash never leaves half a file under the name.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace enclave::moe {

class ByteWriter {
public:
    void bytes(const void *data, size_t n);
    void u16(uint16_t v);
    void u32(uint32_t v);
    void u64(uint64_t v);
    void f64(double v);
    const std::vector<uint8_t> &data() const { return m_data; }

private:
    std::vector<uint8_t> m_data;
};

// Reads fields in order; a read past the end throws std::runtime_error
// "<what>: truncated at byte N reading <field>".
class ByteReader {
public:
    ByteReader(std::string_view data, std::string what) : m_data(data), m_what(std::move(what)) {}
    std::string_view bytes(size_t n, const char *field);
    uint16_t u16(const char *field);
    uint32_t u32(const char *field);
    uint64_t u64(const char *field);
    double f64(const char *field);
    size_t offset() const { return m_at; }
    size_t remaining() const { return m_data.size() - m_at; }
    [[noreturn]] void fail(const std::string &why) const;

private:
    std::string_view m_data;
    std::string m_what;
    size_t m_at = 0;
};

// Writes path atomically: a temporary file beside it, fsync, rename. Throws std::runtime_error
// naming the path and the system error; the previous file (if any) is kept on failure.
void writeFileAtomically(const std::string &path, const std::vector<uint8_t> &data);
// Throws std::runtime_error when the file cannot be read.
std::string readWholeFile(const std::string &path);

} // namespace enclave::moe
