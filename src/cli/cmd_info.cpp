// bitswitch info: the BLAS libtorch uses and its kernel family, the library the model's GEMMs run on, the
// measured speed of libtorch's GEMM, threads (as the compute commands configure them).
#include <cstdio>

#include <torch/torch.h>
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "bitswitch/core/runtime.h"
#include "bitswitch/ops/matmul.h"
#include "cli/commands.h"

namespace bitswitch::cli {
namespace {

// GFLOP/s of the model's own linear product (oneDNN or libtorch) on a 512 x 512 x 512 float GEMM.
double model_gemm_gflops() {
    torch::NoGradGuard no_grad;
    const auto x = torch::randn({512, 512}), w = torch::randn({512, 512});
    return core::square_gemm_gflops([&] { ops::linear(x, w, torch::Tensor()); }, 512, 8);
}

}  // namespace

void add_info_command(CLI::App& app) {
    CLI::App* cmd =
        app.add_subcommand("info", "Machine and library facts: BLAS, GEMM library and speed, threads");
    cmd->callback([] {
        prepare_compute(ComputeFlags{});  // report the BLAS and threads as the compute commands set them up
        const auto r = core::check_blas();
        const nlohmann::json j{{"blas", r.library},
                               {"blas_core", r.core},
                               {"model_gemm", ops::fast_gemm_enabled() ? "oneDNN" : "libtorch (BLAS above)"},
                               {"model_gemm_gflops_512", model_gemm_gflops()},
                               {"blas_gemm_gflops_512", r.gemm_gflops},
                               {"torch_threads", r.threads},
                               {"blas_fast_enough", r.fast_enough}};
        std::printf("%s\n", j.dump(2).c_str());
    });
}

}  // namespace bitswitch::cli
