#include "support/paths.h"

#include <cstdlib>

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
std::filesystem::path llama_cpp_bin() {
    if (const char* dir = std::getenv("BITSWITCH_LLAMA_CPP_BIN")) return dir;
    const auto built = std::filesystem::path(BITSWITCH_BINARY_DIR) / "peers" / "llama.cpp-build" / "bin";
    return std::filesystem::exists(built / "llama-perplexity") ? built : std::filesystem::path();
}

}  // namespace bitswitch::testing
