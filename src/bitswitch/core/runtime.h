// Facts about the machine and the libraries bitswitch runs on: which BLAS libtorch calls, how fast a
// GEMM runs, where the shipped assets are. `bitswitch info` prints them; commands that run a model call
// warn_if_blas_slow() so that a missing OpenBLAS is named instead of silently costing 40x.
#pragma once

#include <filesystem>
#include <string>

namespace bitswitch::core {

struct BlasReport {
    std::string library;        // "OpenBLAS 0.3.21 ...", "MKL ...", or "unknown (reference BLAS?)"
    double gemm_gflops = 0.0;   // measured on a 512x512x512 float GEMM through libtorch
    int threads        = 0;     // libtorch's intra-op threads
    bool fast_enough   = false; // gemm_gflops >= kMinUsableGflops
};

/// Below this a GEMM is the reference BLAS (~5 GFLOP/s here) rather than an optimized one (~180).
inline constexpr double kMinUsableGflops = 20.0;

/// Identifies the BLAS and times a GEMM (about 50 ms).
BlasReport check_blas();

/// Prints one warning line to stderr, with the package to install, when the GEMM is too slow.
void warn_if_blas_slow();

/// Finds a shipped asset ("gpt2-tokenizer", "data/squad-v1.1-dev-subset.json") in ./assets, next to the
/// program (../assets), or in the source tree the program was built from. Throws InputError if absent.
std::filesystem::path asset_path(const std::string& relative);

}  // namespace bitswitch::core
