// Code point classes used by the GPT-2 pre-tokenizer: \p{L}, \p{N} and \s (Unicode White_Space).
// Tables are generated from ICU by scripts/gen_tokenizer_unicode_tables.mjs.
#pragma once

#include <cstdint>

namespace bitswitch::text {

/// An inclusive range of code points; tables are sorted and disjoint.
struct CodePointRange {
    char32_t first;
    char32_t last;
};

/// True if `cp` lies in one of the sorted ranges [begin, end). Binary search.
bool in_ranges(char32_t cp, const CodePointRange* begin, const CodePointRange* end);

enum class CharClass : uint8_t {
    Letter,      // \p{L}
    Number,      // \p{N}
    Whitespace,  // \s: the White_Space property
    Other,       // everything else (punctuation, symbols, marks, controls, ...)
};

/// The class of one code point (ASCII through a lookup table, the rest through range tables).
CharClass classify(char32_t cp);

}  // namespace bitswitch::text
