// The few Python str behaviours the official SQuAD scripts depend on, reproduced exactly (Python 3.11,
// Unicode 14 tables from scripts/gen_python_text_tables.py): lower(), split(), and re's \b word characters.
#pragma once

#include <string>
#include <vector>

namespace bitswitch::eval {

/// str.lower(): full lowercase mapping (U+0130 -> "i̇"), with Final_Sigma for U+03A3.
std::u32string py_lower(const std::u32string& s);
/// str.isspace() of one character (includes U+001C..U+001F, unlike Unicode White_Space).
bool py_is_space(char32_t cp);
/// A word character of Python's re (str.isalnum() or '_'): what \b separates.
bool py_is_word(char32_t cp);
/// str.split() with no argument: runs of isspace() characters separate, empty strings are dropped.
std::vector<std::u32string> py_split(const std::u32string& s);

}  // namespace bitswitch::eval
