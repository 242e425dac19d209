// GGUF metadata values: the typed value of one key (GgufValue), arrays of any element type
// (GgufArray, nested arrays included) and the ordered key table with typed getters (GgufMetadata).
// note: arrays keep their elements packed (raw little-endian bytes, or one character blob plus
// end offsets for strings), so a 150k-entry token list costs ~8 bytes per token plus its text.
#pragma once

#include <cstdint>
#include <cstring>
#include <initializer_list>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

namespace enclave {

// The value type ids of the GGUF format.
enum class GgufType : uint32_t {
    Uint8 = 0,
    Int8 = 1,
    Uint16 = 2,
    Int16 = 3,
    Uint32 = 4,
    Int32 = 5,
    Float32 = 6,
    Bool = 7,
    String = 8,
    Array = 9,
    Uint64 = 10,
    Int64 = 11,
    Float64 = 12,
};

// True for a value type id the format defines (0..12).
bool ggufTypeValid(uint32_t type);
// "uint8", "string", "array"...; "unknown" for an invalid id.
std::string_view ggufTypeName(GgufType type);
// Bytes of one element of a fixed-size type; 0 for String and Array.
size_t ggufTypeSize(GgufType type);

// The C++ scalars that have a GGUF type (exactly these types: int64_t, not long long).
template <class T>
concept GgufScalar = std::is_same_v<T, uint8_t> || std::is_same_v<T, int8_t> || std::is_same_v<T, uint16_t> ||
                     std::is_same_v<T, int16_t> || std::is_same_v<T, uint32_t> || std::is_same_v<T, int32_t> ||
                     std::is_same_v<T, uint64_t> || std::is_same_v<T, int64_t> || std::is_same_v<T, float> ||
                     std::is_same_v<T, double> || std::is_same_v<T, bool>;

// The GgufType of a C++ scalar: ggufTypeOf<uint16_t>() == GgufType::Uint16.
template <GgufScalar T> constexpr GgufType ggufTypeOf();

class GgufArray {
public:
    GgufArray() = default;
    // Packed elements of a fixed-size type from raw little-endian bytes (bytes.size() == count * size).
    static GgufArray fromRaw(GgufType elemType, std::span<const uint8_t> bytes);
    template <GgufScalar T> static GgufArray of(std::span<const T> values);
    template <GgufScalar T> static GgufArray of(std::initializer_list<T> values)
    {
        return of(std::span<const T>(values.begin(), values.size()));
    }
    static GgufArray ofStrings(std::span<const std::string> values);
    static GgufArray ofStrings(std::span<const std::string_view> values);
    // An array of arrays; each inner array has its own element type.
    static GgufArray ofArrays(std::vector<GgufArray> values);

    GgufType elemType() const { return m_elemType; }
    size_t size() const;

    // Element i of a fixed-size array as T; T{} when T is not elemType() or i is out of range.
    template <GgufScalar T> T at(size_t i) const;
    // Element i of any integer array (bool included) as int64, or nothing when out of range.
    std::optional<int64_t> intAt(size_t i) const;
    // Element i of any numeric array as double.
    std::optional<double> floatAt(size_t i) const;
    // Element i of a string array; "" when this is not one or i is out of range.
    std::string_view stringAt(size_t i) const;
    // Element i of an array of arrays; requires elemType() == Array and i < size().
    const GgufArray &arrayAt(size_t i) const { return m_arrays[i]; }
    // The packed little-endian elements of a fixed-size array.
    std::span<const uint8_t> raw() const { return m_raw; }

    // Appenders used by the reader: strings go into one blob.
    void reserveStrings(size_t count, size_t chars);
    void appendString(std::string_view s);

    bool operator==(const GgufArray &other) const = default;

private:
    GgufType m_elemType = GgufType::Uint8;
    std::vector<uint8_t> m_raw;      // fixed-size elements, packed
    std::string m_chars;             // string elements, concatenated
    std::vector<uint64_t> m_ends;    // string i = m_chars[m_ends[i-1] .. m_ends[i])
    std::vector<GgufArray> m_arrays; // nested arrays
};

class GgufValue {
public:
    using Storage = std::variant<uint8_t, int8_t, uint16_t, int16_t, uint32_t, int32_t, uint64_t, int64_t,
                                 float, double, bool, std::string, GgufArray>;

    GgufValue() = default;
    // Implicit on purpose: the exact C++ type picks the GGUF type (uint16_t -> Uint16).
    template <GgufScalar T> GgufValue(T v) : m_value(v) {}
    GgufValue(std::string s) : m_value(std::move(s)) {}
    GgufValue(std::string_view s) : m_value(std::string(s)) {}
    GgufValue(const char *s) : m_value(std::string(s)) {}
    GgufValue(GgufArray a) : m_value(std::move(a)) {}

    GgufType type() const;
    const Storage &storage() const { return m_value; }

    // Any integer type (not bool) whose value fits int64.
    std::optional<int64_t> toInt() const;
    // float32/float64, or any integer type converted.
    std::optional<double> toFloat() const;
    std::optional<bool> toBool() const;
    const std::string *toString() const { return std::get_if<std::string>(&m_value); }
    const GgufArray *toArray() const { return std::get_if<GgufArray>(&m_value); }

    bool operator==(const GgufValue &other) const = default;

private:
    Storage m_value = uint8_t(0);
};

// The ordered key table of a GGUF file. Keys are unique.
class GgufMetadata {
public:
    // Adds or replaces a key (a replaced key keeps its position).
    void set(std::string key, GgufValue value);
    bool remove(std::string_view key);
    const GgufValue *find(std::string_view key) const;
    bool contains(std::string_view key) const { return find(key) != nullptr; }
    size_t size() const { return m_entries.size(); }
    // Keys and values in file order.
    const std::vector<std::pair<std::string, GgufValue>> &entries() const { return m_entries; }

    // Typed getters: nothing when the key is absent or holds another type / an out-of-range value.
    std::optional<std::string> getString(std::string_view key) const;
    std::optional<int64_t> getInt(std::string_view key) const;
    std::optional<double> getFloat(std::string_view key) const;
    std::optional<bool> getBool(std::string_view key) const;
    const GgufArray *getArray(std::string_view key) const;
    // String views point into this table; valid while it lives and is not modified.
    std::optional<std::vector<std::string_view>> getStringArray(std::string_view key) const;
    std::optional<std::vector<int64_t>> getIntArray(std::string_view key) const;
    std::optional<std::vector<double>> getFloatArray(std::string_view key) const;

private:
    std::vector<std::pair<std::string, GgufValue>> m_entries;
    std::map<std::string, size_t, std::less<>> m_index;
};

// ---- templates ----

template <GgufScalar T> constexpr GgufType ggufTypeOf()
{
    if constexpr (std::is_same_v<T, uint8_t>) return GgufType::Uint8;
    else if constexpr (std::is_same_v<T, int8_t>) return GgufType::Int8;
    else if constexpr (std::is_same_v<T, uint16_t>) return GgufType::Uint16;
    else if constexpr (std::is_same_v<T, int16_t>) return GgufType::Int16;
    else if constexpr (std::is_same_v<T, uint32_t>) return GgufType::Uint32;
    else if constexpr (std::is_same_v<T, int32_t>) return GgufType::Int32;
    else if constexpr (std::is_same_v<T, uint64_t>) return GgufType::Uint64;
    else if constexpr (std::is_same_v<T, int64_t>) return GgufType::Int64;
    else if constexpr (std::is_same_v<T, float>) return GgufType::Float32;
    else if constexpr (std::is_same_v<T, double>) return GgufType::Float64;
    else if constexpr (std::is_same_v<T, bool>) return GgufType::Bool;
    else return GgufType::Bool;
}

template <GgufScalar T> GgufArray GgufArray::of(std::span<const T> values)
{
    GgufArray a;
    a.m_elemType = ggufTypeOf<T>();
    a.m_raw.resize(values.size() * sizeof(T));
    for (size_t i = 0; i < values.size(); ++i)
        std::memcpy(a.m_raw.data() + i * sizeof(T), &values[i], sizeof(T));
    return a;
}

template <GgufScalar T> T GgufArray::at(size_t i) const
{
    T v{};
    if (m_elemType == ggufTypeOf<T>() && i < m_raw.size() / sizeof(T))
        std::memcpy(&v, m_raw.data() + i * sizeof(T), sizeof(T));
    return v;
}

} // namespace enclave
