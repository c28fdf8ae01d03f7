// Code point classification for the GPT-2 pre-tokenizer.
#include "bitswitch/text/unicode.h"

#include <algorithm>
#include <array>
#include <iterator>

namespace bitswitch::text {
namespace {

#include "bitswitch/text/unicode_classes_table.inc"

CharClass classify_slow(char32_t cp) {
    if (in_ranges(cp, std::begin(kLetterRanges), std::end(kLetterRanges))) return CharClass::Letter;
    if (in_ranges(cp, std::begin(kNumberRanges), std::end(kNumberRanges))) return CharClass::Number;
    if (in_ranges(cp, std::begin(kWhitespaceRanges), std::end(kWhitespaceRanges)))
        return CharClass::Whitespace;
    return CharClass::Other;
}

// Latin-1 covers almost every character of English text: one table lookup instead of three searches.
const std::array<CharClass, 256> kLatin1Classes = [] {
    std::array<CharClass, 256> table{};
    for (char32_t cp = 0; cp < 256; ++cp) table[cp] = classify_slow(cp);
    return table;
}();

}  // namespace

bool in_ranges(char32_t cp, const CodePointRange* begin, const CodePointRange* end) {
    const auto it =
        std::upper_bound(begin, end, cp, [](char32_t c, const CodePointRange& r) { return c < r.first; });
    return it != begin && cp <= std::prev(it)->last;
}

CharClass classify(char32_t cp) {
    return cp < 256 ? kLatin1Classes[cp] : classify_slow(cp);
}

}  // namespace bitswitch::text
