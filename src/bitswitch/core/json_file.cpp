#include "bitswitch/core/json_file.h"

#include <sstream>

#include <fmt/format.h>

#include "bitswitch/core/error.h"
#include "bitswitch/core/io.h"

namespace bitswitch::core {

nlohmann::json read_json_file(const std::filesystem::path& path) {
    return parse_json(read_file(path), path.string());
}

nlohmann::json parse_json(std::string_view text, const std::string& name) {
    try {
        return nlohmann::json::parse(text);
    } catch (const nlohmann::json::exception& e) {  // parse_error, and out_of_range for a number like 1e400
        throw InputError(fmt::format("{}: not valid JSON ({})", name, e.what()));
    }
}

std::vector<JsonLine> read_json_lines(const std::filesystem::path& path) {
    std::vector<JsonLine> out;
    std::istringstream in(read_file(path));
    int number = 0;
    for (std::string line; std::getline(in, line);) {
        ++number;
        if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
        out.push_back({number, parse_json(line, fmt::format("{}:{}", path.string(), number))});
    }
    return out;
}

}  // namespace bitswitch::core
