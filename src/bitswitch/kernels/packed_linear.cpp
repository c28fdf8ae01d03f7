// Integer GEMMs per group (oneDNN) or plain loops, and the shared epilogue.
#include "bitswitch/kernels/packed_linear.h"

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <memory>
#include <vector>

#include "bitswitch/kernels/int8_gemm.h"
#include "bitswitch/kernels/sgemm.h"
#include "bitswitch/kernels/token_quant.h"

#ifdef BITSWITCH_HAVE_ONEDNN
#include <oneapi/dnnl/dnnl.h>
#endif

namespace bitswitch::kernels {
namespace {

// The weights as int8, one row per output channel: the packed data itself at 8 bits, unpacked otherwise.
std::vector<int8_t> weights_as_int8(const PackedWeights& w) {
    std::vector<int8_t> q(size_t(w.out * w.in));
    for (int64_t o = 0; o < w.out; ++o) unpack_row(w, o, q.data() + o * w.in);
    return q;
}

// The dequantized weights (q · d) as floats, out x in.
std::vector<float> dequantized(const PackedWeights& w) {
    const auto q = weights_as_int8(w);
    std::vector<float> f(q.size());
    const int64_t gpr = w.groups();
    for (int64_t o = 0; o < w.out; ++o) {
        for (int64_t k = 0; k < w.in; ++k)
            f[size_t(o * w.in + k)] =
                float(q[size_t(o * w.in + k)]) * w.scales[size_t(o * gpr + k / w.group)];
    }
    return f;
}

// y = x · (q · d)ᵀ + bias in float, the weight-only product (a_bits 0), in plain loops.
void weight_only_reference(const float* x, int64_t tokens, const PackedWeights& w, const float* bias,
                           float* y) {
    const auto f = dequantized(w);
    for (int64_t t = 0; t < tokens; ++t) {
        for (int64_t o = 0; o < w.out; ++o) {
            float sum = 0.0f;
            for (int64_t k = 0; k < w.in; ++k) sum += x[t * w.in + k] * f[size_t(o * w.in + k)];
            y[t * w.out + o] = sum + (bias ? bias[o] : 0.0f);
        }
    }
}

// acc (tokens x out) = Σ_{k in [begin, begin + n)} qa[t][k] · qw[o][k], in plain loops.
void int_products_reference(const int8_t* qa, const int8_t* qw, int64_t tokens, const PackedWeights& w,
                            int64_t begin, int64_t n, int32_t* acc) {
    for (int64_t t = 0; t < tokens; ++t) {
        for (int64_t o = 0; o < w.out; ++o) {
            int32_t s = 0;
            for (int64_t k = begin; k < begin + n; ++k)
                s += int32_t(qa[t * w.in + k]) * int32_t(qw[o * w.in + k]);
            acc[t * w.out + o] = s;
        }
    }
}

// The epilogue both paths share: sum[t][o] += float(acc[t][o]) · d_w[o][g].
void accumulate_group(const int32_t* acc, int64_t tokens, const PackedWeights& w, int64_t g, float* sum) {
    const int64_t gpr = w.groups();
    for (int64_t t = 0; t < tokens; ++t) {
        for (int64_t o = 0; o < w.out; ++o)
            sum[t * w.out + o] += float(acc[t * w.out + o]) * w.scales[size_t(o * gpr + g)];
    }
}

void finish(const float* da, int64_t tokens, const PackedWeights& w, const float* bias, float* y) {
    for (int64_t t = 0; t < tokens; ++t) {
        for (int64_t o = 0; o < w.out; ++o)
            y[t * w.out + o] = y[t * w.out + o] * da[t] + (bias ? bias[o] : 0.0f);
    }
}

// The weights as int8 rows for integer products: 8-bit weights in place, narrower ones unpacked into
// `storage` for this call.
const int8_t* int8_weights(const PackedWeights& w, std::vector<int8_t>& storage) {
    if (w.bits > 4) return reinterpret_cast<const int8_t*>(w.data.data());
    storage = weights_as_int8(w);
    return storage.data();
}

// y = (Σ_g float(acc_g) · d_w[o][g]) · d_a[t] + bias, where products(begin, n) fills acc (tokens x out) with
// the int32 sums of the group of columns [begin, begin + n): the group loop and epilogue of every path.
template <typename GroupProducts>
void sum_groups(int64_t tokens, const PackedWeights& w, const float* da, const float* bias,
                const int32_t* acc, float* y, GroupProducts&& products) {
    std::fill(y, y + tokens * w.out, 0.0f);
    for (int64_t g = 0; g < w.groups(); ++g) {
        const int64_t begin = g * w.group;
        products(begin, std::min(w.group, w.in - begin));
        accumulate_group(acc, tokens, w, g, y);
    }
    finish(da, tokens, w, bias, y);
}

std::atomic<IntegerGemm> forced_gemm{IntegerGemm::automatic};

// oneDNN's integer GEMM sums pairs of u8 x s8 products in int16 on CPUs without VNNI, which can saturate
// (its documentation warns of it); with VNNI the products go straight into int32. Elsewhere the portable
// kernel (int8_gemm.h) widens to int16 first, which is exact.
bool use_onednn_integer_gemm() {
#ifdef BITSWITCH_HAVE_ONEDNN
    static const bool vnni = __builtin_cpu_supports("avx512vnni") || __builtin_cpu_supports("avxvnni");
    return vnni && forced_gemm.load() == IntegerGemm::automatic;
#else
    return false;
#endif
}

// y = x · (q · d)ᵀ + bias with float activations: the weights dequantized for this call, one float GEMM.
void weight_only(const float* x, int64_t tokens, const PackedWeights& w, const float* bias, float* y) {
    if (!sgemm_available()) return weight_only_reference(x, tokens, w, bias, y);
    const auto f = dequantized(w);
    for (int64_t t = 0; t < tokens; ++t) {
        for (int64_t o = 0; o < w.out; ++o) y[t * w.out + o] = bias ? bias[o] : 0.0f;
    }
    sgemm(false, true, tokens, w.out, w.in, 1.0f, x, w.in, f.data(), w.in, 1.0f, y, w.out);
}

// One group's int32 sums on oneDNN: the activations are stored plus 128 (it takes u8), which its a-offset
// argument takes back out.
void onednn_group_products(const uint8_t* qa, const int8_t* qw, int64_t tokens, const PackedWeights& w,
                           int64_t begin, int64_t n, int32_t* acc) {
#ifdef BITSWITCH_HAVE_ONEDNN
    const int32_t no_offset = 0;
    const dnnl_status_t status =
        dnnl_gemm_u8s8s32('N', 'T', 'F', tokens, w.out, n, 1.0f, qa + begin, w.in, uint8_t(128), qw + begin,
                          w.in, 0, 0.0f, acc, w.out, &no_offset);
    if (status != dnnl_success) {
        std::fprintf(stderr, "bitswitch: dnnl_gemm_u8s8s32 failed (status %d)\n", int(status));
        std::abort();
    }
#else
    (void)qa, (void)qw, (void)tokens, (void)w, (void)begin, (void)n, (void)acc;
    std::abort();  // unreachable: use_onednn_integer_gemm() is false without oneDNN
#endif
}

}  // namespace

void packed_linear_reference(const float* x, int64_t tokens, const PackedWeights& w, int a_bits,
                             const float* bias, float* y) {
    if (a_bits == 0) return weight_only_reference(x, tokens, w, bias, y);
    std::vector<int8_t> qa(size_t(tokens * w.in)), storage;
    std::vector<float> da(static_cast<size_t>(tokens));
    std::vector<int32_t> acc(size_t(tokens * w.out));
    quantize_rows_reference(x, tokens, w.in, a_bits, qa.data(), da.data());
    const int8_t* qw = int8_weights(w, storage);
    sum_groups(tokens, w, da.data(), bias, acc.data(), y, [&](int64_t begin, int64_t n) {
        int_products_reference(qa.data(), qw, tokens, w, begin, n, acc.data());
    });
}

void set_integer_gemm(IntegerGemm gemm) {
    forced_gemm.store(gemm);
}

void packed_linear(const float* x, int64_t tokens, const PackedWeights& w, int a_bits, const float* bias,
                   float* y) {
    if (tokens == 0 || w.out == 0) return;
    if (a_bits == 0) return weight_only(x, tokens, w, bias, y);
    // Buffers left uninitialized: every element is written before it is read.
    std::unique_ptr<float[]> da(new float[size_t(tokens)]);
    std::unique_ptr<int32_t[]> acc(new int32_t[size_t(tokens * w.out)]);
    std::vector<int8_t> storage;
    const int8_t* qw = int8_weights(w, storage);
    std::function<void(int64_t, int64_t)> group_products;
    std::unique_ptr<uint8_t[]> shifted;  // q_a + 128 for oneDNN
    std::unique_ptr<int8_t[]> qa;        // q_a for the portable kernel
    if (use_onednn_integer_gemm()) {
        shifted.reset(new uint8_t[size_t(tokens * w.in)]);
        quantize_rows_shifted(x, tokens, w.in, a_bits, shifted.get(), da.get());
        group_products = [&](int64_t begin, int64_t n) {
            onednn_group_products(shifted.get(), qw, tokens, w, begin, n, acc.get());
        };
    } else {
        qa.reset(new int8_t[size_t(tokens * w.in)]);
        quantize_rows(x, tokens, w.in, a_bits, qa.get(), da.get());
        group_products = [&](int64_t begin, int64_t n) {
            int8_gemm_nt(qa.get() + begin, w.in, qw + begin, w.in, tokens, w.out, n, acc.get());
        };
    }
    if (w.groups() == 1) {
        // One pass for the one group: the reference's (0 + acc · d_w) · d_a + bias, the same operations.
        group_products(0, w.in);
        for (int64_t t = 0; t < tokens; ++t) {
            const int32_t* a = acc.get() + t * w.out;
            float* yt        = y + t * w.out;
            for (int64_t o = 0; o < w.out; ++o)
                yt[o] = (float(a[o]) * w.scales[size_t(o)]) * da[size_t(t)] + (bias ? bias[o] : 0.0f);
        }
        return;
    }
    sum_groups(tokens, w, da.get(), bias, acc.get(), y, group_products);
}

}  // namespace bitswitch::kernels
