// UTF-8 decoding, validation and replacement (WHATWG decoder, "maximal subpart" of an invalid sequence).
#include "bitswitch/text/utf8.h"

namespace bitswitch::text {

size_t utf8_next(std::string_view s, size_t pos, char32_t* cp) {
    const auto byte  = [&](size_t i) { return static_cast<uint8_t>(s[i]); };
    const uint8_t b0 = byte(pos);
    if (b0 < 0x80) {
        *cp = b0;
        return 1;
    }
    int needed     = 0;
    char32_t value = 0;
    uint8_t lower = 0x80, upper = 0xBF;  // allowed range of the second byte (narrowed for E0/ED/F0/F4)
    if (b0 >= 0xC2 && b0 <= 0xDF) {
        needed = 1;
        value  = b0 & 0x1F;
    } else if (b0 >= 0xE0 && b0 <= 0xEF) {
        needed = 2;
        value  = b0 & 0x0F;
        if (b0 == 0xE0) lower = 0xA0;  // overlong
        if (b0 == 0xED) upper = 0x9F;  // surrogates
    } else if (b0 >= 0xF0 && b0 <= 0xF4) {
        needed = 3;
        value  = b0 & 0x07;
        if (b0 == 0xF0) lower = 0x90;  // overlong
        if (b0 == 0xF4) upper = 0x8F;  // above U+10FFFF
    } else {
        *cp = kReplacementChar;  // continuation byte or C0, C1, F5..FF: never valid as a lead
        return 1;
    }
    size_t len = 1;
    for (int i = 0; i < needed; ++i, ++len) {
        if (pos + len >= s.size()) {
            *cp = kReplacementChar;  // truncated: the bytes so far are the maximal subpart
            return len;
        }
        const uint8_t b = byte(pos + len);
        if (b < lower || b > upper) {
            *cp = kReplacementChar;  // the offending byte starts the next sequence
            return len;
        }
        lower = 0x80;
        upper = 0xBF;
        value = (value << 6) | (b & 0x3F);
    }
    *cp = value;
    return len;
}

bool utf8_is_valid(std::string_view s) {
    size_t pos = 0;
    while (pos < s.size()) {
        if (static_cast<uint8_t>(s[pos]) < 0x80) {  // ASCII fast path
            ++pos;
            continue;
        }
        char32_t cp;
        const size_t len = utf8_next(s, pos, &cp);
        if (cp == kReplacementChar && !(len == 3 && s.compare(pos, 3, "\xEF\xBF\xBD") == 0)) return false;
        pos += len;
    }
    return true;
}

void utf8_append(std::string& out, char32_t cp) {
    if (cp < 0x80) {
        out.push_back(static_cast<char>(cp));
    } else if (cp < 0x800) {
        out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
        out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else if (cp < 0x10000) {
        out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
        out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else {
        out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
        out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    }
}

std::string utf8_sanitize(std::string_view s) {
    if (utf8_is_valid(s)) return std::string(s);
    std::string out;
    out.reserve(s.size() + 16);
    for (size_t pos = 0; pos < s.size();) {
        char32_t cp;
        pos += utf8_next(s, pos, &cp);
        utf8_append(out, cp);
    }
    return out;
}

std::u32string utf8_to_u32(std::string_view s) {
    std::u32string out;
    out.reserve(s.size());
    for (size_t pos = 0; pos < s.size();) {
        char32_t cp;
        pos += utf8_next(s, pos, &cp);
        out.push_back(cp);
    }
    return out;
}

std::string u32_to_utf8(std::u32string_view s) {
    std::string out;
    out.reserve(s.size());
    for (const char32_t cp : s) utf8_append(out, cp);
    return out;
}

size_t utf8_length(std::string_view s) {
    size_t n = 0;
    for (size_t pos = 0; pos < s.size(); ++n) {
        char32_t cp;
        pos += utf8_next(s, pos, &cp);
    }
    return n;
}

std::vector<int64_t> utf8_byte_to_code_point(std::string_view s) {
    std::vector<int64_t> map(s.size() + 1);
    int64_t index = 0;
    for (size_t pos = 0; pos < s.size(); ++index) {
        char32_t cp;
        const size_t len = utf8_next(s, pos, &cp);
        for (size_t i = 0; i < len; ++i) map[pos + i] = index;
        pos += len;
    }
    map[s.size()] = index;
    return map;
}

}  // namespace bitswitch::text
