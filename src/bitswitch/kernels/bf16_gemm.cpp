// oneDNN's bf16 matmul behind the row-major interface of bf16_gemm.h.
#include "bitswitch/kernels/bf16_gemm.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#ifdef BITSWITCH_HAVE_ONEDNN
#include <unordered_map>

#include <oneapi/dnnl/dnnl.hpp>
#endif

namespace bitswitch::kernels {

float bf16_to_float(uint16_t bits) {
    const uint32_t wide = uint32_t(bits) << 16;
    float out;
    std::memcpy(&out, &wide, sizeof out);
    return out;
}

uint16_t float_to_bf16(float value) {
    uint32_t bits;
    std::memcpy(&bits, &value, sizeof bits);
    if (std::isnan(value)) return uint16_t((bits >> 16) | 0x40);  // keep it a (quiet) NaN
    const uint32_t lsb = (bits >> 16) & 1;
    return uint16_t((bits + 0x7fff + lsb) >> 16);  // round to nearest, ties to even
}

void bf16_gemm_reference(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, const uint16_t* a,
                         int64_t lda, const uint16_t* b, int64_t ldb, float beta, float* c, int64_t ldc,
                         const float* bias) {
    for (int64_t i = 0; i < m; ++i) {
        for (int64_t j = 0; j < n; ++j) {
            double sum = bias ? double(bias[j]) : 0.0;
            for (int64_t p = 0; p < k; ++p) {
                const float x = bf16_to_float(trans_a ? a[p * lda + i] : a[i * lda + p]);
                const float y = bf16_to_float(trans_b ? b[j * ldb + p] : b[p * ldb + j]);
                sum += double(x * y);  // exact: two 8-bit significands fit float32's 24
            }
            float& out = c[i * ldc + j];
            out        = float(sum + (beta == 0.0f ? 0.0 : double(beta) * out));
        }
    }
}

#ifdef BITSWITCH_HAVE_ONEDNN

bool bf16_gemm_native() {
    // oneDNN's ISA values are bit sets, each including the ones below it (avx2_vnni is numerically
    // larger than avx512_core_bf16 without containing it): test the bits.
    const auto bits = [](dnnl::cpu_isa isa) { return unsigned(isa); };
    static const bool native =
        (bits(dnnl::get_effective_cpu_isa()) & bits(dnnl::cpu_isa::avx512_core_bf16)) ==
        bits(dnnl::cpu_isa::avx512_core_bf16);
    return native;
}

const char* cpu_isa_name() {
    switch (dnnl::get_effective_cpu_isa()) {
        case dnnl::cpu_isa::sse41:
            return "sse41";
        case dnnl::cpu_isa::avx:
            return "avx";
        case dnnl::cpu_isa::avx2:
            return "avx2";
        case dnnl::cpu_isa::avx512_core:
            return "avx512_core";
        case dnnl::cpu_isa::avx512_core_vnni:
            return "avx512_core_vnni";
        case dnnl::cpu_isa::avx512_core_bf16:
            return "avx512_core_bf16";
        case dnnl::cpu_isa::avx512_core_amx:
            return "avx512_core_amx";
        default:
            return "other";
    }
}

void bf16_gemm(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, const uint16_t* a, int64_t lda,
               const uint16_t* b, int64_t ldb, float beta, float* c, int64_t ldc, const float* bias) {
    using dnnl::memory;
    using dt = memory::data_type;
    if (m == 0 || n == 0) return;
    if (beta != 0.0f && beta != 1.0f) {
        std::fprintf(stderr, "bitswitch: bf16_gemm takes beta 0 or 1, got %g\n", double(beta));
        std::abort();
    }
    if (k == 0) {  // an empty sum
        for (int64_t i = 0; i < m; ++i) {
            for (int64_t j = 0; j < n; ++j) c[i * ldc + j] = c[i * ldc + j] * beta + (bias ? bias[j] : 0.0f);
        }
        return;
    }
    static const dnnl::engine engine(dnnl::engine::kind::cpu, 0);
    // A transposed operand is the same memory read with swapped strides: no copy.
    const memory::desc a_desc({m, k}, dt::bf16, trans_a ? memory::dims{1, lda} : memory::dims{lda, 1});
    const memory::desc b_desc({k, n}, dt::bf16, trans_b ? memory::dims{1, ldb} : memory::dims{ldb, 1});
    const memory::desc c_desc({m, n}, dt::f32, memory::dims{ldc, 1});
    const memory::desc bias_desc = bias ? memory::desc({1, n}, dt::f32, memory::dims{n, 1}) : memory::desc();
    dnnl::primitive_attr attr;
    if (beta == 1.0f) {
        dnnl::post_ops accumulate;
        accumulate.append_sum(1.0f);
        attr.set_post_ops(accumulate);
    }
    try {
        // oneDNN caches primitives by their descriptors: asking again for the same shapes costs microseconds.
#if DNNL_VERSION_MAJOR >= 3  // oneDNN 3 dropped the operation descriptors
        const dnnl::matmul::primitive_desc pd(engine, a_desc, b_desc, bias_desc, c_desc, attr);
#else
        const dnnl::matmul::primitive_desc pd(dnnl::matmul::desc(a_desc, b_desc, bias_desc, c_desc), attr,
                                              engine);
#endif
        std::unordered_map<int, memory> args{
            {DNNL_ARG_SRC, memory(a_desc, engine, const_cast<uint16_t*>(a))},
            {DNNL_ARG_WEIGHTS, memory(b_desc, engine, const_cast<uint16_t*>(b))},
            {DNNL_ARG_DST, memory(c_desc, engine, c)}};
        if (bias) args.emplace(DNNL_ARG_BIAS, memory(bias_desc, engine, const_cast<float*>(bias)));
        dnnl::stream stream(engine);
        dnnl::matmul(pd).execute(stream, args);
        stream.wait();
    } catch (const dnnl::error& e) {
        // Only shapes the caller got wrong fail here: stop with them, like an assert.
        std::fprintf(
            stderr,
            "bitswitch: bf16 matmul failed (%s) for m=%lld n=%lld k=%lld lda=%lld ldb=%lld ldc=%lld\n",
            e.what(), (long long)m, (long long)n, (long long)k, (long long)lda, (long long)ldb,
            (long long)ldc);
        std::abort();
    }
}

#else

bool bf16_gemm_native() {
    return false;
}

const char* cpu_isa_name() {
    return "none";
}

void bf16_gemm(bool, bool, int64_t, int64_t, int64_t, const uint16_t*, int64_t, const uint16_t*, int64_t,
               float, float*, int64_t) {
    std::fprintf(stderr, "bitswitch: bf16_gemm called in a build without oneDNN\n");
    std::abort();
}

#endif

}  // namespace bitswitch::kernels
