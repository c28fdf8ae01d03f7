// How fast the float32 products run inside a workload, not in isolation: an LD_PRELOAD library that times
// every dnnl_sgemm call and, at exit, prints the calls, seconds and GFLOP/s per shape to stderr.
//   LD_PRELOAD=build/bench/libsgemm_timer.so build/bench/bench_encoder 0 3 step
// Counts every call of the process, warm-up calls included. oneDNN's batched matmul primitive (attention's
// products) does not go through dnnl_sgemm and is not counted; ONEDNN_VERBOSE=1 times those.
#include <dlfcn.h>

#include <chrono>
#include <cstdio>
#include <map>
#include <mutex>
#include <tuple>

#include <oneapi/dnnl/dnnl_types.h>

namespace {

using Shape = std::tuple<char, char, long, long, long>;  // transa, transb, M, N, K
struct Totals {
    long calls     = 0;
    double seconds = 0;
    double flops   = 0;
};

std::mutex& totals_mutex() {
    static std::mutex m;
    return m;
}
std::map<Shape, Totals>& totals() {
    static auto* t = new std::map<Shape, Totals>;  // never destroyed: read by the exit report
    return *t;
}

using SgemmFn = dnnl_status_t (*)(char, char, dnnl_dim_t, dnnl_dim_t, dnnl_dim_t, float, const float*,
                                  dnnl_dim_t, const float*, dnnl_dim_t, float, float*, dnnl_dim_t);

__attribute__((destructor)) void report() {
    double seconds = 0, flops = 0;
    for (const auto& [shape, t] : totals()) {
        const auto& [ta, tb, m, n, k] = shape;
        std::fprintf(stderr, "sgemm %c%c M=%ld N=%ld K=%ld: %ld calls, %.3f s, %.0f GFLOP/s\n", ta, tb, m, n,
                     k, t.calls, t.seconds, t.flops / t.seconds / 1e9);
        seconds += t.seconds;
        flops += t.flops;
    }
    if (seconds > 0)
        std::fprintf(stderr, "sgemm total: %.3f s, %.0f GFLOP/s\n", seconds, flops / seconds / 1e9);
}

}  // namespace

extern "C" dnnl_status_t dnnl_sgemm(char transa, char transb, dnnl_dim_t m, dnnl_dim_t n, dnnl_dim_t k,
                                    float alpha, const float* a, dnnl_dim_t lda, const float* b,
                                    dnnl_dim_t ldb, float beta, float* c, dnnl_dim_t ldc) {
    static const auto real     = reinterpret_cast<SgemmFn>(dlsym(RTLD_NEXT, "dnnl_sgemm"));
    const auto start           = std::chrono::steady_clock::now();
    const dnnl_status_t status = real(transa, transb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    const std::lock_guard<std::mutex> lock(totals_mutex());
    auto& t = totals()[{transa, transb, long(m), long(n), long(k)}];
    t.calls += 1;
    t.seconds += seconds;
    t.flops += 2.0 * double(m) * double(n) * double(k);
    return status;
}
