// JSON files read with the one error message every input file gets: "FILE: not valid JSON (...)".
#pragma once

#include <filesystem>

#include <nlohmann/json.hpp>

namespace bitswitch::core {

/// Parses `path`; InputError naming the file (missing, unreadable or malformed).
nlohmann::json read_json_file(const std::filesystem::path& path);

}  // namespace bitswitch::core
