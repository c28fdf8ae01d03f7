#include "bitswitch/text/pretokenizer.h"

#include <gtest/gtest.h>

namespace bitswitch::text {
namespace {

std::vector<std::string> split(std::string_view s) {
    std::vector<std::string> out;
    for (const Piece& p : gpt2_pretokenize(s)) out.emplace_back(s.substr(p.begin, p.end - p.begin));
    return out;
}

using Pieces = std::vector<std::string>;

// Expected pieces worked out by hand from the regex
//   's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
TEST(Pretokenizer, ContractionsOnlyLowercaseAndAtTheirOwnPosition) {
    EXPECT_EQ(split("I'm don't"), (Pieces{"I", "'m", " don", "'t"}));
    EXPECT_EQ(split("WE'LL"), (Pieces{"WE", "'", "LL"}));  // uppercase: not a contraction
    EXPECT_EQ(split("?'s"), (Pieces{"?'", "s"}));          // the punctuation run swallows the quote
    EXPECT_EQ(split(" 's"), (Pieces{" '", "s"}));          // the optional space binds to the quote
}

TEST(Pretokenizer, OptionalSpaceLeadsLettersNumbersAndPunctuation) {
    EXPECT_EQ(split("Hello world 42 !?"), (Pieces{"Hello", " world", " 42", " !?"}));
    EXPECT_EQ(split("abc123def"), (Pieces{"abc", "123", "def"}));
    EXPECT_EQ(split("caf\xC3\xA9!"), (Pieces{"caf\xC3\xA9", "!"}));
}

TEST(Pretokenizer, WhitespaceRunGivesItsLastCharacterToTheNextWord) {
    EXPECT_EQ(split("a   b"), (Pieces{"a", "  ", " b"}));
    EXPECT_EQ(split("a\n\nb"), (Pieces{"a", "\n", "\n", "b"}));  // '\n' is not the optional ' '
    EXPECT_EQ(split("a\nb"), (Pieces{"a", "\n", "b"}));          // run of one: falls to plain \s+
    EXPECT_EQ(split("a  "), (Pieces{"a", "  "}));                // at the end: the whole run
    EXPECT_EQ(split("  "), (Pieces{"  "}));
}

TEST(Pretokenizer, UnicodeClasses) {
    // U+3000 (ideographic space) is White_Space; U+FEFF (BOM) is not, so it is punctuation-like.
    EXPECT_EQ(split("a\xE3\x80\x80"
                    "b"),
              (Pieces{"a", "\xE3\x80\x80", "b"}));
    EXPECT_EQ(split("a\xEF\xBB\xBF"
                    "b"),
              (Pieces{"a", "\xEF\xBB\xBF", "b"}));
    // A combining mark (U+0301) is neither a letter nor a number.
    EXPECT_EQ(split("e\xCC\x81"), (Pieces{"e", "\xCC\x81"}));
}

TEST(Pretokenizer, PiecesCoverTheInputInOrder) {
    const std::string s = "Mixed: text, 123 numbers\n\n and  \t spaces! 'quoted' \xF0\x9F\x98\x80";
    size_t pos          = 0;
    for (const Piece& p : gpt2_pretokenize(s)) {
        EXPECT_EQ(p.begin, pos);
        EXPECT_GT(p.end, p.begin);
        pos = p.end;
    }
    EXPECT_EQ(pos, s.size());
}

}  // namespace
}  // namespace bitswitch::text
