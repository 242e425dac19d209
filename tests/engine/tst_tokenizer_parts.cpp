// The tokenizer's building blocks on their own: UTF-8 helpers, normalization, the byte-level alphabet,
// regex splitting with every tokenizer.json split behavior, and added-token matching rules.
#include "engine/text/added_token_matcher.h"
#include "engine/text/normalizer.h"
#include "engine/text/pre_tokenizer.h"
#include "engine/text/unicode_text.h"

#include <QtTest>

using namespace enclave;
using Words = std::vector<std::string>;

namespace {

const std::string kReplacement = "\xEF\xBF\xBD";

Words splitWith(const std::string &pattern, SplitBehavior behavior, bool invert, const std::string &text)
{
    PreTokenizerStep step;
    step.pattern = pattern;
    step.behavior = behavior;
    step.invert = invert;
    Words words;
    PreTokenizer(std::vector<PreTokenizerStep>{step}).split(text, true, words);
    return words;
}

// "text" pieces as strings, tokens as "#id".
Words matchAdded(const AddedTokenMatcher &m, const std::string &text, bool parseSpecial = true)
{
    std::vector<AddedTokenMatcher::Piece> pieces;
    m.split(text, parseSpecial, pieces);
    Words out;
    for (const auto &p : pieces)
        out.push_back(p.id >= 0 ? "#" + std::to_string(p.id) : text.substr(p.start, p.end - p.start));
    return out;
}

AddedToken added(int32_t id, const std::string &content, bool special = true)
{
    AddedToken t;
    t.id = id;
    t.content = content;
    t.special = special;
    return t;
}

} // namespace

class TstTokenizerParts : public QObject {
    Q_OBJECT

private slots:
    void stablePrefix()
    {
        QCOMPARE(utf8StablePrefix("ab"), size_t(2));
        QCOMPARE(utf8StablePrefix("a\xE4\xBD"), size_t(1));
        QCOMPARE(utf8StablePrefix(" \xE4"), size_t(1));
        QCOMPARE(utf8StablePrefix("\xF0\x9F\x98"), size_t(0));
        QCOMPARE(utf8StablePrefix("\xF0\x9F\x98\x80"), size_t(4));
        QCOMPARE(utf8StablePrefix("a\xE4\x41"), size_t(3)); // cannot complete: emit now
        QCOMPARE(utf8StablePrefix(""), size_t(0));
    }

    void sanitize()
    {
        QCOMPARE(sanitizeUtf8("a\xFF" "b"), "a" + kReplacement + "b");
        QCOMPARE(sanitizeUtf8("\xE4\xBD"), kReplacement); // one maximal subpart
        QCOMPARE(sanitizeUtf8("\xED\xA0\x80"), kReplacement + kReplacement + kReplacement); // surrogate
        QCOMPARE(sanitizeUtf8("\xC0\xAF"), kReplacement + kReplacement); // overlong
        QVERIFY(isValidUtf8("\xE4\xBD\xA0 ok \xF0\x9F\x98\x80"));
        QVERIFY(!isValidUtf8("\xF4\x90\x80\x80")); // above U+10FFFF
    }

    void normalForms()
    {
        QCOMPARE(normalizeUnicode("e\xCC\x81", NormalForm::Nfc), std::string("\xC3\xA9"));
        QCOMPARE(normalizeUnicode("\xC3\xA9", NormalForm::Nfd), std::string("e\xCC\x81"));
        QCOMPARE(normalizeUnicode("\xEF\xAC\x81", NormalForm::Nfkc), std::string("fi"));
        QCOMPARE(normalizeUnicode("plain ascii", NormalForm::Nfkd), std::string("plain ascii"));
    }

    void byteLevelAlphabet()
    {
        QCOMPARE(std::string(byteLevelChar(' ')), std::string("\xC4\xA0"));  // Ġ
        QCOMPARE(std::string(byteLevelChar('\n')), std::string("\xC4\x8A")); // Ċ
        QCOMPARE(std::string(byteLevelChar('A')), std::string("A"));
        std::string raw;
        QVERIFY(byteLevelDecode("\xC4\xA0hello", raw));
        QCOMPARE(raw, std::string(" hello"));
        QVERIFY(!byteLevelDecode("\xE2\x96\x81", raw)); // "▁" is not in the alphabet
        for (int b = 0; b < 256; ++b) {
            QVERIFY(byteLevelDecode(byteLevelChar(uint8_t(b)), raw));
            QCOMPARE(raw, std::string(1, char(b)));
        }
    }

    void splitBehaviors()
    {
        const std::string text = "a-b--c-";
        QCOMPARE(splitWith("-", SplitBehavior::Isolated, false, text), (Words{"a", "-", "b", "-", "-", "c", "-"}));
        QCOMPARE(splitWith("-", SplitBehavior::Removed, false, text), (Words{"a", "b", "c"}));
        QCOMPARE(splitWith("-", SplitBehavior::MergedWithPrevious, false, text), (Words{"a-", "b-", "-", "c-"}));
        QCOMPARE(splitWith("-", SplitBehavior::MergedWithNext, false, text), (Words{"a", "-b", "-", "-c", "-"}));
        QCOMPARE(splitWith("-", SplitBehavior::Contiguous, false, text), (Words{"a", "-", "b", "--", "c", "-"}));
        QCOMPARE(splitWith(R"(\w+)", SplitBehavior::Removed, true, "ab, c"), (Words{"ab", "c"}));
    }

    // \p{L} and \s cover all of Unicode, not just ASCII; lookaheads stop at the piece's end.
    void unicodeRegex()
    {
        QCOMPARE(splitWith(R"(\p{L}+|\s+)", SplitBehavior::Isolated, false, "\xD0\x9F\xD1\x80\xC2\xA0x"),
                 (Words{"\xD0\x9F\xD1\x80", "\xC2\xA0", "x"}));
        QCOMPARE(splitWith(kGpt2SplitPattern, SplitBehavior::Isolated, false, "Hi  there's 42"),
                 (Words{"Hi", " ", " there", "'s", " 42"}));
    }

    void emptyMatchesOnlySplit()
    {
        QCOMPARE(splitWith(R"((?=\d{3}$))", SplitBehavior::Isolated, false, "12345"), (Words{"12", "345"}));
    }

    void metaspaceAndDigits()
    {
        PreTokenizerStep meta;
        meta.kind = PreTokenizerStep::Kind::Metaspace;
        meta.prependScheme = PrependScheme::First;
        PreTokenizerStep digits;
        digits.kind = PreTokenizerStep::Kind::Digits;
        digits.individualDigits = true;
        const PreTokenizer pre({meta, digits});
        Words words;
        pre.split("ab c12", true, words);
        QCOMPARE(words, (Words{"\xE2\x96\x81" "ab", "\xE2\x96\x81" "c", "1", "2"}));
        words.clear();
        pre.split("ab", false, words); // not at the start of the text: no prefix
        QCOMPARE(words, (Words{"ab"}));
    }

    void normalizerStages()
    {
        NormalizerStep prepend{NormalizerStep::Kind::Prepend, {}, false, "_"};
        NormalizerStep spaces{NormalizerStep::Kind::Replace, " +", true, "~"};
        const Normalizer n({prepend, spaces});
        QCOMPARE(n.apply("a  b c"), std::string("_a~b~c"));
        QCOMPARE(n.apply(""), std::string());
    }

    void addedTokenRules()
    {
        AddedToken lstrip = added(5, "<mask>");
        lstrip.lstrip = true;
        AddedToken rstrip = added(6, "<x>");
        rstrip.rstrip = true;
        AddedToken word = added(7, "word", false);
        word.singleWord = true;
        const AddedTokenMatcher m({lstrip, rstrip, word, added(8, "ab"), added(9, "abc"), added(10, "n", false)},
                                  false);
        QCOMPARE(matchAdded(m, "hi  <mask>!"), (Words{"hi", "#5", "!"}));
        QCOMPARE(matchAdded(m, "<x>  y"), (Words{"#6", "y"}));
        QCOMPARE(matchAdded(m, "swordfish word."), (Words{"swordfish ", "#7", "."}));
        QCOMPARE(matchAdded(m, "xabcd"), (Words{"x", "#9", "d"}));
        QCOMPARE(matchAdded(m, "abcn", false), (Words{"abc", "#10"})); // special ones off, others stay
        QCOMPARE(matchAdded(m, ""), Words{});
    }

    void addedTokensByNormalizedFlag()
    {
        AddedToken normalized = added(3, "tok", false);
        normalized.normalized = true;
        QVERIFY(AddedTokenMatcher({normalized}, false).empty());
        QVERIFY(!AddedTokenMatcher({normalized}, true).empty());
    }
};

QTEST_GUILESS_MAIN(TstTokenizerParts)
#include "tst_tokenizer_parts.moc"
