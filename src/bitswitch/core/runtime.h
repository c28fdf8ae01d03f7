// Facts about the machine and the libraries bitswitch runs on: which BLAS libtorch calls, how fast a
// GEMM runs, where the shipped assets are. `bitswitch info` prints them; commands that run a model call
// warn_if_blas_slow() so that a missing OpenBLAS is named instead of silently costing 40x.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>

namespace bitswitch::core {

struct BlasReport {
    std::string library;         // "OpenBLAS 0.3.21 ...", "MKL ...", or "unknown (reference BLAS?)"
    std::string core;            // OpenBLAS's kernel family ("Haswell", "SkylakeX"); empty for other BLAS
    double gemm_gflops = 0.0;    // measured on a 512x512x512 float GEMM through libtorch
    int threads        = 0;      // libtorch's intra-op threads
    bool fast_enough   = false;  // gemm_gflops >= kMinUsableGflops
};

/// Below this a GEMM is the reference BLAS (~5 GFLOP/s here) rather than an optimized one (~180).
inline constexpr double kMinUsableGflops = 20.0;

/// GFLOP/s of `product`, an (n x n) x (n x n) float GEMM, timed over `repeats` calls after one warm-up call.
double square_gemm_gflops(const std::function<void()>& product, int64_t n, int repeats);

/// Identifies the BLAS and times a GEMM (about 50 ms).
BlasReport check_blas();

/// Prints one warning line to stderr, with the package to install, when the GEMM is too slow.
void warn_if_blas_slow();

/// Prepares the process for libtorch compute, once, before any tensor work:
/// - libgomp reads OMP_WAIT_POLICY when it is loaded, so if it is unset the program sets it to PASSIVE and
///   re-executes itself (same arguments): spinning OpenMP workers otherwise steal the cores OpenBLAS's own
///   threads need (measured 1.2-1.65x slower GEMM-heavy steps on 2 cores).
/// - likewise GLIBC_TUNABLES gets glibc.malloc.hugetlb=1 unless the caller set that tunable: malloc then
///   asks for transparent huge pages (madvise) on its heap and on blocks it maps, so a fresh 154 MB gradient
///   costs 77 page faults instead of 37,600. Page faults cost ~6.5 µs each on the 2-core VM measured: an
///   encoder fine-tuning step at RoBERTa-base shapes went from 4.1 s and ~45,000 faults to 3.7 s and ~400.
/// - intra-op threads = `threads` (0 = all cores the process may run on); libgomp here defaults to 1.
/// - OpenBLAS (if it is the BLAS) uses the same number of threads.
/// `argv` must be main's, still unmodified.
void configure_compute_threads(char** argv, int threads = 0);

/// glibc's malloc keeps freed blocks up to 32 MB instead of returning them to the system: libtorch frees and
/// reallocates tens of MB every training step, which otherwise page-faults the same memory in again each
/// time (system time as large as the compute; measured 12x on a tiny encoder's step). Part of
/// configure_compute_threads; tests that train call it themselves.
void keep_freed_memory();

/// The process's peak resident memory so far, in bytes (getrusage).
int64_t peak_rss_bytes();
/// The process's resident memory now, in bytes (/proc/self/statm; 0 where there is none).
int64_t resident_bytes();
/// Returns freed heap memory to the system (glibc's malloc_trim): the allocator settings of
/// configure_compute_threads keep it otherwise, which is right in training and wrong after freeing weights.
void release_free_memory();

/// Finds a shipped asset ("gpt2-tokenizer", "data/squad-v1.1-dev-subset.json") in ./assets, next to the
/// program (../assets), or in the source tree the program was built from. Throws InputError if absent.
std::filesystem::path asset_path(const std::string& relative);

/// The tokenizer folder to use (with a model, or none): `explicit_dir` when given, else the model folder when
/// it holds tokenizer files (vocab.json + merges.txt or encoder.json + vocab.bpe), else the shipped asset
/// `shipped` (GPT-2's files; an encoder's callers name "roberta-tokenizer"). The one place the default
/// tokenizer is named.
std::filesystem::path tokenizer_dir_for(const std::string& explicit_dir,
                                        const std::filesystem::path& model_dir = {},
                                        const std::string& shipped             = "gpt2-tokenizer");

}  // namespace bitswitch::core
