// UTF-8 decoding with the WHATWG / Unicode "maximal subpart" replacement policy: every invalid sequence
// becomes one U+FFFD, exactly as Python's bytes.decode("utf-8", "replace") and JavaScript's TextDecoder do.
// Offsets reported to users are code point indices (the unit of SQuAD's answer_start = Python str indices).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace bitswitch::text {

inline constexpr char32_t kReplacementChar = 0xFFFD;

/// Decodes the code point starting at `s[pos]`; returns the number of bytes it spans (1..4). An invalid
/// sequence yields kReplacementChar and the length of its maximal subpart (at least 1).
size_t utf8_next(std::string_view s, size_t pos, char32_t* cp);

/// True if `s` is well-formed UTF-8 (no overlongs, no surrogates, nothing above U+10FFFF).
bool utf8_is_valid(std::string_view s);

/// `s` with every invalid sequence replaced by U+FFFD (returns `s` unchanged when it is valid).
std::string utf8_sanitize(std::string_view s);

/// Appends the UTF-8 encoding of `cp` to `out`.
void utf8_append(std::string& out, char32_t cp);

/// Code points of a (sanitized) UTF-8 string.
std::u32string utf8_to_u32(std::string_view s);
std::string u32_to_utf8(std::u32string_view s);

/// Number of code points in `s` (invalid sequences count as one each, like their replacement).
size_t utf8_length(std::string_view s);

/// For every byte of `s` the index of the code point it belongs to, plus one final entry = code point count.
/// Maps byte spans to code point spans in O(1).
std::vector<int64_t> utf8_byte_to_code_point(std::string_view s);

}  // namespace bitswitch::text
