// tokenizer.json reader. The file has five parts that matter here: "model" (vocab, merges, flags),
// "added_tokens", "normalizer", "pre_tokenizer", "decoder" and "post_processor"; each part is a
// tagged object {"type": ..., ...}, Sequence types nest. tokenizer_config.json adds the BOS/EOS
// choices and the chat template.
#include "engine/text/hf_tokenizer_json.h"

#include <nlohmann/json.hpp>

#include <array>
#include <fstream>
#include <sstream>
#include <tuple>

namespace enclave {

namespace {

using Json = nlohmann::json;

[[noreturn]] void fail(const std::string &message) { throw TokenizerFormatError("tokenizer.json: " + message); }

bool boolOr(const Json &j, const char *key, bool fallback)
{
    const auto it = j.find(key);
    return it == j.end() || it->is_null() ? fallback : it->get<bool>();
}

std::string stringOr(const Json &j, const char *key, const std::string &fallback)
{
    const auto it = j.find(key);
    return it == j.end() || it->is_null() ? fallback : it->get<std::string>();
}

std::string typeOf(const Json &j, const std::string &part)
{
    const auto it = j.find("type");
    if (!j.is_object() || it == j.end() || !it->is_string())
        fail(part + " has no \"type\"");
    return it->get<std::string>();
}

// {"String": "..."} or {"Regex": "..."} -> text and whether it is a regex.
std::pair<std::string, bool> patternOf(const Json &j, const std::string &where)
{
    const Json &p = j.at("pattern");
    if (p.contains("String"))
        return {p["String"].get<std::string>(), false};
    if (p.contains("Regex"))
        return {p["Regex"].get<std::string>(), true};
    fail(where + " pattern is neither String nor Regex");
}

void setToken(TokenizerSpec &spec, int64_t id, const std::string &text, TokenType type)
{
    if (id < 0 || id > (int64_t(1) << 24))
        fail("token id " + std::to_string(id) + " of '" + text + "' is out of range");
    if (size_t(id) >= spec.tokens.size()) {
        spec.tokens.resize(size_t(id) + 1);
        spec.tokenTypes.resize(size_t(id) + 1, TokenType::Unused);
    }
    spec.tokens[size_t(id)] = text;
    spec.tokenTypes[size_t(id)] = type;
}

void parseMerges(const Json &merges, TokenizerSpec &spec)
{
    spec.merges.reserve(merges.size());
    for (const Json &m : merges) {
        if (m.is_array() && m.size() == 2) {
            spec.merges.emplace_back(m[0].get<std::string>(), m[1].get<std::string>());
            continue;
        }
        const std::string s = m.get<std::string>();
        const size_t space = s.find(' ', 1);
        if (space == std::string::npos)
            fail("model.merges entry '" + s + "' is not two tokens separated by a space");
        spec.merges.emplace_back(s.substr(0, space), s.substr(space + 1));
    }
}

void parseModel(const Json &model, TokenizerSpec &spec)
{
    const std::string type = stringOr(model, "type", "BPE");
    if (type != "BPE")
        fail("model type '" + type + "' is not supported (only BPE)");
    for (const char *key : {"continuing_subword_prefix", "end_of_word_suffix"})
        if (!stringOr(model, key, "").empty())
            fail(std::string("model.") + key + " is not supported");
    for (const auto &[text, id] : model.at("vocab").items())
        setToken(spec, id.get<int64_t>(), text, TokenType::Normal);
    // note: without merges the vocabulary order decides (tiktoken-style conversions).
    parseMerges(model.value("merges", Json::array()), spec);
    spec.byteFallback = boolOr(model, "byte_fallback", false);
    spec.fuseUnk = boolOr(model, "fuse_unk", false);
    spec.ignoreMerges = boolOr(model, "ignore_merges", false);
    spec.indexTokens();
    if (const std::string unk = stringOr(model, "unk_token", ""); !unk.empty())
        spec.unkId = spec.findToken(unk);
}

void parseAddedTokens(const Json &added, TokenizerSpec &spec)
{
    for (const Json &t : added) {
        AddedToken a;
        a.id = t.at("id").get<int32_t>();
        a.content = t.at("content").get<std::string>();
        a.special = boolOr(t, "special", false);
        a.lstrip = boolOr(t, "lstrip", false);
        a.rstrip = boolOr(t, "rstrip", false);
        a.normalized = boolOr(t, "normalized", !a.special);
        a.singleWord = boolOr(t, "single_word", false);
        setToken(spec, a.id, a.content, a.special ? TokenType::Control : TokenType::UserDefined);
        spec.addedTokens.push_back(std::move(a));
    }
}

void parseNormalizer(const Json &n, std::vector<NormalizerStep> &out)
{
    if (n.is_null())
        return;
    const std::string type = typeOf(n, "normalizer");
    NormalizerStep step;
    if (type == "Sequence") {
        for (const Json &inner : n.at("normalizers"))
            parseNormalizer(inner, out);
        return;
    } else if (type == "NFC" || type == "NFD" || type == "NFKC" || type == "NFKD") {
        step.kind = type == "NFC" ? NormalizerStep::Kind::Nfc : type == "NFD" ? NormalizerStep::Kind::Nfd
                  : type == "NFKC" ? NormalizerStep::Kind::Nfkc : NormalizerStep::Kind::Nfkd;
    } else if (type == "Prepend") {
        step.kind = NormalizerStep::Kind::Prepend;
        step.content = n.at("prepend").get<std::string>();
    } else if (type == "Replace") {
        step.kind = NormalizerStep::Kind::Replace;
        std::tie(step.pattern, step.patternIsRegex) = patternOf(n, "normalizer Replace");
        step.content = n.at("content").get<std::string>();
    } else {
        fail("normalizer '" + type + "' is not supported");
    }
    out.push_back(std::move(step));
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
    fail("pre_tokenizer Split behavior '" + name + "' is not supported");
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
        fail("Metaspace prepend_scheme '" + s + "' is not supported");
    }
    return boolOr(n, "add_prefix_space", true) ? PrependScheme::Always : PrependScheme::Never;
}

void parsePreTokenizer(const Json &n, std::vector<PreTokenizerStep> &out)
{
    if (n.is_null())
        return;
    const std::string type = typeOf(n, "pre_tokenizer");
    PreTokenizerStep step;
    if (type == "Sequence") {
        for (const Json &inner : n.at("pretokenizers"))
            parsePreTokenizer(inner, out);
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
        step.replacement = stringOr(n, "replacement", step.replacement);
        step.prependScheme = prependSchemeOf(n);
        step.metaspaceSplit = boolOr(n, "split", true);
    } else if (type == "Digits") {
        step.kind = PreTokenizerStep::Kind::Digits;
        step.individualDigits = boolOr(n, "individual_digits", false);
    } else {
        fail("pre_tokenizer '" + type + "' is not supported");
    }
    out.push_back(std::move(step));
}

void parseDecoder(const Json &n, DecoderSpec &d)
{
    if (n.is_null())
        return;
    const std::string type = typeOf(n, "decoder");
    if (type == "Sequence") {
        for (const Json &inner : n.at("decoders"))
            parseDecoder(inner, d);
    } else if (type == "ByteLevel") {
        d.byteLevel = true;
    } else if (type == "Metaspace") {
        d.replacements.emplace_back(stringOr(n, "replacement", "\xE2\x96\x81"), " ");
        if (prependSchemeOf(n) != PrependScheme::Never)
            d.stripLeadingSpaces = 1;
    } else if (type == "Replace") {
        const auto [pattern, isRegex] = patternOf(n, "decoder Replace");
        if (isRegex)
            fail("decoder Replace with a Regex pattern is not supported");
        d.replacements.emplace_back(pattern, n.at("content").get<std::string>());
    } else if (type == "ByteFallback") {
        d.byteFallback = true;
    } else if (type == "Fuse") {
        // Decoding always joins the token texts.
    } else if (type == "Strip") {
        if (stringOr(n, "content", " ") != " " || n.value("stop", 0) != 0)
            fail("decoder Strip is supported only for leading spaces");
        d.stripLeadingSpaces = n.value("start", 0);
    } else {
        fail("decoder '" + type + "' is not supported");
    }
}

struct TemplateSpecials {
    int32_t bos = -1;
    int32_t eos = -1;
};

int32_t templateTokenId(const Json &p, const std::string &name)
{
    const Json &ids = p.at("special_tokens").at(name).at("ids");
    if (ids.size() != 1)
        fail("post_processor special token '" + name + "' must have exactly one id");
    return ids[0].get<int32_t>();
}

void parsePostProcessor(const Json &p, TemplateSpecials &out)
{
    if (p.is_null())
        return;
    const std::string type = typeOf(p, "post_processor");
    if (type == "ByteLevel")
        return;
    if (type == "Sequence") {
        for (const Json &inner : p.at("processors"))
            parsePostProcessor(inner, out);
        return;
    }
    if (type != "TemplateProcessing")
        fail("post_processor '" + type + "' is not supported");
    std::vector<int32_t> before, after;
    bool seenText = false;
    for (const Json &item : p.at("single")) {
        if (item.contains("Sequence"))
            seenText = true;
        else if (item.contains("SpecialToken"))
            (seenText ? after : before).push_back(templateTokenId(p, item["SpecialToken"].at("id")));
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
        throw TokenizerFormatError(std::string("tokenizer_config.json: ") + key + " '" + name +
                                   "' is not in the vocabulary");
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

Json parseJson(std::string_view text, const char *name)
{
    try {
        return Json::parse(text.begin(), text.end());
    } catch (const Json::exception &e) {
        throw TokenizerFormatError(std::string(name) + ": not valid JSON: " + e.what());
    }
}

std::string readFile(const std::string &path)
{
    std::ifstream in(path, std::ios::binary);
    if (!in)
        throw TokenizerFormatError("cannot open tokenizer file '" + path + "'");
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

} // namespace

TokenizerSpec tokenizerSpecFromHfJson(std::string_view tokenizerJson, std::string_view configJson)
{
    const Json root = parseJson(tokenizerJson, "tokenizer.json");
    const Json config = configJson.empty() ? Json() : parseJson(configJson, "tokenizer_config.json");
    TokenizerSpec spec;
    try {
        parseModel(root.at("model"), spec);
        parseAddedTokens(root.value("added_tokens", Json::array()), spec);
        parseNormalizer(root.value("normalizer", Json()), spec.normalizers);
        parsePreTokenizer(root.value("pre_tokenizer", Json()), spec.preTokenizers);
        parseDecoder(root.value("decoder", Json()), spec.decoder);
        TemplateSpecials tmpl;
        parsePostProcessor(root.value("post_processor", Json()), tmpl);
        finishModelKind(spec);
        spec.indexTokens();
        applyConfig(spec, config, tmpl);
    } catch (const Json::exception &e) {
        fail(std::string("unexpected structure: ") + e.what());
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
