// GGUF metadata values and the key table: type names, packed arrays, width-converting getters.
#include "engine/model/gguf_value.h"

#include <bit>
#include <limits>

namespace enclave {

static_assert(std::endian::native == std::endian::little, "GGUF arrays are stored little-endian, as in memory");

bool ggufTypeValid(uint32_t type) { return type <= static_cast<uint32_t>(GgufType::Float64); }

std::string_view ggufTypeName(GgufType type)
{
    switch (type) {
    case GgufType::Uint8: return "uint8";
    case GgufType::Int8: return "int8";
    case GgufType::Uint16: return "uint16";
    case GgufType::Int16: return "int16";
    case GgufType::Uint32: return "uint32";
    case GgufType::Int32: return "int32";
    case GgufType::Float32: return "float32";
    case GgufType::Bool: return "bool";
    case GgufType::String: return "string";
    case GgufType::Array: return "array";
    case GgufType::Uint64: return "uint64";
    case GgufType::Int64: return "int64";
    case GgufType::Float64: return "float64";
    }
    return "unknown";
}

size_t ggufTypeSize(GgufType type)
{
    switch (type) {
    case GgufType::Uint8:
    case GgufType::Int8:
    case GgufType::Bool: return 1;
    case GgufType::Uint16:
    case GgufType::Int16: return 2;
    case GgufType::Uint32:
    case GgufType::Int32:
    case GgufType::Float32: return 4;
    case GgufType::Uint64:
    case GgufType::Int64:
    case GgufType::Float64: return 8;
    case GgufType::String:
    case GgufType::Array: return 0;
    }
    return 0;
}

namespace {

// An unsigned or signed integer as int64, or nothing when it does not fit.
bool isIntegerType(GgufType t)
{
    return ggufTypeSize(t) > 0 && t != GgufType::Bool && t != GgufType::Float32 && t != GgufType::Float64;
}

template <class T> std::optional<int64_t> fitInt64(T v)
{
    if constexpr (std::is_unsigned_v<T>) {
        if (static_cast<uint64_t>(v) > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()))
            return std::nullopt;
    }
    return static_cast<int64_t>(v);
}

} // namespace

// ---- GgufArray ----

GgufArray GgufArray::fromRaw(GgufType elemType, std::span<const uint8_t> bytes)
{
    GgufArray a;
    a.m_elemType = elemType;
    a.m_raw.assign(bytes.begin(), bytes.end());
    return a;
}

GgufArray GgufArray::ofStrings(std::span<const std::string> values)
{
    GgufArray a;
    a.m_elemType = GgufType::String;
    size_t chars = 0;
    for (const std::string &s : values)
        chars += s.size();
    a.reserveStrings(values.size(), chars);
    for (const std::string &s : values)
        a.appendString(s);
    return a;
}

GgufArray GgufArray::ofStrings(std::span<const std::string_view> values)
{
    GgufArray a;
    a.m_elemType = GgufType::String;
    for (std::string_view s : values)
        a.appendString(s);
    return a;
}

GgufArray GgufArray::ofArrays(std::vector<GgufArray> values)
{
    GgufArray a;
    a.m_elemType = GgufType::Array;
    a.m_arrays = std::move(values);
    return a;
}

size_t GgufArray::size() const
{
    if (m_elemType == GgufType::String)
        return m_ends.size();
    if (m_elemType == GgufType::Array)
        return m_arrays.size();
    return m_raw.size() / ggufTypeSize(m_elemType);
}

std::optional<int64_t> GgufArray::intAt(size_t i) const
{
    if (i >= size())
        return std::nullopt;
    switch (m_elemType) {
    case GgufType::Uint8: return at<uint8_t>(i);
    case GgufType::Int8: return at<int8_t>(i);
    case GgufType::Uint16: return at<uint16_t>(i);
    case GgufType::Int16: return at<int16_t>(i);
    case GgufType::Uint32: return at<uint32_t>(i);
    case GgufType::Int32: return at<int32_t>(i);
    case GgufType::Uint64: return fitInt64(at<uint64_t>(i));
    case GgufType::Int64: return at<int64_t>(i);
    case GgufType::Bool: return at<bool>(i) ? 1 : 0;
    default: return std::nullopt;
    }
}

std::optional<double> GgufArray::floatAt(size_t i) const
{
    if (i >= size())
        return std::nullopt;
    if (m_elemType == GgufType::Float32)
        return at<float>(i);
    if (m_elemType == GgufType::Float64)
        return at<double>(i);
    if (m_elemType == GgufType::Uint64)
        return static_cast<double>(at<uint64_t>(i));
    const std::optional<int64_t> v = intAt(i);
    return v ? std::optional<double>(static_cast<double>(*v)) : std::nullopt;
}

std::string_view GgufArray::stringAt(size_t i) const
{
    if (m_elemType != GgufType::String || i >= m_ends.size())
        return {};
    const uint64_t begin = i == 0 ? 0 : m_ends[i - 1];
    return std::string_view(m_chars).substr(begin, m_ends[i] - begin);
}

void GgufArray::reserveStrings(size_t count, size_t chars)
{
    m_elemType = GgufType::String;
    m_ends.reserve(count);
    m_chars.reserve(chars);
}

void GgufArray::appendString(std::string_view s)
{
    m_elemType = GgufType::String;
    m_chars.append(s);
    m_ends.push_back(m_chars.size());
}

// ---- GgufValue ----

GgufType GgufValue::type() const
{
    static constexpr GgufType kTypes[] = {
        GgufType::Uint8,  GgufType::Int8,    GgufType::Uint16,  GgufType::Int16,  GgufType::Uint32,
        GgufType::Int32,  GgufType::Uint64,  GgufType::Int64,   GgufType::Float32, GgufType::Float64,
        GgufType::Bool,   GgufType::String,  GgufType::Array,
    };
    static_assert(std::size(kTypes) == std::variant_size_v<Storage>);
    return kTypes[m_value.index()];
}

std::optional<int64_t> GgufValue::toInt() const
{
    return std::visit(
        [](const auto &v) -> std::optional<int64_t> {
            using T = std::decay_t<decltype(v)>;
            if constexpr (std::is_integral_v<T> && !std::is_same_v<T, bool>)
                return fitInt64(v);
            else
                return std::nullopt;
        },
        m_value);
}

std::optional<double> GgufValue::toFloat() const
{
    return std::visit(
        [](const auto &v) -> std::optional<double> {
            using T = std::decay_t<decltype(v)>;
            if constexpr (std::is_arithmetic_v<T> && !std::is_same_v<T, bool>)
                return static_cast<double>(v);
            else
                return std::nullopt;
        },
        m_value);
}

std::optional<bool> GgufValue::toBool() const
{
    if (const bool *b = std::get_if<bool>(&m_value))
        return *b;
    return std::nullopt;
}

// ---- GgufMetadata ----

void GgufMetadata::set(std::string key, GgufValue value)
{
    auto it = m_index.find(key);
    if (it != m_index.end()) {
        m_entries[it->second].second = std::move(value);
        return;
    }
    m_index.emplace(key, m_entries.size());
    m_entries.emplace_back(std::move(key), std::move(value));
}

bool GgufMetadata::remove(std::string_view key)
{
    auto it = m_index.find(key);
    if (it == m_index.end())
        return false;
    m_entries.erase(m_entries.begin() + static_cast<std::ptrdiff_t>(it->second));
    m_index.clear();
    for (size_t i = 0; i < m_entries.size(); ++i)
        m_index.emplace(m_entries[i].first, i);
    return true;
}

const GgufValue *GgufMetadata::find(std::string_view key) const
{
    auto it = m_index.find(key);
    return it == m_index.end() ? nullptr : &m_entries[it->second].second;
}

std::optional<std::string> GgufMetadata::getString(std::string_view key) const
{
    const GgufValue *v = find(key);
    const std::string *s = v ? v->toString() : nullptr;
    return s ? std::optional<std::string>(*s) : std::nullopt;
}

std::optional<int64_t> GgufMetadata::getInt(std::string_view key) const
{
    const GgufValue *v = find(key);
    return v ? v->toInt() : std::nullopt;
}

std::optional<double> GgufMetadata::getFloat(std::string_view key) const
{
    const GgufValue *v = find(key);
    return v ? v->toFloat() : std::nullopt;
}

std::optional<bool> GgufMetadata::getBool(std::string_view key) const
{
    const GgufValue *v = find(key);
    return v ? v->toBool() : std::nullopt;
}

const GgufArray *GgufMetadata::getArray(std::string_view key) const
{
    const GgufValue *v = find(key);
    return v ? v->toArray() : nullptr;
}

std::optional<std::vector<std::string_view>> GgufMetadata::getStringArray(std::string_view key) const
{
    const GgufArray *a = getArray(key);
    if (!a || a->elemType() != GgufType::String)
        return std::nullopt;
    std::vector<std::string_view> out(a->size());
    for (size_t i = 0; i < out.size(); ++i)
        out[i] = a->stringAt(i);
    return out;
}

std::optional<std::vector<int64_t>> GgufMetadata::getIntArray(std::string_view key) const
{
    const GgufArray *a = getArray(key);
    if (!a || !isIntegerType(a->elemType()))
        return std::nullopt;
    std::vector<int64_t> out(a->size());
    for (size_t i = 0; i < out.size(); ++i) {
        const std::optional<int64_t> v = a->intAt(i);
        if (!v)
            return std::nullopt;
        out[i] = *v;
    }
    return out;
}

std::optional<std::vector<double>> GgufMetadata::getFloatArray(std::string_view key) const
{
    const GgufArray *a = getArray(key);
    if (!a || (!isIntegerType(a->elemType()) && a->elemType() != GgufType::Float32 &&
               a->elemType() != GgufType::Float64))
        return std::nullopt;
    std::vector<double> out(a->size());
    for (size_t i = 0; i < out.size(); ++i) {
        const std::optional<double> v = a->floatAt(i);
        if (!v)
            return std::nullopt;
        out[i] = *v;
    }
    return out;
}

} // namespace enclave
