// SafetensorsFile: header length, JSON header and per-tensor validation (layout in safetensors.h).
// A file cut short, in the header or in the data, is told apart from a damaged one in the first
// line of the error.
#include "engine/model/safetensors.h"
#include "engine/model/json_limits.h"
#include "engine/model/printable.h"

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>
#include <limits>
#include <tuple>
#include <utility>

namespace enclave {

namespace {

using nlohmann::json;

constexpr size_t kMaxDims = 8;

struct DtypeInfo {
    std::string_view name;
    int64_t size;
};

// Every dtype of the safetensors format (the F4/F6 sub-byte formats have no whole-byte size and are left out).
constexpr std::array<DtypeInfo, 17> kDtypes = {{
    {"BOOL", 1}, {"U8", 1}, {"I8", 1}, {"F8_E5M2", 1}, {"F8_E4M3", 1}, {"F8_E8M0", 1},
    {"I16", 2},  {"U16", 2}, {"F16", 2}, {"BF16", 2},
    {"I32", 4},  {"U32", 4}, {"F32", 4},
    {"I64", 8},  {"U64", 8}, {"F64", 8}, {"C64", 8},
}};

std::string inQuotes(std::string_view s) { return quotedName(s); }

} // namespace

std::optional<QuantType> quantTypeFromSafetensors(std::string_view dtype)
{
    if (dtype == "F32")
        return QuantType::F32;
    if (dtype == "F16")
        return QuantType::F16;
    if (dtype == "BF16")
        return QuantType::BF16;
    if (dtype == "F8_E4M3")
        return QuantType::F8_E4M3;
    return std::nullopt;
}

int64_t safetensorsDtypeSize(std::string_view dtype)
{
    for (const DtypeInfo &d : kDtypes)
        if (d.name == dtype)
            return d.size;
    return 0;
}

SafetensorsFile::SafetensorsFile(const std::string &path) : m_file(path)
{
    const uint64_t headerBytes = readHeaderLength();
    m_dataOffset = 8 + headerBytes;
    const json header = parseHeader(headerBytes);
    readEntries(header);
}

void SafetensorsFile::fail(const std::string &what, const std::string &userMessage) const
{
    throw SafetensorsError(userMessage.empty() ? damagedFileMessage("safetensors") : userMessage,
                           path() + ": " + what);
}

// note: the length is checked against the format's limit first: any other file (text, a GGUF)
// read as a length gives a huge number, while a cut download gives a plausible one.
uint64_t SafetensorsFile::readHeaderLength() const
{
    if (m_file.size() < 8)
        fail("file is " + std::to_string(m_file.size()) + " bytes, too small for a safetensors header (at least 8)",
             shortHeaderMessage("safetensors", m_file.size(), 8));
    uint64_t n = 0;
    std::memcpy(&n, m_file.data(), sizeof n);
    if (n > kSafetensorsMaxHeaderBytes)
        fail("header length " + std::to_string(n) + " exceeds the limit of " +
                 std::to_string(kSafetensorsMaxHeaderBytes) + " bytes",
             notModelFileMessage("safetensors"));
    if (n > m_file.size() - 8)
        fail("header length " + std::to_string(n) + " exceeds the " + std::to_string(m_file.size() - 8) +
                 " bytes after the length field",
             shortHeaderMessage("safetensors", m_file.size(), 8 + n));
    if (n < 2)
        fail("header length " + std::to_string(n) + " is too small for a JSON object");
    return n;
}

json SafetensorsFile::parseHeader(uint64_t headerBytes) const
{
    const char *begin = reinterpret_cast<const char *>(m_file.data() + 8);
    json header;
    try {
        header = parseBoundedJson({begin, headerBytes});
    } catch (const std::runtime_error &e) {
        fail("header: " + std::string(e.what()));
    }
    if (!header.is_object())
        fail(std::string("header is a JSON ") + header.type_name() + ", expected an object");
    return header;
}

namespace {

// One validated header entry.
struct Entry {
    std::string name;
    std::string dtype;
    std::vector<int64_t> shape;
    uint64_t begin = 0;
    uint64_t end = 0;
};

[[noreturn]] void failTensor(const std::string &path, const std::string &name, const std::string &what,
                             const std::string &userMessage = {})
{
    throw SafetensorsError(userMessage.empty() ? damagedFileMessage("safetensors") : userMessage,
                           path + ": tensor " + inQuotes(name) + ": " + what);
}

std::string outsideDetail(const Entry &e, uint64_t dataBytes)
{
    return "data_offsets [" + std::to_string(e.begin) + ", " + std::to_string(e.end) +
           ") are outside the data area [0, " + std::to_string(dataBytes) + ")";
}

// Every tensor's data inside the data area. A file that ends early is reported with the size the
// header implies: 8 + header length + the end of the data that ends last.
void checkDataInsideFile(const std::vector<Entry> &entries, uint64_t dataOffset, uint64_t fileSize,
                         const std::string &path)
{
    const uint64_t dataBytes = fileSize - dataOffset;
    uint64_t lastEnd = 0;
    const Entry *firstPastEnd = nullptr;
    for (const Entry &e : entries) {
        lastEnd = std::max(lastEnd, e.end);
        if (e.end > dataBytes && !firstPastEnd)
            firstPastEnd = &e;
    }
    if (!firstPastEnd)
        return;
    uint64_t expectedSize = 0;
    if (__builtin_add_overflow(dataOffset, lastEnd, &expectedSize))
        expectedSize = UINT64_MAX;
    failTensor(path, firstPastEnd->name,
               outsideDetail(*firstPastEnd, dataBytes) + "; the tensor data needs a file of " +
                   std::to_string(expectedSize) + " bytes",
               shortFileMessage("safetensors", fileSize, expectedSize));
}

// A JSON array of non-negative integers; `field` names it for messages.
std::vector<uint64_t> unsignedArray(const json &entry, const char *field, const std::string &path,
                                    const std::string &name)
{
    const auto it = entry.find(field);
    if (it == entry.end())
        failTensor(path, name, std::string("missing \"") + field + "\"");
    if (!it->is_array())
        failTensor(path, name, std::string("\"") + field + "\" is a JSON " + it->type_name() +
                                   ", expected an array of non-negative integers");
    std::vector<uint64_t> out;
    out.reserve(it->size());
    for (const json &e : *it) {
        if (!e.is_number_unsigned())
            failTensor(path, name, std::string("\"") + field + "\" contains " + printable(e.dump()) +
                                       ", expected non-negative integers");
        out.push_back(e.get<uint64_t>());
    }
    return out;
}

// The element count of a shape, checked for overflow.
uint64_t elementCount(const std::vector<uint64_t> &dims, const std::string &path, const std::string &name)
{
    if (dims.size() > kMaxDims)
        failTensor(path, name, std::to_string(dims.size()) + " dimensions (at most " + std::to_string(kMaxDims) + ")");
    uint64_t elements = 1;
    for (uint64_t d : dims)
        if (__builtin_mul_overflow(elements, d, &elements) ||
            elements > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()))
            failTensor(path, name, "element count overflows 64 bits");
    return elements;
}

Entry parseEntry(const std::string &name, const json &entry, uint64_t dataBytes, const std::string &path)
{
    if (!entry.is_object())
        failTensor(path, name, std::string("entry is a JSON ") + entry.type_name() + ", expected an object");
    const auto dtype = entry.find("dtype");
    if (dtype == entry.end() || !dtype->is_string())
        failTensor(path, name, "missing or non-string \"dtype\"");
    Entry e{name, dtype->get<std::string>(), {}, 0, 0};
    const std::vector<uint64_t> dims = unsignedArray(entry, "shape", path, name);
    const std::vector<uint64_t> offsets = unsignedArray(entry, "data_offsets", path, name);
    if (offsets.size() != 2)
        failTensor(path, name, "\"data_offsets\" has " + std::to_string(offsets.size()) +
                                   " values, expected 2 [begin, end]");
    e.begin = offsets[0];
    e.end = offsets[1];
    if (e.begin > e.end) // an end past the data area is checked for all tensors at once
        failTensor(path, name, outsideDetail(e, dataBytes));
    const uint64_t elements = elementCount(dims, path, name);
    e.shape.assign(dims.begin(), dims.end());
    const uint64_t elemSize = static_cast<uint64_t>(safetensorsDtypeSize(e.dtype));
    uint64_t bytes = 0;
    const bool overflow = __builtin_mul_overflow(elements, elemSize, &bytes);
    if (elemSize > 0 && (overflow || bytes != e.end - e.begin))
        failTensor(path, name, "data_offsets span " + std::to_string(e.end - e.begin) + " bytes, expected " +
                                   std::to_string(elements) + " elements x " + std::to_string(elemSize) +
                                   " bytes (" + e.dtype + ") = " + (overflow ? "overflow" : std::to_string(bytes)));
    return e;
}

} // namespace

void SafetensorsFile::readEntries(const json &header)
{
    const uint64_t dataBytes = m_file.size() - m_dataOffset;
    std::vector<Entry> entries;
    entries.reserve(header.size());
    for (const auto &[name, value] : header.items()) {
        if (name != "__metadata__") {
            entries.push_back(parseEntry(name, value, dataBytes, path()));
        } else if (value.is_object()) {
            m_metadata = value;
        } else {
            fail("\"__metadata__\" is a JSON " + std::string(value.type_name()) + ", expected an object");
        }
    }
    checkDataInsideFile(entries, m_dataOffset, m_file.size(), path());
    std::sort(entries.begin(), entries.end(), [](const Entry &a, const Entry &b) {
        return std::tie(a.begin, a.end) < std::tie(b.begin, b.end);
    });
    for (size_t i = 1; i < entries.size(); ++i)
        if (entries[i].begin < entries[i - 1].end)
            failTensor(path(), entries[i].name,
                       "data_offsets [" + std::to_string(entries[i].begin) + ", " + std::to_string(entries[i].end) +
                           ") overlap tensor " + inQuotes(entries[i - 1].name) + " at [" +
                           std::to_string(entries[i - 1].begin) + ", " + std::to_string(entries[i - 1].end) + ")");
    for (Entry &e : entries) {
        if (const std::optional<QuantType> type = quantTypeFromSafetensors(e.dtype)) {
            const uint8_t *data = m_file.data() + m_dataOffset + e.begin;
            if ((m_dataOffset + e.begin) % uint64_t(quantDataAlignment(*type)) != 0 && e.end > e.begin) {
                std::vector<float> &copy = m_alignedCopies.emplace_back((e.end - e.begin + 3) / 4);
                std::memcpy(copy.data(), data, e.end - e.begin);
                data = reinterpret_cast<const uint8_t *>(copy.data());
            }
            m_index.emplace(e.name, m_tensors.size());
            m_tensors.push_back(TensorView{std::move(e.name), *type, std::move(e.shape), data, e.end - e.begin});
        } else {
            m_unsupportedIndex.emplace(e.name, m_unsupported.size());
            m_unsupported.push_back(UnsupportedTensor{std::move(e.name), std::move(e.dtype), std::move(e.shape)});
        }
    }
}

bool SafetensorsFile::contains(std::string_view name) const
{
    return m_index.find(name) != m_index.end() || m_unsupportedIndex.find(name) != m_unsupportedIndex.end();
}

const TensorView *SafetensorsFile::findTensor(std::string_view name) const
{
    if (auto it = m_index.find(name); it != m_index.end())
        return &m_tensors[it->second];
    if (auto it = m_unsupportedIndex.find(name); it != m_unsupportedIndex.end())
        fail("tensor " + inQuotes(name) + " has dtype " + printable(m_unsupported[it->second].dtype) +
                 ", which is not supported (supported: F32, F16, BF16, F8_E4M3)",
             "This model uses a tensor type this app cannot run.");
    return nullptr;
}

} // namespace enclave
