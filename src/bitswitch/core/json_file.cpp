#include "bitswitch/core/json_file.h"

#include <sstream>

#include <fmt/format.h>

#include "bitswitch/core/error.h"
#include "bitswitch/core/io.h"

namespace bitswitch::core {

nlohmann::json read_json_file(const std::filesystem::path& path) {
    try {
        return nlohmann::json::parse(read_file(path));
    } catch (const nlohmann::json::parse_error& e) {
        throw InputError(fmt::format("{}: not valid JSON ({})", path.string(), e.what()));
    }
}

std::vector<JsonLine> read_json_lines(const std::filesystem::path& path) {
    std::vector<JsonLine> out;
    std::istringstream in(read_file(path));
    int number = 0;
    for (std::string line; std::getline(in, line);) {
        ++number;
        if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
        try {
            out.push_back({number, nlohmann::json::parse(line)});
        } catch (const nlohmann::json::parse_error& e) {
            throw InputError(fmt::format("{}:{}: not valid JSON ({})", path.string(), number, e.what()));
        }
    }
    return out;
}

}  // namespace bitswitch::core
