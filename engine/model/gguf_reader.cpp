// GgufReader: bounds-checked decoding of GGUF strings and metadata values (arrays nest at most
// kMaxArrayDepth deep, so a crafted file cannot exhaust the stack).
#include "engine/model/gguf_reader.h"

#include <algorithm>
#include <cstdint>

namespace enclave {

namespace {

constexpr int kMaxArrayDepth = 8;
// Smallest encoding of one array element of a variable-size type: a string is at least its
// uint64 length; a nested array at least its uint32 type and uint64 count.
constexpr uint64_t kMinStringBytes = 8;
constexpr uint64_t kMinArrayBytes = 12;
// Containers sized from a count in the file reserve at most this much before the elements are read.
constexpr uint64_t kMaxReserve = 1024;

} // namespace

uint64_t saturatingEnd(uint64_t pos, uint64_t count, uint64_t bytesEach)
{
    uint64_t bytes = 0;
    uint64_t end = 0;
    if (__builtin_mul_overflow(count, bytesEach, &bytes) || __builtin_add_overflow(pos, bytes, &end))
        return UINT64_MAX;
    return end;
}

void GgufReader::fail(const std::string &what, const std::string &userMessage) const
{
    std::string detail = m_file.path() + ": ";
    if (!m_context.empty())
        detail += m_context + ": ";
    throw GgufError(userMessage.empty() ? damagedFileMessage("GGUF") : userMessage, detail + what);
}

void GgufReader::failShort(uint64_t neededEnd, const std::string &what) const
{
    fail(what, shortHeaderMessage("GGUF", m_file.size(), neededEnd));
}

void GgufReader::need(uint64_t bytes, const char *what) const
{
    if (bytes > remaining())
        failShort(m_pos + bytes, std::string("truncated file: ") + what + " needs " + std::to_string(bytes) +
                                     " bytes at offset " + std::to_string(m_pos) + ", but only " +
                                     std::to_string(remaining()) + " remain (file size " +
                                     std::to_string(m_file.size()) + ")");
}

std::string_view GgufReader::readString(const char *what)
{
    const uint64_t len = read<uint64_t>(what);
    if (len > remaining())
        failShort(saturatingEnd(m_pos, len, 1),
                  std::string(what) + ": string length " + std::to_string(len) + " exceeds the " +
                      std::to_string(remaining()) + " bytes left in the file at offset " + std::to_string(m_pos));
    std::string_view s(reinterpret_cast<const char *>(m_file.data() + m_pos), len);
    m_pos += len;
    return s;
}

GgufValue GgufReader::readValue(uint32_t type, int depth)
{
    if (!ggufTypeValid(type))
        fail("unknown value type " + std::to_string(type) + " (expected 0.." +
             std::to_string(static_cast<uint32_t>(GgufType::Float64)) + ")");
    switch (static_cast<GgufType>(type)) {
    case GgufType::Uint8: return read<uint8_t>("uint8 value");
    case GgufType::Int8: return read<int8_t>("int8 value");
    case GgufType::Uint16: return read<uint16_t>("uint16 value");
    case GgufType::Int16: return read<int16_t>("int16 value");
    case GgufType::Uint32: return read<uint32_t>("uint32 value");
    case GgufType::Int32: return read<int32_t>("int32 value");
    case GgufType::Uint64: return read<uint64_t>("uint64 value");
    case GgufType::Int64: return read<int64_t>("int64 value");
    case GgufType::Float32: return read<float>("float32 value");
    case GgufType::Float64: return read<double>("float64 value");
    case GgufType::Bool: return read<uint8_t>("bool value") != 0;
    case GgufType::String: return readString("string value");
    case GgufType::Array: return readArray(depth + 1);
    }
    fail("unknown value type " + std::to_string(type));
}

GgufArray GgufReader::readArray(int depth)
{
    if (depth > kMaxArrayDepth)
        fail("arrays nested deeper than " + std::to_string(kMaxArrayDepth) + " levels");
    const uint32_t elemType = read<uint32_t>("array element type");
    if (!ggufTypeValid(elemType))
        fail("unknown array element type " + std::to_string(elemType) + " (expected 0.." +
             std::to_string(static_cast<uint32_t>(GgufType::Float64)) + ")");
    const uint64_t count = read<uint64_t>("array length");
    const GgufType type = static_cast<GgufType>(elemType);
    const uint64_t elemBytes = ggufTypeSize(type) ? ggufTypeSize(type)
                               : type == GgufType::String ? kMinStringBytes
                                                          : kMinArrayBytes;
    if (count > remaining() / elemBytes)
        failShort(saturatingEnd(m_pos, count, elemBytes),
                  "array of " + std::to_string(count) + " " + std::string(ggufTypeName(type)) +
                      " elements needs at least " + std::to_string(elemBytes) + " bytes each, but only " +
                      std::to_string(remaining()) + " bytes remain at offset " + std::to_string(m_pos));
    if (type == GgufType::String)
        return readStringArray(count);
    if (type == GgufType::Array) {
        std::vector<GgufArray> items;
        items.reserve(std::min<uint64_t>(count, kMaxReserve)); // the count is not trusted yet
        for (uint64_t i = 0; i < count; ++i)
            items.push_back(readArray(depth + 1));
        return GgufArray::ofArrays(std::move(items));
    }
    const uint64_t bytes = count * elemBytes;
    GgufArray a = GgufArray::fromRaw(type, {m_file.data() + m_pos, bytes});
    m_pos += bytes;
    return a;
}

GgufArray GgufReader::readStringArray(uint64_t count)
{
    // First pass: validate every length and total the characters, so the blob is allocated once.
    const uint64_t start = m_pos;
    uint64_t chars = 0;
    for (uint64_t i = 0; i < count; ++i)
        chars += readString("array string").size();
    m_pos = start;
    GgufArray a;
    a.reserveStrings(count, chars);
    for (uint64_t i = 0; i < count; ++i)
        a.appendString(readString("array string"));
    return a;
}

} // namespace enclave
