// bitswitch info: the BLAS libtorch uses, its measured GEMM speed, threads.
#include <cstdio>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "bitswitch/core/runtime.h"
#include "cli/commands.h"

namespace bitswitch::cli {

void add_info_command(CLI::App& app) {
    CLI::App* cmd = app.add_subcommand("info", "Machine and library facts: BLAS, GEMM speed, threads");
    cmd->callback([] {
        const auto r = core::check_blas();
        const nlohmann::json j{{"blas", r.library},
                               {"gemm_gflops_512", r.gemm_gflops},
                               {"torch_threads", r.threads},
                               {"blas_fast_enough", r.fast_enough}};
        std::printf("%s\n", j.dump(2).c_str());
        if (!r.fast_enough) core::warn_if_blas_slow();
    });
}

}  // namespace bitswitch::cli
