// oneDNN's dnnl_sgemm behind the row-major interface of sgemm.h.
#include "bitswitch/kernels/sgemm.h"

#include <cstdio>
#include <cstdlib>

#ifdef BITSWITCH_HAVE_ONEDNN
#include <oneapi/dnnl/dnnl.h>
#endif

namespace bitswitch::kernels {

#ifdef BITSWITCH_HAVE_ONEDNN

bool sgemm_available() { return true; }

void sgemm(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, float alpha, const float* a, int64_t lda,
           const float* b, int64_t ldb, float beta, float* c, int64_t ldc) {
    const dnnl_status_t status =
        dnnl_sgemm(trans_a ? 'T' : 'N', trans_b ? 'T' : 'N', m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
    if (status != dnnl_success) {
        // Only invalid arguments fail, i.e. a bug in the caller's shapes: stop with them, like an assert.
        std::fprintf(stderr, "bitswitch: dnnl_sgemm failed (status %d) for m=%lld n=%lld k=%lld lda=%lld ldb=%lld ldc=%lld\n",
                     int(status), (long long)m, (long long)n, (long long)k, (long long)lda, (long long)ldb, (long long)ldc);
        std::abort();
    }
}

#else

bool sgemm_available() { return false; }

void sgemm(bool, bool, int64_t, int64_t, int64_t, float, const float*, int64_t, const float*, int64_t, float, float*,
           int64_t) {
    std::fprintf(stderr, "bitswitch: sgemm called in a build without oneDNN\n");
    std::abort();
}

#endif

}  // namespace bitswitch::kernels
