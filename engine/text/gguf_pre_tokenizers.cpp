// tokenizer.ggml.pre name -> split regexes. The patterns are those of the models' tokenizer.json files
// (PCRE2 accepts them unchanged), except Kimi K2's class intersections, rewritten as lookaheads.
// note: non-ASCII characters are written as \x{...} so that no editor or tool can normalize them
// (NFC turns e.g. U+2126 OHM SIGN into U+03A9 and breaks DeepSeek's ranges).
#include "engine/text/gguf_pre_tokenizers.h"

#include "engine/model/printable.h"
#include "engine/text/pre_tokenizer.h"

#include <string>

namespace enclave {

namespace {

// Llama 3 (also GLM-4, DBRX, Smaug): digits in runs of up to three.
constexpr const char *kLlama3 =
    R"re((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)re";

// Qwen2/Qwen3: as Llama 3 but single digits.
constexpr const char *kQwen2 =
    R"re((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)re";

// Qwen3.5: marks stay with their letters.
constexpr const char *kQwen35 =
    R"re((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?[\p{L}\p{M}]+|\p{N}| ?[^\s\p{L}\p{M}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)re";

// o200k (GPT-4o, gpt-oss, Llama 4): case-aware words with contractions attached.
constexpr const char *kGpt4o =
    R"re([^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?)re"
    R"re(|[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?)re"
    R"re(|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+)re";

// Mistral Tekken: like o200k without contractions, single digits.
constexpr const char *kTekken =
    R"re([^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+)re"
    R"re(|[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*)re"
    R"re(|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+)re";

// Kimi K2: Han runs first; the letter classes exclude Han ("[...&&[^\p{Han}]]" in the original).
constexpr const char *kKimiK2 =
    R"re(\p{Han}+)re"
    R"re(|[^\r\n\p{L}\p{N}]?(?:(?!\p{Han})[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}])*(?:(?!\p{Han})[\p{Ll}\p{Lm}\p{Lo}\p{M}])+)re"
    R"re((?i:'s|'t|'re|'ve|'m|'ll|'d)?)re"
    R"re(|[^\r\n\p{L}\p{N}]?(?:(?!\p{Han})[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}])+(?:(?!\p{Han})[\p{Ll}\p{Lm}\p{Lo}\p{M}])*)re"
    R"re((?i:'s|'t|'re|'ve|'m|'ll|'d)?)re"
    R"re(|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)re";

// DeepSeek V3/R1: three stages.
constexpr const char *kDeepseekV3Digits = R"re(\p{N}{1,3})re";
constexpr const char *kDeepseekV3Cjk = R"re([\x{4E00}-\x{9FA5}\x{3040}-\x{309F}\x{30A0}-\x{30FF}]+)re";
constexpr const char *kDeepseekV3Main =
    R"re([!"#$%&'()*+,\-./:;<=>?@\[\\\]^_`{|}~][A-Za-z]+|[^\r\n\p{L}\p{P}\p{S}]?[\p{L}\p{M}]+)re"
    R"re(| ?[\p{P}\p{S}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)re";

// DeepSeek LLM (V1/V2 chat): six stages.
constexpr const char *kDeepseekLlmLatin =
    R"re(\s?[A-Za-z\x{B5}\x{C0}-\x{D6}\x{D8}-\x{F6}\x{F8}-\x{1BA}\x{1BC}-\x{1BF}\x{1C4}-\x{293})re"
    R"re(\x{295}-\x{2AF}\x{370}-\x{373}\x{376}\x{377}\x{37B}-\x{37D}\x{37F}\x{386}\x{388}-\x{38A}\x{38C})re"
    R"re(\x{38E}-\x{3A1}\x{3A3}-\x{3F5}\x{3F7}-\x{481}\x{48A}-\x{52F}\x{531}-\x{556}\x{10A0}-\x{10C5})re"
    R"re(\x{13A0}-\x{13F5}\x{13F8}-\x{13FD}\x{1C90}-\x{1CBA}\x{1CBD}-\x{1CBF}\x{1D00}-\x{1D2B})re"
    R"re(\x{1D6B}-\x{1D77}\x{1D79}-\x{1D9A}\x{1E00}-\x{1F15}\x{1F18}-\x{1F1D}\x{1F20}-\x{1F45})re"
    R"re(\x{1F48}-\x{1F4D}\x{1F50}-\x{1F57}\x{1F59}\x{1F5B}\x{1F5D}\x{1F5F}-\x{1F7D}\x{1F80}-\x{1FB4})re"
    R"re(\x{1FB6}-\x{1FBC}\x{1FBE}\x{1FC2}-\x{1FC4}\x{1FC6}-\x{1FCC}\x{1FD0}-\x{1FD3}\x{1FD6}-\x{1FDB})re"
    R"re(\x{1FE0}-\x{1FEC}\x{1FF2}-\x{1FF4}\x{1FF6}-\x{1FFC}\x{2102}\x{2107}\x{210A}-\x{2113}\x{2115})re"
    R"re(\x{2119}-\x{211D}\x{2124}\x{2126}\x{2128}\x{212A}-\x{212D}\x{212F}-\x{2134}\x{2139})re"
    R"re(\x{213C}-\x{213F}\x{2145}-\x{2149}\x{214E}\x{2183}\x{2184}\x{2C00}-\x{2C7B}\x{2C7E}-\x{2CE4})re"
    R"re(\x{2CEB}-\x{2CEE}\x{2CF2}\x{2CF3}\x{A640}-\x{A66D}\x{A680}-\x{A69B}\x{A722}-\x{A76F})re"
    R"re(\x{A771}-\x{A787}\x{A78B}-\x{A78E}\x{AB70}-\x{ABBF}\x{FB00}-\x{FB06}\x{FB13}-\x{FB17})re"
    R"re(\x{FF21}-\x{FF3A}\x{FF41}-\x{FF5A}\x{10400}-\x{1044F}\x{104B0}-\x{104D3}\x{104D8}-\x{104FB})re"
    R"re(\x{10C80}-\x{10CB2}\x{10CC0}-\x{10CF2}\x{118A0}-\x{118DF}\x{1E900}-\x{1E943}]+)re";
constexpr const char *kDeepseekLlmPunct = R"re(\s?[!-/:-~\x{FF01}-\x{FF0F}\x{FF1A}-\x{FF5E}\x{2018}-\x{201F}\x{3000}-\x{3002}]+)re";
constexpr const char *kDeepseekCjk = R"re([\x{4E00}-\x{9FA5}\x{800}-\x{4E00}\x{AC00}-\x{D7FF}]+)re";

// BLOOM family (Poro, GPT-3 Finnish, Viking).
constexpr const char *kBloom = R"re( ?[^(\s|.,!?\x{2026}\x{3002}\x{FF0C}\x{3001}\x{964}\x{6D4}\x{60C})]+)re";

// Ling/Bailing MoE (possessive quantifiers are PCRE2 syntax too).
constexpr const char *kBailing =
    R"re('(?i:[sdmt]|ll|ve|re)|[^\r\n\p{L}\p{N}]?+\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]++[\r\n]*|\s*[\r\n]|\s+(?!\S)|\s+)re";

// Seed-Coder.
constexpr const char *kSeedCoder =
    R"re((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1}| ?[^\s\p{L}\p{N}\r\n]+|\s*[\r\n]+|\s+(?!\S)|\s+)re";

PreTokenizerStep splitStep(const char *pattern)
{
    PreTokenizerStep step;
    step.kind = PreTokenizerStep::Kind::Split;
    step.pattern = pattern;
    step.behavior = SplitBehavior::Isolated;
    return step;
}

GgufPrePreset preset(std::initializer_list<const char *> patterns)
{
    GgufPrePreset p;
    for (const char *pattern : patterns)
        p.steps.push_back(splitStep(pattern));
    return p;
}

bool isOneOf(std::string_view name, std::initializer_list<std::string_view> names)
{
    for (std::string_view n : names)
        if (name == n)
            return true;
    return false;
}

// Presets whose names need more than one entry; nullopt-like empty steps when not one of them.
bool findGroupedPreset(std::string_view name, GgufPrePreset &p)
{
    if (isOneOf(name, {"llama3", "llama-v3", "llama-bpe", "falcon3", "falcon-h1", "pixtral", "midm-2.0", "lfm2"})) {
        p = preset({kLlama3});
        p.ignoreMerges = p.addBos = true;
    } else if (isOneOf(name, {"dbrx", "smaug-bpe", "glm4", "chatglm-bpe"})) {
        p = preset({kLlama3});
    } else if (isOneOf(name, {"qwen2", "deepseek-r1-qwen", "megrez"})) {
        p = preset({kQwen2});
        p.nfc = true;
    } else if (isOneOf(name, {"stablelm2", "hunyuan", "solar-open", "grok-2", "kormo"})) {
        p = preset({kQwen2});
    } else if (isOneOf(name, {"gpt-4o", "llama4", "minimax-m2"})) {
        p = preset({kGpt4o});
    } else if (isOneOf(name, {"deepseek-v3", "hunyuan-dense", "joyai-llm"})) {
        p = preset({kDeepseekV3Digits, kDeepseekV3Cjk, kDeepseekV3Main});
    } else if (isOneOf(name, {"", "default", "gpt2", "gpt-2", "olmo", "mpt", "phi-2", "jais", "trillion", "exaone4",
                              "roberta-bpe", "jina-es", "jina-de", "jina-v1-en", "jina-v2-es", "jina-v2-de",
                              "jina-v2-code", "gigachat", "granite-docling"})) {
        p = preset({kGpt2SplitPattern});
    } else if (isOneOf(name, {"starcoder", "refact", "command-r", "smollm", "codeshell", "exaone", "minerva-7b"})) {
        p = preset({R"re(\p{N})re", kGpt2SplitPattern});
    } else if (isOneOf(name, {"bailingmoe", "bailingmoe2", "llada-moe"})) {
        p = preset({kBailing});
    } else if (isOneOf(name, {"poro-chat", "bloom", "gpt3-finnish"})) {
        p = preset({kBloom});
    } else {
        return false;
    }
    return true;
}

} // namespace

GgufPrePreset ggufPrePreset(std::string_view name)
{
    GgufPrePreset p;
    if (findGroupedPreset(name, p))
        return p;
    if (name == "qwen35") {
        p = preset({kQwen35});
        p.nfc = true;
    } else if (name == "tekken") {
        p = preset({kTekken});
        p.ignoreMerges = p.addBos = true;
    } else if (name == "kimi-k2") {
        p = preset({kKimiK2});
    } else if (name == "deepseek-llm") {
        p = preset({R"re([\r\n])re", kDeepseekLlmLatin, kDeepseekLlmPunct, R"re(\s+$)re", kDeepseekCjk,
                    R"re(\p{N}+)re"});
    } else if (name == "deepseek-coder") {
        p = preset({R"re([\r\n])re", R"re(\s?\p{L}+)re", R"re(\s?\p{P}+)re", kDeepseekCjk, R"re(\p{N})re"});
    } else if (name == "viking") {
        p = preset({kBloom, R"re(\p{N})re"});
    } else if (name == "seed-coder") {
        p = preset({kSeedCoder});
    } else {
        throw TokenizerFormatError("gguf tokenizer: unknown pre-tokenizer " + quotedName(name) +
                                   " (tokenizer.ggml.pre)");
    }
    return p;
}

} // namespace enclave
