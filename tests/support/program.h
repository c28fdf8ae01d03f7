// Runs the built bitswitch program through the shell, for end-to-end tests.
#pragma once

#include <string>

namespace bitswitch::testing {

struct ProgramRun {
    int exit_code;
    std::string out;
    std::string err;
};

/// A shell command, waiting for it; stderr is captured through a temp file.
ProgramRun run_command(const std::string& command);

/// `[env] bitswitch <args>`, waiting for it; stderr is captured through a temp file.
ProgramRun run_bitswitch(const std::string& args, const std::string& env = "");

}  // namespace bitswitch::testing
