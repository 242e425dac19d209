// The quantization mixes. Mirrors llama.cpp's choices for the same names so that files and errors
// are comparable: use_more_bits layers, Q6_K output, and for MoE models attn_k/attn_v in Q8_0 and
// (Q4_K_M) attn_output in Q5_K — attention is a small share of an MoE model's bytes.
#include "engine/tools/quant_mix.h"

#include <algorithm>
#include <cctype>

namespace enclave {
namespace {

struct MixEntry {
    QuantMix mix;
    const char *name;
    uint32_t fileType;
};

constexpr MixEntry kMixes[] = {
    {QuantMix::Q8_0, "q8_0", 7},
    {QuantMix::Q6_K, "q6_k", 18},
    {QuantMix::Q5_K_M, "q5_k_m", 17},
    {QuantMix::Q4_K_M, "q4_k_m", 15},
};

// llama.cpp's use_more_bits: the first and last eighth of the layers and every third one between.
bool useMoreBits(int64_t il, int64_t n) { return il < n / 8 || il >= 7 * n / 8 || (il - n / 8) % 3 == 2; }

QuantType mainType(QuantMix mix)
{
    switch (mix) {
    case QuantMix::Q8_0: return QuantType::Q8_0;
    case QuantMix::Q6_K: return QuantType::Q6_K;
    case QuantMix::Q5_K_M: return QuantType::Q5_K;
    case QuantMix::Q4_K_M: return QuantType::Q4_K;
    }
    return QuantType::Q8_0;
}

QuantType preferredType(QuantMix mix, TensorRole role, const MixContext &ctx)
{
    if (mix == QuantMix::Q8_0)
        return QuantType::Q8_0;
    const bool moe = ctx.nExpert > 0;
    const bool moreBits = ctx.layer >= 0 && useMoreBits(ctx.layer, ctx.nLayer);
    const bool mixed = mix == QuantMix::Q5_K_M || mix == QuantMix::Q4_K_M;
    switch (role) {
    case TensorRole::Output: return QuantType::Q6_K;
    case TensorRole::AttnK: return moe ? QuantType::Q8_0 : mainType(mix);
    case TensorRole::AttnV:
        if (moe)
            return QuantType::Q8_0;
        return mixed && moreBits ? QuantType::Q6_K : mainType(mix);
    case TensorRole::AttnOutput: return moe && mix == QuantMix::Q4_K_M ? QuantType::Q5_K : mainType(mix);
    case TensorRole::FfnDown: return mixed && moreBits ? QuantType::Q6_K : mainType(mix);
    default: return mainType(mix);
    }
}

QuantType fallbackOf(QuantType type)
{
    switch (type) {
    case QuantType::Q4_K: return QuantType::Q5_0;
    case QuantType::Q5_K: return QuantType::Q5_1;
    case QuantType::Q6_K: return QuantType::Q8_0;
    default: return QuantType::F16;
    }
}

} // namespace

std::optional<QuantMix> quantMixFromName(std::string_view name)
{
    std::string lower(name);
    std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return char(std::tolower(c)); });
    for (const MixEntry &e : kMixes)
        if (lower == e.name)
            return e.mix;
    return std::nullopt;
}

std::string_view quantMixName(QuantMix mix)
{
    for (const MixEntry &e : kMixes)
        if (e.mix == mix)
            return e.name;
    return "q8_0";
}

std::vector<QuantMix> allQuantMixes()
{
    std::vector<QuantMix> out;
    for (const MixEntry &e : kMixes)
        out.push_back(e.mix);
    return out;
}

uint32_t quantMixFileType(QuantMix mix)
{
    for (const MixEntry &e : kMixes)
        if (e.mix == mix)
            return e.fileType;
    return 7;
}

QuantType quantMixType(QuantMix mix, TensorRole role, const MixContext &ctx, int64_t rowLength)
{
    if (role == TensorRole::Vector || role == TensorRole::Router)
        return QuantType::F32;
    QuantType type = preferredType(mix, role, ctx);
    while (type != QuantType::F16 && rowLength % quantBlockElems(type) != 0)
        type = fallbackOf(type);
    return type;
}

} // namespace enclave
