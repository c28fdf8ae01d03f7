// One name table per enum: the spelling users write in flags and config files and read in JSON output.
// Parsing, validation, --help and JSON all read the same rows, so a new value is one line in its table.
//   enum class Mode { kStatic, kCyclic };
//   inline constexpr core::EnumName<Mode> kModeNames[] = {{Mode::kStatic, "static"},
//                                                         {Mode::kCyclic, "cyclic"}};
//   enum_from_name(kModeNames, "cyclic", "--mode")  -> Mode::kCyclic
//   enum_name(kModeNames, Mode::kStatic)            -> "static"
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "bitswitch/core/error.h"

namespace bitswitch::core {

template <class E>
struct EnumName {
    E value;
    const char* name;
};

/// "a, b or c": the choices of a table, for messages and --help.
template <class E, size_t N>
std::string enum_choices(const EnumName<E> (&table)[N]) {
    std::string s;
    for (size_t i = 0; i < N; ++i) s += std::string(i == 0 ? "" : i + 1 == N ? " or " : ", ") + table[i].name;
    return s;
}

/// Every name of a table, in order.
template <class E, size_t N>
std::vector<std::string> enum_name_list(const EnumName<E> (&table)[N]) {
    std::vector<std::string> names;
    for (const auto& row : table) names.emplace_back(row.name);
    return names;
}

/// The value named `text`; InputError "<what> <text>: expected a, b or c" otherwise.
template <class E, size_t N>
E enum_from_name(const EnumName<E> (&table)[N], std::string_view text, std::string_view what) {
    for (const auto& row : table) {
        if (text == row.name) return row.value;
    }
    throw InputError(std::string(what) + " " + std::string(text) + ": expected " + enum_choices(table));
}

/// The name of `value` (every value has a row: the tables are complete by construction and by test).
template <class E, size_t N>
const char* enum_name(const EnumName<E> (&table)[N], E value) {
    for (const auto& row : table) {
        if (row.value == value) return row.name;
    }
    return "?";
}

}  // namespace bitswitch::core
