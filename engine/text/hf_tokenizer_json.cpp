// tokenizer.json reader. The file has five parts that matter here: "model" (vocab, merges, flags),
// "added_tokens", "normalizer", "pre_tokenizer", "decoder" and "post_processor"; each part is a
// tagged object {"type": ..., ...}, Sequence types nest. tokenizer_config.json adds the BOS/EOS
// choices and the chat template.
// note: the file comes with a downloaded model. Depth is checked on the text before parsing, every id
// is range-checked before anything is sized by it, merges must name vocabulary tokens (as Hugging Face
// requires), and names from the file reach messages only through quotedName().
#include "engine/text/hf_tokenizer_json.h"

#include "engine/model/printable.h"
#include "engine/text/hf_json_read.h"

#include <algorithm>
#include <array>
#include <fstream>
#include <sstream>
#include <tuple>

namespace enclave {

namespace {

using namespace hfjson;

// `id` is range-checked by the caller (at most maxTokenId), so the vectors grow with the file.
void setToken(TokenizerSpec &spec, int64_t id, const std::string &text, TokenType type)
{
    if (size_t(id) >= spec.tokens.size()) {
        spec.tokens.resize(size_t(id) + 1);
        spec.tokenTypes.resize(size_t(id) + 1, TokenType::Unused);
    }
    spec.tokens[size_t(id)] = text;
    spec.tokenTypes[size_t(id)] = type;
}

// The highest id a file may use: holes are allowed, but not so many that a vector sized by an id
// could outgrow the file.
int64_t maxTokenId(const Json &root)
{
    const Json &vocab = root.at("model").at("vocab");
    if (!vocab.is_object())
        fail("model.vocab is not an object");
    const auto added = root.find("added_tokens");
    const size_t entries = vocab.size() + (added != root.end() && added->is_array() ? added->size() : 0);
    return std::min<int64_t>(int64_t(entries) + kMaxIdGap, kMaxVocabSize) - 1;
}

void parseVocab(const Json &vocab, int64_t maxId, TokenizerSpec &spec)
{
    for (const auto &[text, idJson] : vocab.items()) {
        const int64_t id = integerIn(idJson, 0, maxId, "model.vocab id of " + quotedName(text));
        if (size_t(id) < spec.tokens.size() && spec.tokenTypes[size_t(id)] != TokenType::Unused)
            fail("model.vocab gives id " + std::to_string(id) + " to both " + quotedName(spec.tokens[size_t(id)]) +
                 " and " + quotedName(text));
        setToken(spec, id, text, TokenType::Normal);
    }
}

std::pair<std::string, std::string> mergeOf(const Json &m)
{
    if (m.is_array() && m.size() == 2)
        return {m[0].get<std::string>(), m[1].get<std::string>()};
    const std::string s = m.get<std::string>();
    const size_t space = s.find(' ', 1);
    if (space == std::string::npos)
        fail("model.merges entry " + quotedName(s) + " is not two tokens separated by a space");
    return {s.substr(0, space), s.substr(space + 1)};
}

// As Hugging Face's BPE builder: both parts and their concatenation must be vocabulary tokens.
void parseMerges(const Json &merges, TokenizerSpec &spec)
{
    if (!merges.is_array())
        fail("model.merges is not a list");
    spec.merges.reserve(merges.size());
    for (const Json &m : merges) {
        auto merge = mergeOf(m);
        for (const std::string &part : {merge.first, merge.second, merge.first + merge.second})
            if (spec.findToken(part) < 0)
                fail("model.merges entry " + std::to_string(spec.merges.size()) + " (" + quotedName(merge.first, 60) +
                     " + " + quotedName(merge.second, 60) + "): " + quotedName(part, 120) + " is not in model.vocab");
        spec.merges.push_back(std::move(merge));
    }
}

void parseModel(const Json &model, int64_t maxId, TokenizerSpec &spec)
{
    const std::string type = stringOr(model, "type", "BPE");
    if (type != "BPE")
        fail("model type " + quotedName(type) + " is not supported (only BPE)");
    for (const char *key : {"continuing_subword_prefix", "end_of_word_suffix"})
        if (!stringOr(model, key, "").empty())
            fail(std::string("model.") + key + " is not supported");
    parseVocab(model.at("vocab"), maxId, spec);
    spec.indexTokens();
    // note: without merges the vocabulary order decides (tiktoken-style conversions).
    if (const auto merges = model.find("merges"); merges != model.end() && !merges->is_null())
        parseMerges(*merges, spec);
    spec.byteFallback = boolOr(model, "byte_fallback", false);
    spec.fuseUnk = boolOr(model, "fuse_unk", false);
    spec.ignoreMerges = boolOr(model, "ignore_merges", false);
    if (const std::string unk = stringOr(model, "unk_token", ""); !unk.empty())
        spec.unkId = spec.findToken(unk);
}

void parseAddedTokens(const Json &added, int64_t maxId, TokenizerSpec &spec)
{
    if (!added.is_array())
        fail("added_tokens is not a list");
    for (const Json &t : added) {
        AddedToken a;
        a.content = t.at("content").get<std::string>();
        a.id = int32_t(integerIn(t.at("id"), 0, maxId, "added_tokens id of " + quotedName(a.content)));
        a.special = boolOr(t, "special", false);
        a.lstrip = boolOr(t, "lstrip", false);
        a.rstrip = boolOr(t, "rstrip", false);
        a.normalized = boolOr(t, "normalized", !a.special);
        a.singleWord = boolOr(t, "single_word", false);
        setToken(spec, a.id, a.content, a.special ? TokenType::Control : TokenType::UserDefined);
        spec.addedTokens.push_back(std::move(a));
    }
}

void parseNormalizer(const Json &n, std::vector<NormalizerStep> &out, int depth = 0)
{
    if (n.is_null())
        return;
    const std::string type = typeOf(n, "normalizer");
    NormalizerStep step;
    if (type == "Sequence") {
        enterSequence(depth, "normalizer");
        for (const Json &inner : n.at("normalizers"))
            parseNormalizer(inner, out, depth + 1);
        return;
    } else if (type == "NFC" || type == "NFD" || type == "NFKC" || type == "NFKD") {
        step.kind = type == "NFC" ? NormalizerStep::Kind::Nfc : type == "NFD" ? NormalizerStep::Kind::Nfd
                  : type == "NFKC" ? NormalizerStep::Kind::Nfkc : NormalizerStep::Kind::Nfkd;
    } else if (type == "Prepend") {
        step.kind = NormalizerStep::Kind::Prepend;
        step.content = shortString(n.at("prepend").get<std::string>(), "normalizer Prepend text");
    } else if (type == "Replace") {
        step.kind = NormalizerStep::Kind::Replace;
        std::tie(step.pattern, step.patternIsRegex) = patternOf(n, "normalizer Replace");
        step.content = shortString(n.at("content").get<std::string>(), "normalizer Replace content");
    } else {
        fail("normalizer " + quotedName(type) + " is not supported");
    }
    addStep(out, std::move(step), "normalizer");
}

SplitBehavior behaviorOf(const std::string &name)
{
    static const std::array<std::pair<const char *, SplitBehavior>, 5> names = {{
        {"Isolated", SplitBehavior::Isolated},
        {"Removed", SplitBehavior::Removed},
        {"MergedWithPrevious", SplitBehavior::MergedWithPrevious},
        {"MergedWithNext", SplitBehavior::MergedWithNext},
        {"Contiguous", SplitBehavior::Contiguous},
    }};
    for (const auto &[text, behavior] : names)
        if (name == text)
            return behavior;
    fail("pre_tokenizer Split behavior " + quotedName(name) + " is not supported");
}

PrependScheme prependSchemeOf(const Json &n)
{
    if (n.contains("prepend_scheme") && !n["prepend_scheme"].is_null()) {
        const std::string s = n["prepend_scheme"].get<std::string>();
        if (s == "always")
            return PrependScheme::Always;
        if (s == "first")
            return PrependScheme::First;
        if (s == "never")
            return PrependScheme::Never;
        fail("Metaspace prepend_scheme " + quotedName(s) + " is not supported");
    }
    return boolOr(n, "add_prefix_space", true) ? PrependScheme::Always : PrependScheme::Never;
}

// Metaspace's replacement is one character (a Rust char in Hugging Face tokenizers).
std::string metaspaceReplacement(const Json &n, const char *part)
{
    const std::string replacement = stringOr(n, "replacement", "\xE2\x96\x81");
    checkSingleCharacter(replacement, part);
    return replacement;
}

void parsePreTokenizer(const Json &n, std::vector<PreTokenizerStep> &out, int depth = 0)
{
    if (n.is_null())
        return;
    const std::string type = typeOf(n, "pre_tokenizer");
    PreTokenizerStep step;
    if (type == "Sequence") {
        enterSequence(depth, "pre_tokenizer");
        for (const Json &inner : n.at("pretokenizers"))
            parsePreTokenizer(inner, out, depth + 1);
        return;
    } else if (type == "Split") {
        bool isRegex = false;
        std::tie(step.pattern, isRegex) = patternOf(n, "pre_tokenizer Split");
        step.patternIsLiteral = !isRegex;
        step.behavior = behaviorOf(n.at("behavior").get<std::string>());
        step.invert = boolOr(n, "invert", false);
    } else if (type == "ByteLevel") {
        step.kind = PreTokenizerStep::Kind::ByteLevel;
        step.addPrefixSpace = boolOr(n, "add_prefix_space", true);
        step.useRegex = boolOr(n, "use_regex", true);
    } else if (type == "Metaspace") {
        step.kind = PreTokenizerStep::Kind::Metaspace;
        step.replacement = metaspaceReplacement(n, "pre_tokenizer Metaspace");
        step.prependScheme = prependSchemeOf(n);
        step.metaspaceSplit = boolOr(n, "split", true);
    } else if (type == "Digits") {
        step.kind = PreTokenizerStep::Kind::Digits;
        step.individualDigits = boolOr(n, "individual_digits", false);
    } else {
        fail("pre_tokenizer " + quotedName(type) + " is not supported");
    }
    addStep(out, std::move(step), "pre_tokenizer");
}

void parseDecoder(const Json &n, DecoderSpec &d, int depth = 0)
{
    if (n.is_null())
        return;
    const std::string type = typeOf(n, "decoder");
    if (type == "Sequence") {
        enterSequence(depth, "decoder");
        for (const Json &inner : n.at("decoders"))
            parseDecoder(inner, d, depth + 1);
    } else if (type == "ByteLevel") {
        d.byteLevel = true;
    } else if (type == "Metaspace") {
        addStep(d.replacements, {metaspaceReplacement(n, "decoder Metaspace"), " "}, "decoder");
        if (prependSchemeOf(n) != PrependScheme::Never)
            d.stripLeadingSpaces = 1;
    } else if (type == "Replace") {
        const auto [pattern, isRegex] = patternOf(n, "decoder Replace");
        if (isRegex)
            fail("decoder Replace with a Regex pattern is not supported");
        addStep(d.replacements, {shortString(pattern, "decoder Replace pattern"),
                                 shortString(n.at("content").get<std::string>(), "decoder Replace content")},
                "decoder");
    } else if (type == "ByteFallback") {
        d.byteFallback = true;
    } else if (type == "Fuse") {
        // Decoding always joins the token texts.
    } else if (type == "Strip") {
        if (stringOr(n, "content", " ") != " " || integerIn(n.value("stop", Json(0)), 0, 0, "decoder Strip stop") != 0)
            fail("decoder Strip is supported only for leading spaces");
        d.stripLeadingSpaces = int(integerIn(n.value("start", Json(0)), 0, kMaxTokenBytes, "decoder Strip start"));
    } else {
        fail("decoder " + quotedName(type) + " is not supported");
    }
}

struct TemplateSpecials {
    int32_t bos = -1;
    int32_t eos = -1;
};

int32_t templateTokenId(const Json &p, const std::string &name)
{
    const Json &ids = p.at("special_tokens").at(name).at("ids");
    if (!ids.is_array() || ids.size() != 1)
        fail("post_processor special token " + quotedName(name) + " must have exactly one id");
    return int32_t(integerIn(ids[0], 0, kMaxVocabSize - 1, "post_processor id of " + quotedName(name)));
}

void parsePostProcessor(const Json &p, TemplateSpecials &out, int depth = 0)
{
    if (p.is_null())
        return;
    const std::string type = typeOf(p, "post_processor");
    if (type == "ByteLevel")
        return;
    if (type == "Sequence") {
        enterSequence(depth, "post_processor");
        for (const Json &inner : p.at("processors"))
            parsePostProcessor(inner, out, depth + 1);
        return;
    }
    if (type != "TemplateProcessing")
        fail("post_processor " + quotedName(type) + " is not supported");
    std::vector<int32_t> before, after;
    bool seenText = false;
    for (const Json &item : p.at("single")) {
        if (item.contains("Sequence"))
            seenText = true;
        else if (item.contains("SpecialToken"))
            (seenText ? after : before).push_back(templateTokenId(p, item.at("SpecialToken").at("id")));
    }
    if (before.size() > 1 || after.size() > 1)
        fail("post_processor TemplateProcessing with more than one token before or after the text");
    out.bos = before.empty() ? -1 : before[0];
    out.eos = after.empty() ? -1 : after[0];
}

void markByteTokens(TokenizerSpec &spec)
{
    for (size_t id = 0; id < spec.tokens.size(); ++id)
        if (spec.tokenTypes[id] == TokenType::Normal && byteTokenValue(spec.tokens[id]) >= 0)
            spec.tokenTypes[id] = TokenType::Byte;
}

// A token name in tokenizer_config.json: "<s>", {"content": "<s>", ...} or null. A name missing from
// the vocabulary is an error for BOS/EOS (`required`) and ignored otherwise.
int32_t configTokenId(const TokenizerSpec &spec, const Json &config, const char *key, bool required = true)
{
    const auto it = config.find(key);
    if (it == config.end() || it->is_null())
        return -1;
    const std::string name = it->is_object() ? it->at("content").get<std::string>() : it->get<std::string>();
    const int32_t id = spec.findToken(name);
    if (id < 0 && required)
        throw TokenizerFormatError(std::string("tokenizer_config.json: ") + key + " " + quotedName(name) +
                                   " is not in the vocabulary");
    return id;
}

std::string chatTemplateOf(const Json &config)
{
    const auto it = config.find("chat_template");
    if (it == config.end() || it->is_null())
        return {};
    if (it->is_string())
        return it->get<std::string>();
    // A list of named templates: the "default" one, else the first.
    for (const Json &t : *it)
        if (t.value("name", "") == "default")
            return t.at("template").get<std::string>();
    return it->empty() ? std::string() : (*it)[0].at("template").get<std::string>();
}

int32_t firstControl(const TokenizerSpec &spec, std::initializer_list<const char *> names)
{
    for (const char *name : names)
        if (const int32_t id = spec.findToken(name); id >= 0 && spec.tokenTypes[size_t(id)] == TokenType::Control)
            return id;
    return -1;
}

void applyConfig(TokenizerSpec &spec, const Json &config, const TemplateSpecials &tmpl)
{
    spec.bosId = tmpl.bos;
    spec.eosId = tmpl.eos;
    spec.addBos = tmpl.bos >= 0;
    spec.addEos = tmpl.eos >= 0;
    if (!config.is_null()) {
        if (const int32_t bos = configTokenId(spec, config, "bos_token"); bos >= 0 || config.contains("bos_token"))
            spec.bosId = bos;
        if (const int32_t eos = configTokenId(spec, config, "eos_token"); eos >= 0 || config.contains("eos_token"))
            spec.eosId = eos;
        spec.padId = configTokenId(spec, config, "pad_token", false);
        if (const int32_t unk = configTokenId(spec, config, "unk_token", false); unk >= 0)
            spec.unkId = unk;
        spec.addBos = boolOr(config, "add_bos_token", spec.addBos);
        spec.addEos = boolOr(config, "add_eos_token", spec.addEos);
        spec.chatTemplate = chatTemplateOf(config);
    } else {
        if (spec.bosId < 0)
            spec.bosId = firstControl(spec, {"<s>", "<|begin_of_text|>", "<bos>", "<|startoftext|>",
                                             "<\xEF\xBD\x9C" "begin\xE2\x96\x81of\xE2\x96\x81sentence\xEF\xBD\x9C>"});
        if (spec.eosId < 0)
            spec.eosId = firstControl(spec, {"</s>", "<|endoftext|>", "<|end_of_text|>", "<eos>",
                                             "<\xEF\xBD\x9C" "end\xE2\x96\x81of\xE2\x96\x81sentence\xEF\xBD\x9C>"});
    }
}

void finishModelKind(TokenizerSpec &spec)
{
    bool byteLevel = false;
    for (const PreTokenizerStep &step : spec.preTokenizers)
        byteLevel = byteLevel || step.kind == PreTokenizerStep::Kind::ByteLevel;
    spec.model = byteLevel ? TokenizerModel::ByteLevelBpe : TokenizerModel::SentencePieceBpe;
    if (spec.decoder.byteLevel && !byteLevel)
        fail("decoder ByteLevel without a ByteLevel pre_tokenizer is not supported");
    spec.decoder.byteLevel = byteLevel;
    if (byteLevel && spec.byteFallback)
        fail("model.byte_fallback together with a ByteLevel pre_tokenizer is not supported");
    if (spec.byteFallback)
        markByteTokens(spec);
}

// A top-level part by reference (value() would copy it), or `fallback` when absent.
const Json &partOf(const Json &root, const char *key, const Json &fallback = Json())
{
    const auto it = root.find(key);
    return it == root.end() ? fallback : *it;
}

// The largest tokenizer.json or tokenizer_config.json read (the parsed value takes several times
// the text) [real: <= 35 MiB].
constexpr std::streamoff kMaxFileBytes = std::streamoff(256) << 20;

std::string readFile(const std::string &path)
{
    std::ifstream in(path, std::ios::binary | std::ios::ate);
    if (!in)
        throw TokenizerFormatError("cannot open tokenizer file " + quotedName(path, 1000));
    const std::streamoff size = in.tellg();
    if (size > kMaxFileBytes)
        throw TokenizerFormatError(quotedName(path, 1000) + " is " + std::to_string(size >> 20) +
                                   " MiB (at most " + std::to_string(kMaxFileBytes >> 20) + ")");
    in.seekg(0);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

} // namespace

TokenizerSpec tokenizerSpecFromHfJson(std::string_view tokenizerJson, std::string_view configJson)
{
    const Json root = parse(tokenizerJson, "tokenizer.json");
    const Json config = configJson.empty() ? Json() : parse(configJson, "tokenizer_config.json");
    TokenizerSpec spec;
    try {
        const int64_t maxId = maxTokenId(root);
        parseModel(root.at("model"), maxId, spec);
        parseAddedTokens(partOf(root, "added_tokens", Json::array()), maxId, spec);
        parseNormalizer(partOf(root, "normalizer"), spec.normalizers);
        parsePreTokenizer(partOf(root, "pre_tokenizer"), spec.preTokenizers);
        parseDecoder(partOf(root, "decoder"), spec.decoder);
        TemplateSpecials tmpl;
        parsePostProcessor(partOf(root, "post_processor"), tmpl);
        finishModelKind(spec);
        spec.indexTokens();
        applyConfig(spec, config, tmpl);
    } catch (const Json::exception &e) {
        fail("unexpected structure: " + printable(e.what(), 300));
    }
    deriveEndOfGeneration(spec);
    validateTokenizerSpec(spec);
    return spec;
}

TokenizerSpec loadHfTokenizerSpec(const std::string &tokenizerJsonPath, const std::string &configPath)
{
    const std::string json = readFile(tokenizerJsonPath);
    const std::string config = configPath.empty() ? std::string() : readFile(configPath);
    return tokenizerSpecFromHfJson(json, config);
}

} // namespace enclave
