#include "bitswitch/text/utf8.h"

#include <gtest/gtest.h>

namespace bitswitch::text {
namespace {

std::string from_hex(const std::string& hex) {
    std::string out;
    for (size_t i = 0; i < hex.size(); i += 2) out.push_back(char(std::stoi(hex.substr(i, 2), nullptr, 16)));
    return out;
}

const std::string kFffd = "\xEF\xBF\xBD";

TEST(Utf8, ValidTextIsUnchanged) {
    const std::string s = "a\xC3\xA9\xE6\x97\xA5\xF0\x9F\x98\x80";  // a é 日 😀
    EXPECT_TRUE(utf8_is_valid(s));
    EXPECT_EQ(utf8_sanitize(s), s);
    EXPECT_EQ(utf8_length(s), 4u);
    EXPECT_EQ(utf8_to_u32(s), (std::u32string{U'a', 0xE9, 0x65E5, 0x1F600}));
    EXPECT_EQ(u32_to_utf8(utf8_to_u32(s)), s);
}

// Expected replacements follow the WHATWG/Unicode "maximal subpart" rule (one U+FFFD per maximal subpart),
// which Python's decode(errors="replace") and JavaScript's TextDecoder share.
TEST(Utf8, InvalidSequencesBecomeOneReplacementPerMaximalSubpart) {
    const struct {
        std::string hex;
        std::string expected;
    } cases[] = {
        {"ff", kFffd},                                // never a lead byte
        {"80bf", kFffd + kFffd},                      // lone continuations: one each
        {"c0af", kFffd + kFffd},                      // C0 is never valid: overlong '/'
        {"e080af", kFffd + kFffd + kFffd},            // E0 80: second byte below A0 (overlong)
        {"eda080", kFffd + kFffd + kFffd},            // ED A0: a UTF-16 surrogate
        {"f4908080", kFffd + kFffd + kFffd + kFffd},  // above U+10FFFF
        {"e282", kFffd},                              // truncated at the end: one for the subpart
        {"61e28262", "a" + kFffd + "b"},              // truncated in the middle
        {"c328", kFffd + "("},                        // the offending byte starts over
        {"f0f0f0f0", kFffd + kFffd + kFffd + kFffd},
    };
    for (const auto& c : cases) {
        EXPECT_FALSE(utf8_is_valid(from_hex(c.hex))) << c.hex;
        EXPECT_EQ(utf8_sanitize(from_hex(c.hex)), c.expected) << c.hex;
        EXPECT_EQ(utf8_length(from_hex(c.hex)), utf8_length(c.expected)) << c.hex;
    }
}

TEST(Utf8, ReplacementCharacterInInputIsValid) {
    EXPECT_TRUE(utf8_is_valid("x" + kFffd));
}

TEST(Utf8, ByteToCodePointMapsEveryByteOfACharacterToItsIndex) {
    const std::string s =
        "a\xC3\xA9"
        "b";  // a é b
    EXPECT_EQ(utf8_byte_to_code_point(s), (std::vector<int64_t>{0, 1, 1, 2, 3}));
}

}  // namespace
}  // namespace bitswitch::text
