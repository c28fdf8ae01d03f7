// Where tests find the source tree's assets and fixtures, and the built program.
#pragma once

#include <filesystem>

namespace bitswitch::testing {

std::filesystem::path source_dir();
std::filesystem::path fixture_path(const std::string& name);  // tests/fixtures/<name>
std::filesystem::path asset(const std::string& relative);     // assets/<relative>
std::filesystem::path bitswitch_program();                    // build/bitswitch

}  // namespace bitswitch::testing
