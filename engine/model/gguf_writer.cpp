// GgufWriter: GGUF v3 serialization through a buffered POSIX file written as "<path>.tmp", then renamed.
#include "engine/model/gguf_writer.h"

#include <algorithm>
#include <bit>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <limits>
#include <unistd.h>

namespace enclave {

namespace {

constexpr uint32_t kGgufWriteVersion = 3;
constexpr size_t kBufferBytes = size_t(1) << 20;
constexpr std::string_view kAlignmentKey = "general.alignment";

// Buffered output to "<path>.tmp"; removes it unless commit() succeeded.
class FileSink {
public:
    explicit FileSink(std::string path) : m_path(std::move(path)), m_tmpPath(m_path + ".tmp")
    {
        m_fd = ::open(m_tmpPath.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (m_fd < 0)
            fail("cannot create " + m_tmpPath, errno);
        m_buffer.reserve(kBufferBytes);
    }
    ~FileSink()
    {
        if (m_fd >= 0)
            ::close(m_fd);
        if (!m_committed)
            ::unlink(m_tmpPath.c_str());
    }
    FileSink(const FileSink &) = delete;
    FileSink &operator=(const FileSink &) = delete;

    uint64_t written() const { return m_written + m_buffer.size(); }

    void put(const void *data, size_t n)
    {
        const auto *p = static_cast<const uint8_t *>(data);
        if (m_buffer.size() + n > kBufferBytes)
            flush();
        if (n >= kBufferBytes)
            writeAll(p, n);
        else
            m_buffer.insert(m_buffer.end(), p, p + n);
    }
    template <class T> void putScalar(T v) { put(&v, sizeof v); }
    void putString(std::string_view s)
    {
        putScalar<uint64_t>(s.size());
        put(s.data(), s.size());
    }
    void padTo(uint64_t alignment)
    {
        static constexpr uint8_t kZeros[64] = {};
        uint64_t n = (alignment - written() % alignment) % alignment;
        for (; n > 0; n -= std::min<uint64_t>(n, sizeof kZeros))
            put(kZeros, std::min<uint64_t>(n, sizeof kZeros));
    }

    void commit()
    {
        flush();
        if (::fsync(m_fd) != 0)
            fail("cannot sync " + m_tmpPath, errno);
        const int fd = m_fd;
        m_fd = -1;
        if (::close(fd) != 0)
            fail("cannot close " + m_tmpPath, errno);
        if (std::rename(m_tmpPath.c_str(), m_path.c_str()) != 0)
            fail("cannot rename " + m_tmpPath + " to the final name", errno);
        m_committed = true;
    }

private:
    void flush()
    {
        writeAll(m_buffer.data(), m_buffer.size());
        m_buffer.clear();
    }
    void writeAll(const uint8_t *p, size_t n)
    {
        while (n > 0) {
            const ssize_t w = ::write(m_fd, p, n);
            if (w < 0 && errno == EINTR)
                continue;
            if (w <= 0)
                fail("cannot write " + m_tmpPath + " after " + std::to_string(m_written) + " bytes",
                     w < 0 ? errno : ENOSPC);
            p += w;
            n -= static_cast<size_t>(w);
            m_written += static_cast<uint64_t>(w);
        }
    }
    [[noreturn]] void fail(const std::string &what, int err) const
    {
        const std::string reason = err == ENOSPC ? "disk full (no space left on device)" : std::strerror(err);
        throw GgufError(m_path + ": " + what + ": " + reason);
    }

    std::string m_path;
    std::string m_tmpPath;
    int m_fd = -1;
    std::vector<uint8_t> m_buffer;
    uint64_t m_written = 0;
    bool m_committed = false;
};

void putArrayPayload(FileSink &out, const GgufArray &a)
{
    out.putScalar(static_cast<uint32_t>(a.elemType()));
    out.putScalar<uint64_t>(a.size());
    if (a.elemType() == GgufType::String) {
        for (size_t i = 0; i < a.size(); ++i)
            out.putString(a.stringAt(i));
    } else if (a.elemType() == GgufType::Array) {
        for (size_t i = 0; i < a.size(); ++i)
            putArrayPayload(out, a.arrayAt(i));
    } else {
        out.put(a.raw().data(), a.raw().size());
    }
}

void putValue(FileSink &out, const GgufValue &value)
{
    out.putScalar(static_cast<uint32_t>(value.type()));
    std::visit(
        [&out](const auto &v) {
            using T = std::decay_t<decltype(v)>;
            if constexpr (std::is_same_v<T, std::string>)
                out.putString(v);
            else if constexpr (std::is_same_v<T, GgufArray>)
                putArrayPayload(out, v);
            else if constexpr (std::is_same_v<T, bool>)
                out.putScalar<uint8_t>(v ? 1 : 0);
            else
                out.putScalar(v);
        },
        value.storage());
}

uint64_t alignUp(uint64_t v, uint64_t alignment) { return (v + alignment - 1) / alignment * alignment; }

} // namespace

GgufWriter::GgufWriter(uint32_t alignment) : m_alignment(alignment)
{
    if (!std::has_single_bit(alignment))
        throw GgufError("GgufWriter: alignment " + std::to_string(alignment) + " is not a power of two");
}

void GgufWriter::set(std::string key, GgufValue value)
{
    if (key == kAlignmentKey)
        throw GgufError("GgufWriter: key 'general.alignment' is set through the constructor");
    m_metadata.set(std::move(key), std::move(value));
}

void GgufWriter::setAll(const GgufMetadata &metadata)
{
    for (const auto &[key, value] : metadata.entries())
        if (key != kAlignmentKey)
            m_metadata.set(key, value);
}

uint64_t GgufWriter::checkTensor(const std::string &name, QuantType type, const std::vector<int64_t> &shape) const
{
    const std::string what = "GgufWriter: tensor '" + name + "': ";
    if (name.empty())
        throw GgufError("GgufWriter: empty tensor name");
    for (const Tensor &t : m_tensors)
        if (t.name == name)
            throw GgufError(what + "duplicate name");
    const std::optional<QuantType> gguf = quantTypeFromGguf(static_cast<uint32_t>(type));
    if (!gguf || *gguf != type)
        throw GgufError(what + "type " + std::string(quantTypeName(type)) + " has no GGUF type id");
    if (shape.empty() || shape.size() > static_cast<size_t>(kGgufMaxDims))
        throw GgufError(what + std::to_string(shape.size()) + " dimensions (expected 1.." +
                        std::to_string(kGgufMaxDims) + ")");
    uint64_t rows = 1;
    for (size_t d = 0; d < shape.size(); ++d) {
        if (shape[d] <= 0)
            throw GgufError(what + "dimension " + std::to_string(d) + " is " + std::to_string(shape[d]));
        if (d + 1 < shape.size() && __builtin_mul_overflow(rows, static_cast<uint64_t>(shape[d]), &rows))
            throw GgufError(what + "element count overflows");
    }
    const int64_t rowLength = shape.back();
    if (rowLength % quantBlockElems(type) != 0)
        throw GgufError(what + "row length " + std::to_string(rowLength) + " is not a multiple of the " +
                        std::string(quantTypeName(type)) + " block size " + std::to_string(quantBlockElems(type)));
    uint64_t bytes = 0;
    if (__builtin_mul_overflow(static_cast<uint64_t>(quantRowBytes(type, rowLength)), rows, &bytes))
        throw GgufError(what + "byte size overflows");
    return bytes;
}

void GgufWriter::addTensor(std::string name, QuantType type, std::vector<int64_t> shape,
                           std::span<const uint8_t> data)
{
    const uint64_t bytes = checkTensor(name, type, shape);
    if (data.size() != bytes)
        throw GgufError("GgufWriter: tensor '" + name + "': data is " + std::to_string(data.size()) +
                        " bytes, expected " + std::to_string(bytes) + " for " + std::string(quantTypeName(type)));
    m_tensors.push_back(Tensor{std::move(name), type, std::move(shape), bytes, data, {}, {}});
}

void GgufWriter::addTensor(std::string name, QuantType type, std::vector<int64_t> shape, std::vector<uint8_t> &&data)
{
    addTensor(std::move(name), type, std::move(shape), std::span<const uint8_t>(data));
    m_tensors.back().owned = std::move(data); // the heap buffer moves with it, so the span stays valid
}

void GgufWriter::addTensor(std::string name, QuantType type, std::vector<int64_t> shape, TensorFill fill)
{
    const uint64_t bytes = checkTensor(name, type, shape);
    m_tensors.push_back(Tensor{std::move(name), type, std::move(shape), bytes, {}, {}, std::move(fill)});
}

void GgufWriter::write(const std::string &path) const
{
    FileSink out(path);
    const bool writeAlignment = m_alignment != kGgufDefaultAlignment;
    out.putScalar(kGgufMagic);
    out.putScalar(kGgufWriteVersion);
    out.putScalar<uint64_t>(m_tensors.size());
    out.putScalar<uint64_t>(m_metadata.size() + (writeAlignment ? 1 : 0));
    if (writeAlignment) {
        out.putString(kAlignmentKey);
        putValue(out, GgufValue(m_alignment));
    }
    for (const auto &[key, value] : m_metadata.entries()) {
        out.putString(key);
        putValue(out, value);
    }
    uint64_t offset = 0;
    for (const Tensor &t : m_tensors) {
        out.putString(t.name);
        out.putScalar<uint32_t>(static_cast<uint32_t>(t.shape.size()));
        for (auto d = t.shape.rbegin(); d != t.shape.rend(); ++d)
            out.putScalar<uint64_t>(static_cast<uint64_t>(*d));
        out.putScalar(static_cast<uint32_t>(t.type));
        out.putScalar(offset);
        offset = alignUp(offset + t.bytes, m_alignment);
    }
    out.padTo(m_alignment);
    std::vector<uint8_t> scratch;
    for (const Tensor &t : m_tensors) {
        if (t.fill) {
            scratch.assign(t.bytes, 0);
            t.fill(scratch);
            out.put(scratch.data(), scratch.size());
        } else {
            out.put(t.data.data(), t.data.size());
        }
        out.padTo(m_alignment);
    }
    out.commit();
}

} // namespace enclave
