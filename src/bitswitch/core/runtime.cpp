// BLAS identification and GEMM timing; asset lookup.
#include "bitswitch/core/runtime.h"

#include <dlfcn.h>
#include <malloc.h>
#include <sched.h>
#include <sys/resource.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>

#include <fmt/format.h>
#include <torch/torch.h>

#include "bitswitch/core/error.h"

namespace bitswitch::core {

int64_t peak_rss_bytes() {
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    return int64_t(usage.ru_maxrss) * 1024;  // Linux reports kilobytes
}

int64_t resident_bytes() {
    FILE* f = std::fopen("/proc/self/statm", "r");
    if (!f) return 0;
    long long size = 0, resident = 0;
    const int read = std::fscanf(f, "%lld %lld", &size, &resident);
    std::fclose(f);
    return read == 2 ? resident * sysconf(_SC_PAGESIZE) : 0;
}

void release_free_memory() {
    malloc_trim(0);
}

double square_gemm_gflops(const std::function<void()>& product, int64_t n, int repeats) {
    product();  // warm-up: thread pools, page faults
    const auto start = std::chrono::steady_clock::now();
    for (int i = 0; i < repeats; ++i) product();
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return repeats * 2.0 * double(n) * double(n) * double(n) / seconds / 1e9;
}

BlasReport check_blas() {
    BlasReport report;
    // libtorch (Debian) calls whatever libblas.so.3 the system's alternatives select; ask the loaded one.
    using NameFn = const char* (*)();
    if (auto fn = reinterpret_cast<NameFn>(dlsym(RTLD_DEFAULT, "openblas_get_config"))) {
        report.library = fn();
    } else if (at::hasMKL()) {
        report.library = "MKL";
    } else {
        report.library = "unknown (reference BLAS?)";
    }
    if (auto fn = reinterpret_cast<NameFn>(dlsym(RTLD_DEFAULT, "openblas_get_corename"))) report.core = fn();
    report.threads = at::get_num_threads();

    torch::NoGradGuard no_grad;
    const auto a       = torch::randn({512, 512});
    const auto b       = torch::randn({512, 512});
    report.gemm_gflops = square_gemm_gflops([&] { torch::mm(a, b); }, 512, 4);
    report.fast_enough = report.gemm_gflops >= kMinUsableGflops;
    return report;
}

void warn_if_blas_slow() {
    const BlasReport r = check_blas();
    if (r.fast_enough) return;
    // With OpenBLAS or MKL loaded a slow product means a busy machine, not a missing library: say so
    // instead of advising an install that is already there.
    if (r.library.rfind("OpenBLAS", 0) == 0 || r.library == "MKL") {
        std::fprintf(
            stderr,
            "warning: libtorch's matrix multiply runs at %.1f GFLOP/s with %s: other work is probably "
            "competing for the cores (timings from this run will be low)\n",
            r.gemm_gflops, r.library.c_str());
    } else {
        std::fprintf(stderr,
                     "warning: libtorch's matrix multiply runs at %.1f GFLOP/s (BLAS: %s); install OpenBLAS "
                     "(apt-get install libopenblas0-pthread) for ~30x more\n",
                     r.gemm_gflops, r.library.c_str());
    }
}

void keep_freed_memory() {
    // By default glibc serves blocks above a (dynamic) threshold with mmap and gives freed memory back.
    ::mallopt(M_MMAP_THRESHOLD, 32 << 20);  // glibc's maximum on 64-bit
    ::mallopt(M_TRIM_THRESHOLD, 1 << 30);
}

namespace {

constexpr const char* kHugePagesTunable = "glibc.malloc.hugetlb=1";

// Adds glibc's transparent-huge-page tunable to GLIBC_TUNABLES; false if the caller already chose it.
bool ask_glibc_for_huge_pages() {
    const char* tunables      = std::getenv("GLIBC_TUNABLES");
    const std::string current = tunables ? tunables : "";
    if (current.find("glibc.malloc.hugetlb") != std::string::npos) return false;
    ::setenv("GLIBC_TUNABLES", (current.empty() ? "" : current + ":").append(kHugePagesTunable).c_str(), 1);
    return true;
}

}  // namespace

void configure_compute_threads(char** argv, int threads) {
    // Both settings are read once, when the process starts (libgomp's and glibc's initialization).
    bool restart = ask_glibc_for_huge_pages();
    if (std::getenv("OMP_WAIT_POLICY") == nullptr) {
        ::setenv("OMP_WAIT_POLICY", "PASSIVE", 1);
        restart = true;
    }
    // Returns only on failure: then run on with spinning threads and small pages.
    if (restart) ::execv("/proc/self/exe", argv);
    if (threads <= 0) {
        cpu_set_t set;
        CPU_ZERO(&set);
        threads = ::sched_getaffinity(0, sizeof(set), &set) == 0 ? CPU_COUNT(&set)
                                                                 : int(std::thread::hardware_concurrency());
        threads = std::max(threads, 1);
    }
    at::set_num_threads(threads);
    keep_freed_memory();
    using SetThreadsFn = void (*)(int);
    if (auto fn = reinterpret_cast<SetThreadsFn>(dlsym(RTLD_DEFAULT, "openblas_set_num_threads")))
        fn(threads);
}

std::filesystem::path asset_path(const std::string& relative) {
    namespace fs = std::filesystem;
    std::vector<fs::path> candidates{fs::path("assets") / relative};
    std::error_code ec;
    const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
    if (!ec) candidates.push_back(exe.parent_path().parent_path() / "assets" / relative);
#ifdef BITSWITCH_SOURCE_DIR
    candidates.push_back(fs::path(BITSWITCH_SOURCE_DIR) / "assets" / relative);
#endif
    for (const auto& c : candidates) {
        if (fs::exists(c, ec)) return c;
    }
    throw InputError(
        fmt::format("asset \"{}\" not found in ./assets, next to the program or in the source tree; "
                    "pass its path explicitly",
                    relative));
}

std::filesystem::path tokenizer_dir_for(const std::string& explicit_dir,
                                        const std::filesystem::path& model_dir, const std::string& shipped) {
    namespace fs = std::filesystem;
    if (!explicit_dir.empty()) return explicit_dir;
    if (model_dir.empty()) return asset_path(shipped);
    if ((fs::exists(model_dir / "vocab.json") && fs::exists(model_dir / "merges.txt")) ||
        (fs::exists(model_dir / "encoder.json") && fs::exists(model_dir / "vocab.bpe"))) {
        return model_dir;
    }
    return asset_path(shipped);
}

}  // namespace bitswitch::core
