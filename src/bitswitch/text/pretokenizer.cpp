// The GPT-2 pre-tokenizer as a hand-written scanner. Each branch below is one alternative of the regex,
// tried in the regex's order; the comments name the alternative.
#include "bitswitch/text/pretokenizer.h"

#include "bitswitch/text/unicode.h"
#include "bitswitch/text/utf8.h"

namespace bitswitch::text {
namespace {

struct Char {
    CharClass cls;
    size_t len;  // bytes
};

// The class of the character at `pos`, or Other with len 0 at the end of the text.
inline Char char_at(std::string_view s, size_t pos) {
    if (pos >= s.size()) return {CharClass::Other, 0};
    char32_t cp;
    const size_t len = utf8_next(s, pos, &cp);
    return {classify(cp), len};
}

// Length of the contraction ('s 't 're 've 'm 'll 'd) starting at `pos`, or 0. Case-sensitive, ASCII only.
inline size_t contraction_length(std::string_view s, size_t pos) {
    if (s[pos] != '\'' || pos + 1 >= s.size()) return 0;
    const char c = s[pos + 1];
    if (c == 's' || c == 't' || c == 'm' || c == 'd') return 2;
    if (pos + 2 < s.size()) {
        const char c2 = s[pos + 2];
        if ((c == 'r' && c2 == 'e') || (c == 'v' && c2 == 'e') || (c == 'l' && c2 == 'l')) return 3;
    }
    return 0;
}

// End of the run of characters of class `cls` starting at `pos` (Other means "not L, N or whitespace").
inline size_t run_end(std::string_view s, size_t pos, CharClass cls) {
    while (pos < s.size()) {
        const Char c = char_at(s, pos);
        if (c.cls != cls) break;
        pos += c.len;
    }
    return pos;
}

}  // namespace

std::vector<Piece> gpt2_pretokenize(std::string_view s) {
    std::vector<Piece> pieces;
    pieces.reserve(s.size() / 4 + 1);
    size_t pos = 0;
    while (pos < s.size()) {
        // 's|'t|'re|'ve|'m|'ll|'d
        if (const size_t n = contraction_length(s, pos)) {
            pieces.push_back({pos, pos + n});
            pos += n;
            continue;
        }
        //  ?\p{L}+ |  ?\p{N}+ |  ?[^\s\p{L}\p{N}]+  : an optional ASCII space, then a run of one class.
        const size_t after_space = s[pos] == ' ' ? pos + 1 : pos;
        const Char first         = char_at(s, after_space);
        if (first.len > 0 && first.cls != CharClass::Whitespace) {
            const size_t end = run_end(s, after_space + first.len, first.cls);
            pieces.push_back({pos, end});
            pos = end;
            continue;
        }
        // \s+(?!\S) | \s+ : a whitespace run. If non-whitespace follows, the lookahead makes the first
        // alternative give back the run's last character (which then leads the next piece, e.g. " word");
        // a run of one character followed by non-whitespace falls through to the plain \s+.
        size_t end = pos, last_start = pos;
        while (end < s.size()) {
            const Char c = char_at(s, end);
            if (c.cls != CharClass::Whitespace) break;
            last_start = end;
            end += c.len;
        }
        if (end < s.size() && last_start > pos) end = last_start;
        pieces.push_back({pos, end});
        pos = end;
    }
    return pieces;
}

}  // namespace bitswitch::text
