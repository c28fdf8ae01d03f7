// JSON and JSON-lines files read with the one error message every input file gets: "FILE: not valid JSON
// (...)", or "FILE:LINE: ..." for a line.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace bitswitch::core {

/// Parses `path`; InputError naming the file (missing, unreadable or malformed).
nlohmann::json read_json_file(const std::filesystem::path& path);

/// Parses `text` that came from `name` (a file, a request); InputError "NAME: not valid JSON (...)".
nlohmann::json parse_json(std::string_view text, const std::string& name);

/// One value of a JSON-lines file with its 1-based line number (for messages naming FILE:LINE).
struct JsonLine {
    int line = 0;
    nlohmann::json value;
};

/// The non-blank lines of a JSON-lines file, parsed; InputError "FILE:LINE: not valid JSON (...)".
std::vector<JsonLine> read_json_lines(const std::filesystem::path& path);

}  // namespace bitswitch::core
