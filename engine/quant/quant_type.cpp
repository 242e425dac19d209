// QuantType lookups, all answered from the format table in traits.cpp.
#include "engine/quant/quant_type.h"

#include "engine/quant/traits.h"

namespace enclave {

namespace {
constexpr uint32_t kFirstEngineOnlyId = 0x1000;
}

std::optional<QuantType> quantTypeFromGguf(uint32_t ggmlType)
{
    if (ggmlType >= kFirstEngineOnlyId || !findQuantTraits(QuantType(ggmlType)))
        return std::nullopt;
    return QuantType(ggmlType);
}

std::string_view quantTypeName(QuantType type)
{
    const QuantTraits *t = findQuantTraits(type);
    return t ? t->name : "unknown";
}

int64_t quantBlockElems(QuantType type) { return quantTraits(type).blockElems; }

int64_t quantBlockBytes(QuantType type) { return quantTraits(type).blockBytes; }

int64_t quantDataAlignment(QuantType type)
{
    if (type == QuantType::F32)
        return 4;
    return type == QuantType::F8_E4M3 || type == QuantType::MXFP4 ? 1 : 2;
}

} // namespace enclave
