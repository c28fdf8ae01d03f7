#include "support/program.h"

#include <sys/wait.h>
#include <array>
#include <cstdio>

#include "bitswitch/core/io.h"
#include "support/paths.h"
#include "support/temp_dir.h"

namespace bitswitch::testing {

ProgramRun run_command(const std::string& command) {
    TempDir dir;
    const auto err_path   = dir.path() / "stderr";
    const std::string cmd = command + " 2>" + err_path.string();
    FILE* pipe            = popen(cmd.c_str(), "r");
    std::string out;
    std::array<char, 4096> buf{};
    for (size_t n; (n = fread(buf.data(), 1, buf.size(), pipe)) > 0;) out.append(buf.data(), n);
    const int status = pclose(pipe);
    return {WEXITSTATUS(status), out, core::read_file(err_path)};
}

ProgramRun run_bitswitch(const std::string& args, const std::string& env) {
    return run_command(env + " " + bitswitch_program().string() + " " + args);
}

}  // namespace bitswitch::testing
