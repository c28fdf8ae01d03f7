// Where tests find the source tree's assets and fixtures, and the built program.
#pragma once

#include <filesystem>

namespace bitswitch::testing {

std::filesystem::path source_dir();
std::filesystem::path fixture_path(const std::string& name);  // tests/fixtures/<name>
std::filesystem::path asset(const std::string& relative);     // assets/<relative>
std::filesystem::path bitswitch_program();                    // build/bitswitch
/// llama.cpp's programs: $BITSWITCH_LLAMA_CPP_BIN, else build/peers/llama.cpp-build/bin when
/// bench/peers/build_llama_cpp.sh has built them, else empty (tests that need the peer skip).
std::filesystem::path llama_cpp_bin();

}  // namespace bitswitch::testing
