// GgufFile: header, metadata and tensor-info parsing with full validation (layout in gguf.h).
// Order of checks: fixed header, counts vs file size, keys, alignment, tensor infos one by one,
// then the data section as a whole (inside the file, no overlaps). A file cut short, in the header
// or in the data, is told apart from a damaged one in the first line of the error.
#include "engine/model/gguf.h"

#include "engine/model/gguf_reader.h"
#include "engine/model/printable.h"

#include <algorithm>
#include <array>
#include <bit>
#include <cstdio>
#include <limits>

namespace enclave {

namespace {

constexpr uint64_t kMinKvBytes = 8 + 4 + 1;             // key length, value type, smallest value
constexpr uint64_t kMinTensorInfoBytes = 8 + 4 + 8 + 4 + 8; // name length, nDims, one dim, type, offset
constexpr uint64_t kMaxTensorNameBytes = 4096;
constexpr int64_t kMaxAlignment = int64_t(1) << 30;
constexpr uint64_t kMaxReserve = 4096;

// The user lines of files that are intact but that this engine cannot use.
constexpr const char *kUnsupportedVersion = "This GGUF file uses a format version this app cannot read.";
constexpr const char *kUnsupportedType = "This model uses a tensor type this app cannot run.";
constexpr const char *kUnsupportedLayout = "This GGUF file uses a data layout this app cannot read.";

struct TensorInfo {
    std::string name;
    std::vector<int64_t> shape; // outer-first
    QuantType type = QuantType::F32;
    uint64_t offset = 0;
    uint64_t bytes = 0;
};

std::string hex32(uint32_t v)
{
    char buf[16];
    std::snprintf(buf, sizeof buf, "0x%08x", v);
    return buf;
}

// A key or tensor name for a message: escaped (a damaged file can hold control characters) and cut.
std::string inQuotes(std::string_view s) { return quotedName(s); }

bool mulOverflows(uint64_t a, uint64_t b, uint64_t *out) { return __builtin_mul_overflow(a, b, out); }

// The magic: a file that does not start with "GGUF" is some other file; one that ends inside the
// magic is cut (need() reports that).
void checkMagic(GgufReader &r)
{
    const std::string_view start = r.peek(4);
    if (start == std::string_view("GGUF").substr(0, start.size())) {
        r.read<uint32_t>("magic");
        return;
    }
    const std::string found = start.size() == 4 ? hex32(r.read<uint32_t>("magic")) + " " : std::string();
    r.fail("not a GGUF file: magic is " + found + quotedName(start) + ", expected " + hex32(kGgufMagic) +
               " (\"GGUF\")",
           notModelFileMessage("GGUF"));
}

// Magic and version. Returns the version (2 or 3).
uint32_t readMagicAndVersion(GgufReader &r)
{
    r.setContext("header");
    checkMagic(r);
    const uint32_t version = r.read<uint32_t>("version");
    if (version == 2 || version == 3)
        return version;
    const uint32_t swapped = __builtin_bswap32(version);
    if (swapped >= 1 && swapped <= 3)
        r.fail("big-endian GGUF file (version field " + hex32(version) +
                   "); only little-endian files are supported",
               kUnsupportedVersion);
    if (version == 1)
        r.fail("GGUF version 1 is not supported (expected version 2 or 3); convert the model again",
               kUnsupportedVersion);
    r.fail("unsupported GGUF version " + std::to_string(version) + " (expected 2 or 3)", kUnsupportedVersion);
}

// Tensor and key counts, checked against the bytes left so a huge count fails before any allocation.
// note: a file cut soon after the counts fails here too, so these are reported as a short file.
void readCounts(GgufReader &r, uint64_t *tensorCount, uint64_t *kvCount)
{
    *tensorCount = r.read<uint64_t>("tensor count");
    *kvCount = r.read<uint64_t>("metadata key count");
    const uint64_t left = r.remaining();
    if (*tensorCount > left / kMinTensorInfoBytes)
        r.failShort(saturatingEnd(r.pos(), *tensorCount, kMinTensorInfoBytes),
                    "tensor count " + std::to_string(*tensorCount) + " is impossible: " + std::to_string(left) +
                        " bytes remain, at most " + std::to_string(left / kMinTensorInfoBytes) + " tensor infos fit");
    if (*kvCount > left / kMinKvBytes)
        r.failShort(saturatingEnd(r.pos(), *kvCount, kMinKvBytes),
                    "metadata key count " + std::to_string(*kvCount) + " is impossible: " + std::to_string(left) +
                        " bytes remain, at most " + std::to_string(left / kMinKvBytes) + " keys fit");
    const uint64_t needed = *tensorCount * kMinTensorInfoBytes + *kvCount * kMinKvBytes; // each part <= left
    if (needed > left)
        r.failShort(r.pos() + needed, std::to_string(*tensorCount) + " tensor infos and " +
                                          std::to_string(*kvCount) + " keys need more than the " +
                                          std::to_string(left) + " bytes left");
}

void readMetadata(GgufReader &r, uint64_t kvCount, GgufMetadata *out)
{
    for (uint64_t i = 0; i < kvCount; ++i) {
        r.setContext("metadata key " + std::to_string(i));
        const std::string_view key = r.readString("key");
        r.setContext("key " + inQuotes(key));
        if (out->contains(key))
            r.fail("duplicate key (already defined earlier in the file)");
        const uint32_t type = r.read<uint32_t>("value type");
        out->set(std::string(key), r.readValue(type, 0));
    }
}

uint64_t alignmentOf(const GgufMetadata &meta, GgufReader &r)
{
    const GgufValue *v = meta.find("general.alignment");
    if (!v)
        return kGgufDefaultAlignment;
    r.setContext("key 'general.alignment'");
    const std::optional<int64_t> a = v->toInt();
    if (!a)
        r.fail("expected an unsigned integer, got " + std::string(ggufTypeName(v->type())));
    if (*a <= 0 || *a > kMaxAlignment || !std::has_single_bit(static_cast<uint64_t>(*a)))
        r.fail("alignment " + std::to_string(*a) + " is not a power of two in 1..2^30");
    return static_cast<uint64_t>(*a);
}

// Dims (ne[], innermost first) into an outer-first shape, checking each dim and the element count.
std::vector<int64_t> readShape(GgufReader &r)
{
    const uint32_t nDims = r.read<uint32_t>("dimension count");
    if (nDims < 1 || nDims > kGgufMaxDims)
        r.fail("dimension count " + std::to_string(nDims) + " is out of range (expected 1.." +
               std::to_string(kGgufMaxDims) + ")");
    std::vector<int64_t> shape(nDims);
    uint64_t elements = 1;
    for (uint32_t d = 0; d < nDims; ++d) {
        const uint64_t ne = r.read<uint64_t>("dimension");
        if (ne == 0 || ne > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()))
            r.fail("dimension " + std::to_string(d) + " is " + std::to_string(ne) + " (expected 1..2^63-1)");
        if (mulOverflows(elements, ne, &elements) ||
            elements > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()))
            r.fail("element count overflows 64 bits at dimension " + std::to_string(d));
        shape[nDims - 1 - d] = static_cast<int64_t>(ne);
    }
    return shape;
}

// Storage type and byte size: the type must be supported and the row a whole number of blocks.
void readTypeAndSize(GgufReader &r, TensorInfo *t)
{
    const uint32_t typeId = r.read<uint32_t>("tensor type");
    const std::optional<QuantType> type = quantTypeFromGguf(typeId);
    if (!type && ggmlTypeName(typeId).empty())
        r.fail("unknown tensor type id " + std::to_string(typeId), kUnsupportedType);
    if (!type)
        r.fail("tensor type " + std::string(ggmlTypeName(typeId)) + " (id " + std::to_string(typeId) +
                   ") is not supported by this engine",
               kUnsupportedType);
    t->type = *type;
    const int64_t rowLength = t->shape.back();
    const int64_t blockElems = quantBlockElems(*type);
    if (blockElems <= 0 || rowLength % blockElems != 0)
        r.fail("row length " + std::to_string(rowLength) + " is not a multiple of the " +
               std::string(quantTypeName(*type)) + " block size " + std::to_string(blockElems));
    uint64_t nRows = 1;
    for (size_t d = 0; d + 1 < t->shape.size(); ++d)
        nRows *= static_cast<uint64_t>(t->shape[d]); // cannot overflow: the element count did not
    const uint64_t blocksPerRow = static_cast<uint64_t>(rowLength / blockElems);
    uint64_t rowBytes = 0;
    if (mulOverflows(blocksPerRow, static_cast<uint64_t>(quantBlockBytes(*type)), &rowBytes) ||
        mulOverflows(rowBytes, nRows, &t->bytes))
        r.fail("byte size overflows 64 bits");
}

TensorInfo readTensorInfo(GgufReader &r, uint64_t index, uint64_t alignment)
{
    TensorInfo t;
    r.setContext("tensor " + std::to_string(index));
    const std::string_view name = r.readString("tensor name");
    if (name.size() > kMaxTensorNameBytes)
        r.fail("tensor name is " + std::to_string(name.size()) + " bytes long (at most " +
               std::to_string(kMaxTensorNameBytes) + ")");
    t.name = name;
    r.setContext("tensor " + inQuotes(name));
    t.shape = readShape(r);
    readTypeAndSize(r, &t);
    t.offset = r.read<uint64_t>("tensor data offset");
    if (t.offset % alignment != 0)
        r.fail("data offset " + std::to_string(t.offset) + " is not a multiple of the alignment " +
               std::to_string(alignment));
    return t;
}

// "data at offset ... past the end of the file": the detail of a tensor that ends beyond the file.
std::string pastEndDetail(const TensorInfo &t, uint64_t dataOffset, uint64_t fileSize, const std::string &end)
{
    return "data at offset " + std::to_string(t.offset) + " of the data section (file offset " +
           std::to_string(dataOffset) + "), " + std::to_string(t.bytes) + " bytes, ends at file offset " + end +
           ", past the end of the file (" + std::to_string(fileSize) + " bytes)";
}

// Every tensor's data inside the file. A file that ends early is reported with the size the header
// implies: the end of the data that ends last.
void checkDataInsideFile(GgufReader &r, const std::vector<TensorInfo> &infos, uint64_t dataOffset, uint64_t fileSize)
{
    uint64_t expectedSize = 0;
    const TensorInfo *firstPastEnd = nullptr;
    uint64_t firstEnd = 0;
    for (const TensorInfo &t : infos) {
        uint64_t end = 0;
        if (__builtin_add_overflow(dataOffset, t.offset, &end) || __builtin_add_overflow(end, t.bytes, &end)) {
            r.setContext("tensor " + inQuotes(t.name));
            r.fail(pastEndDetail(t, dataOffset, fileSize, "beyond 2^64"));
        }
        expectedSize = std::max(expectedSize, end);
        if (end > fileSize && !firstPastEnd)
            firstPastEnd = &t, firstEnd = end;
    }
    if (!firstPastEnd)
        return;
    r.setContext("tensor " + inQuotes(firstPastEnd->name));
    r.fail(pastEndDetail(*firstPastEnd, dataOffset, fileSize, std::to_string(firstEnd)) +
               "; the tensor data needs a file of " + std::to_string(expectedSize) + " bytes",
           shortFileMessage("GGUF", fileSize, expectedSize));
}

// Every tensor inside the file, aligned for its type's loads, and no two overlapping (names were
// checked while reading).
void checkDataLayout(GgufReader &r, const std::vector<TensorInfo> &infos, uint64_t dataOffset, uint64_t fileSize,
                     uint64_t alignment)
{
    checkDataInsideFile(r, infos, dataOffset, fileSize);
    for (const TensorInfo &t : infos) {
        const auto need = static_cast<uint64_t>(quantDataAlignment(t.type));
        if ((dataOffset + t.offset) % need != 0) {
            r.setContext("tensor " + inQuotes(t.name));
            r.fail("data at file offset " + std::to_string(dataOffset + t.offset) + " is not a multiple of " +
                       std::to_string(need) + " bytes, which " + std::string(quantTypeName(t.type)) +
                       " data needs (general.alignment is " + std::to_string(alignment) +
                       "); write the file again with the default alignment of 32",
                   kUnsupportedLayout);
        }
    }
    std::vector<const TensorInfo *> order;
    order.reserve(infos.size());
    for (const TensorInfo &t : infos)
        order.push_back(&t);
    std::sort(order.begin(), order.end(), [](auto *a, auto *b) { return a->offset < b->offset; });
    for (size_t i = 1; i < order.size(); ++i) {
        const TensorInfo &prev = *order[i - 1];
        if (order[i]->offset < prev.offset + prev.bytes) {
            r.setContext("tensor " + inQuotes(order[i]->name));
            r.fail("data at offset " + std::to_string(order[i]->offset) + " overlaps tensor " + inQuotes(prev.name) +
                   " which spans [" + std::to_string(prev.offset) + ", " + std::to_string(prev.offset + prev.bytes) +
                   ")");
        }
    }
}

} // namespace

std::string_view ggmlTypeName(uint32_t ggmlType)
{
    static constexpr std::array<std::string_view, 40> kNames = {
        "F32",     "F16",   "Q4_0",    "Q4_1",   "Q4_2",   "Q4_3",    "Q5_0",     "Q5_1",     "Q8_0",     "Q8_1",
        "Q2_K",    "Q3_K",  "Q4_K",    "Q5_K",   "Q6_K",   "Q8_K",    "IQ2_XXS",  "IQ2_XS",   "IQ3_XXS",  "IQ1_S",
        "IQ4_NL",  "IQ3_S", "IQ2_S",   "IQ4_XS", "I8",     "I16",     "I32",      "I64",      "F64",      "IQ1_M",
        "BF16",    "Q4_0_4_4", "Q4_0_4_8", "Q4_0_8_8", "TQ1_0", "TQ2_0", "IQ4_NL_4_4", "IQ4_NL_4_8", "IQ4_NL_8_8",
        "MXFP4",
    };
    return ggmlType < kNames.size() ? kNames[ggmlType] : std::string_view();
}

GgufFile::GgufFile(const std::string &path) : m_file(path) { parse(); }

std::string GgufFile::architecture() const { return getString("general.architecture").value_or(""); }

const TensorView *GgufFile::findTensor(std::string_view name) const
{
    auto it = m_tensorIndex.find(name);
    return it == m_tensorIndex.end() ? nullptr : &m_tensors[it->second];
}

void GgufFile::parse()
{
    GgufReader r(m_file);
    m_version = readMagicAndVersion(r);
    uint64_t tensorCount = 0;
    uint64_t kvCount = 0;
    readCounts(r, &tensorCount, &kvCount);
    readMetadata(r, kvCount, this);
    m_alignment = alignmentOf(*this, r);

    std::vector<TensorInfo> infos;
    infos.reserve(std::min<uint64_t>(tensorCount, kMaxReserve)); // the count is not trusted yet
    for (uint64_t i = 0; i < tensorCount; ++i) {
        infos.push_back(readTensorInfo(r, i, m_alignment));
        if (!m_tensorIndex.emplace(infos.back().name, i).second)
            r.fail("duplicate tensor name (tensor " + std::to_string(m_tensorIndex[infos.back().name]) +
                   " has the same name)");
    }
    // note: the padding may run past the end of a file without tensors; nothing is read from it then.
    m_dataOffset = (r.pos() + m_alignment - 1) / m_alignment * m_alignment;
    checkDataLayout(r, infos, m_dataOffset, m_file.size(), m_alignment);

    m_tensors.reserve(infos.size());
    for (TensorInfo &t : infos)
        m_tensors.push_back(TensorView{std::move(t.name), t.type, std::move(t.shape),
                                       m_file.data() + m_dataOffset + t.offset, t.bytes});
}

GgufProbe probeGguf(const std::string &path)
{
    MappedFile file(path);
    GgufReader r(file);
    GgufProbe probe;
    probe.version = readMagicAndVersion(r);
    readCounts(r, &probe.tensorCount, &probe.kvCount);
    GgufMetadata meta;
    readMetadata(r, probe.kvCount, &meta);
    probe.architecture = meta.getString("general.architecture").value_or("");
    probe.splitCount = meta.getInt("split.count").value_or(1);
    return probe;
}

} // namespace enclave
