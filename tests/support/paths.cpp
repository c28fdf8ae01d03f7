#include "support/paths.h"

namespace bitswitch::testing {

std::filesystem::path source_dir() {
    return BITSWITCH_SOURCE_DIR;
}
std::filesystem::path fixture_path(const std::string& name) {
    return source_dir() / "tests" / "fixtures" / name;
}
std::filesystem::path asset(const std::string& relative) {
    return source_dir() / "assets" / relative;
}
std::filesystem::path bitswitch_program() {
    return std::filesystem::path(BITSWITCH_BINARY_DIR) / "bitswitch";
}

}  // namespace bitswitch::testing
