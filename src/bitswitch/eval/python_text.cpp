// Python str semantics from generated tables.
#include "bitswitch/eval/python_text.h"

#include <algorithm>
#include <iterator>

#include "bitswitch/text/unicode.h"

namespace bitswitch::eval {
namespace {

using text::CodePointRange;
using text::in_ranges;

struct LowerMapping {
    char32_t from;
    char32_t to[3];  // 0-terminated when shorter
};

#include "bitswitch/eval/python_text_table.inc"

bool is_cased(char32_t cp) {
    return in_ranges(cp, std::begin(kPyCasedRanges), std::end(kPyCasedRanges));
}
bool is_case_ignorable(char32_t cp) {
    return in_ranges(cp, std::begin(kPyCaseIgnorableRanges), std::end(kPyCaseIgnorableRanges));
}

// CPython's rule: Σ is final when a cased letter precedes it and none follows, skipping case-ignorables.
bool is_final_sigma(const std::u32string& s, size_t i) {
    size_t j = i;
    while (j > 0 && is_case_ignorable(s[j - 1])) --j;
    if (j == 0 || !is_cased(s[j - 1])) return false;
    size_t k = i + 1;
    while (k < s.size() && is_case_ignorable(s[k])) ++k;
    return k == s.size() || !is_cased(s[k]);
}

}  // namespace

std::u32string py_lower(const std::u32string& s) {
    std::u32string out;
    out.reserve(s.size());
    for (size_t i = 0; i < s.size(); ++i) {
        const char32_t cp = s[i];
        if (cp < 0x80) {
            out.push_back(cp >= 'A' && cp <= 'Z' ? cp + 32 : cp);
            continue;
        }
        if (cp == 0x3A3) {
            out.push_back(is_final_sigma(s, i) ? 0x3C2 : 0x3C3);
            continue;
        }
        const auto it = std::lower_bound(std::begin(kPyLowerMappings), std::end(kPyLowerMappings), cp,
                                         [](const LowerMapping& m, char32_t c) { return m.from < c; });
        if (it == std::end(kPyLowerMappings) || it->from != cp) {
            out.push_back(cp);
            continue;
        }
        for (const char32_t to : it->to) {
            if (to != 0) out.push_back(to);
        }
    }
    return out;
}

bool py_is_space(char32_t cp) {
    return in_ranges(cp, std::begin(kPySpaceRanges), std::end(kPySpaceRanges));
}

bool py_is_word(char32_t cp) {
    if (cp < 0x80)
        return (cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z') || (cp >= '0' && cp <= '9') || cp == '_';
    return in_ranges(cp, std::begin(kPyWordRanges), std::end(kPyWordRanges));
}

std::vector<std::u32string> py_split(const std::u32string& s) {
    std::vector<std::u32string> parts;
    size_t i = 0;
    while (i < s.size()) {
        while (i < s.size() && py_is_space(s[i])) ++i;
        const size_t start = i;
        while (i < s.size() && !py_is_space(s[i])) ++i;
        if (i > start) parts.push_back(s.substr(start, i - start));
    }
    return parts;
}

}  // namespace bitswitch::eval
