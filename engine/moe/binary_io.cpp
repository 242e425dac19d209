// Little-endian field encoding, bounds-checked decoding and atomic file writes.
#include "engine/moe/binary_io.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <unistd.h>

namespace enclave::moe {

namespace {

template <typename T>
void putLittle(std::vector<uint8_t> &out, T v)
{
    for (size_t i = 0; i < sizeof(T); ++i)
        out.push_back(uint8_t(uint64_t(v) >> (8 * i)));
}

template <typename T>
T getLittle(std::string_view bytes)
{
    uint64_t v = 0;
    for (size_t i = 0; i < sizeof(T); ++i)
        v |= uint64_t(uint8_t(bytes[i])) << (8 * i);
    return T(v);
}

} // namespace

void ByteWriter::bytes(const void *data, size_t n)
{
    const auto *p = static_cast<const uint8_t *>(data);
    m_data.insert(m_data.end(), p, p + n);
}
void ByteWriter::u16(uint16_t v) { putLittle(m_data, v); }
void ByteWriter::u32(uint32_t v) { putLittle(m_data, v); }
void ByteWriter::u64(uint64_t v) { putLittle(m_data, v); }
void ByteWriter::f64(double v)
{
    uint64_t bits = 0;
    std::memcpy(&bits, &v, sizeof bits);
    putLittle(m_data, bits);
}

std::string_view ByteReader::bytes(size_t n, const char *field)
{
    if (n > remaining())
        fail("truncated at byte " + std::to_string(m_data.size()) + " reading " + field + " (needs " +
             std::to_string(n) + " bytes at offset " + std::to_string(m_at) + ")");
    const std::string_view out = m_data.substr(m_at, n);
    m_at += n;
    return out;
}
uint16_t ByteReader::u16(const char *field) { return getLittle<uint16_t>(bytes(2, field)); }
uint32_t ByteReader::u32(const char *field) { return getLittle<uint32_t>(bytes(4, field)); }
uint64_t ByteReader::u64(const char *field) { return getLittle<uint64_t>(bytes(8, field)); }
double ByteReader::f64(const char *field)
{
    const uint64_t bits = getLittle<uint64_t>(bytes(8, field));
    double v = 0;
    std::memcpy(&v, &bits, sizeof v);
    return v;
}

void ByteReader::fail(const std::string &why) const { throw std::runtime_error(m_what + ": " + why); }

void writeFileAtomically(const std::string &path, const std::vector<uint8_t> &data)
{
    const std::string tmp = path + ".tmp" + std::to_string(::getpid());
    const auto fail = [&](const std::string &what, int err) {
        ::unlink(tmp.c_str());
        throw std::runtime_error(what + ": " + std::strerror(err));
    };
    const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0)
        throw std::runtime_error("cannot write " + path + ": " + std::strerror(errno));
    size_t done = 0;
    while (done < data.size()) {
        const ssize_t w = ::write(fd, data.data() + done, data.size() - done);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            const int err = w < 0 ? errno : ENOSPC;
            ::close(fd);
            fail("cannot write " + tmp, err);
        }
        done += size_t(w);
    }
    if (::fsync(fd) != 0) {
        const int err = errno;
        ::close(fd);
        fail("cannot sync " + tmp, err);
    }
    if (::close(fd) != 0)
        fail("cannot close " + tmp, errno);
    if (std::rename(tmp.c_str(), path.c_str()) != 0)
        fail("cannot rename " + tmp + " to " + path, errno);
}

std::string readWholeFile(const std::string &path)
{
    std::ifstream in(path, std::ios::binary);
    if (!in)
        throw std::runtime_error("cannot read " + path + ": " + std::strerror(errno));
    std::ostringstream out;
    out << in.rdbuf();
    if (in.bad())
        throw std::runtime_error("cannot read " + path);
    return out.str();
}

} // namespace enclave::moe
