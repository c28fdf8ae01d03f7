// oneDNN's dnnl_sgemm behind the row-major interface of sgemm.h.
#include "bitswitch/kernels/sgemm.h"

#include <cstdio>
#include <cstdlib>

#ifdef BITSWITCH_HAVE_ONEDNN
#include <cstring>

#include <oneapi/dnnl/dnnl.hpp>
#endif

namespace bitswitch::kernels {

#ifdef BITSWITCH_HAVE_ONEDNN

bool sgemm_available() {
    return true;
}

void sgemm(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, float alpha, const float* a,
           int64_t lda, const float* b, int64_t ldb, float beta, float* c, int64_t ldc) {
    const dnnl_status_t status =
        dnnl_sgemm(trans_a ? 'T' : 'N', trans_b ? 'T' : 'N', m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
    if (status != dnnl_success) {
        // Only invalid arguments fail, i.e. a bug in the caller's shapes: stop with them, like an assert.
        std::fprintf(
            stderr,
            "bitswitch: dnnl_sgemm failed (status %d) for m=%lld n=%lld k=%lld lda=%lld ldb=%lld ldc=%lld\n",
            int(status), (long long)m, (long long)n, (long long)k, (long long)lda, (long long)ldb,
            (long long)ldc);
        std::abort();
    }
}

bool batched_sgemm(const MatrixBatch& a, const MatrixBatch& b, const MatrixBatch& c) {
    using dnnl::memory;
    static const dnnl::engine engine(dnnl::engine::kind::cpu, 0);
    const auto desc = [](const MatrixBatch& m) {
        return memory::desc(memory::dims(m.dims, m.dims + 4), memory::data_type::f32,
                            memory::dims(m.strides, m.strides + 4));
    };
    try {
        // oneDNN caches primitives by their descriptors: asking again for the same shapes costs microseconds.
#if DNNL_VERSION_MAJOR >= 3  // oneDNN 3 dropped the operation descriptors
        const dnnl::matmul::primitive_desc pd(engine, desc(a), desc(b), desc(c));
#else
        const dnnl::matmul::primitive_desc pd(dnnl::matmul::desc(desc(a), desc(b), desc(c)), engine);
#endif
        if (std::strstr(pd.impl_info_str(), "ref") != nullptr) return false;
        dnnl::stream stream(engine);
        dnnl::matmul(pd).execute(stream, {{DNNL_ARG_SRC, memory(desc(a), engine, a.data)},
                                          {DNNL_ARG_WEIGHTS, memory(desc(b), engine, b.data)},
                                          {DNNL_ARG_DST, memory(desc(c), engine, c.data)}});
        stream.wait();
        return true;
    } catch (const dnnl::error&) {
        return false;  // layouts the primitive does not take at all
    }
}

#else

bool sgemm_available() {
    return false;
}

bool batched_sgemm(const MatrixBatch&, const MatrixBatch&, const MatrixBatch&) {
    return false;
}

void sgemm(bool, bool, int64_t, int64_t, int64_t, float, const float*, int64_t, const float*, int64_t, float,
           float*, int64_t) {
    std::fprintf(stderr, "bitswitch: sgemm called in a build without oneDNN\n");
    std::abort();
}

#endif

}  // namespace bitswitch::kernels
