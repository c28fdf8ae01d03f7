#include "bitswitch/core/json_file.h"

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

}  // namespace bitswitch::core
