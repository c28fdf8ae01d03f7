// Matrix products on oneDNN's sgemm for float32 CPU tensors, libtorch's matmul otherwise.
#include "bitswitch/ops/matmul.h"

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <utility>

#include <ATen/Parallel.h>
#include <fmt/format.h>
#include <torch/torch.h>

#include "bitswitch/core/error.h"
#include "bitswitch/kernels/bf16_gemm.h"
#include "bitswitch/kernels/sgemm.h"

namespace bitswitch::ops {
namespace {

using torch::autograd::AutogradContext;
using torch::autograd::tensor_list;

// A matrix as sgemm reads it: row-major with leading dimension ld, or (stored) transposed.
struct MatrixRef {
    int64_t ld      = 0;
    bool transposed = false;  // storage holds the matrix's transpose row-major
};

// How the last two dims of t can be read without copying, or nullopt-like {0} if they cannot.
MatrixRef matrix_ref(const torch::Tensor& t) {
    const int64_t d = t.dim(), rows = t.size(d - 2), cols = t.size(d - 1);
    const int64_t rs = t.stride(d - 2), cs = t.stride(d - 1);
    if (cs == 1 || cols == 1) return {std::max<int64_t>({rs, cols, 1}), false};
    if (rs == 1 || rows == 1) return {std::max<int64_t>({cs, rows, 1}), true};
    return {};
}

bool on_fast_path(std::initializer_list<const torch::Tensor*> ts) {
    if (!fast_gemm_enabled()) return false;
    for (const auto* t : ts) {
        if (t->defined() && (!t->device().is_cpu() || t->scalar_type() != torch::kFloat32)) return false;
    }
    return true;
}

std::atomic<bool> bf16_products_on{false};

// Readable by sgemm in place, else a contiguous copy.
torch::Tensor readable(const torch::Tensor& t) {
    return matrix_ref(t).ld > 0 ? t : t.contiguous();
}

// An operand of a product: as it is, or rounded to bfloat16 under bf16 products.
torch::Tensor operand(const torch::Tensor& t, bool bf16) {
    return readable(bf16 && t.scalar_type() != torch::kBFloat16 ? t.to(torch::kBFloat16) : t);
}

// out (m x n, row-major rows of stride ldc) = op(a) · op(b) [+ bias] + beta · out for 2-D a, b, both float32
// or both bfloat16. bias (n floats) only with bfloat16 operands: oneDNN's matmul adds it in its own pass.
void gemm_2d(const torch::Tensor& a, bool trans_a, const torch::Tensor& b, bool trans_b, float beta,
             float* out, int64_t ldc, const float* bias = nullptr) {
    const MatrixRef ra = matrix_ref(a), rb = matrix_ref(b);
    const int64_t m = trans_a ? a.size(1) : a.size(0), k = trans_a ? a.size(0) : a.size(1);
    const int64_t n = trans_b ? b.size(0) : b.size(1);
    if (m == 0 || n == 0) return;
    if (k == 0) {  // an empty sum; sgemm's argument checks want positive leading dimensions
        for (int64_t i = 0; i < m; ++i) {
            for (int64_t j = 0; j < n; ++j) out[i * ldc + j] *= beta;
        }
        return;
    }
    if (a.scalar_type() == torch::kBFloat16) {
        const auto bits = [](const torch::Tensor& t) {
            return reinterpret_cast<const uint16_t*>(t.data_ptr<at::BFloat16>());
        };
        kernels::bf16_gemm(trans_a != ra.transposed, trans_b != rb.transposed, m, n, k, bits(a), ra.ld,
                           bits(b), rb.ld, beta, out, ldc, bias);
        return;
    }
    TORCH_CHECK(bias == nullptr, "gemm_2d: a bias goes into bfloat16 products only");
    kernels::sgemm(trans_a != ra.transposed, trans_b != rb.transposed, m, n, k, 1.0f, a.data_ptr<float>(),
                   ra.ld, b.data_ptr<float>(), rb.ld, beta, out, ldc);
}

// For y = x·wᵀ: keeps what the gradients will need, only that (a frozen weight's input is not kept alive).
void save_product_inputs(AutogradContext* ctx, const torch::Tensor& x_in, const torch::Tensor& w_in,
                         const torch::Tensor& x, const torch::Tensor& w) {
    ctx->save_for_backward(
        {w_in.requires_grad() ? x : torch::Tensor(), x_in.requires_grad() ? w : torch::Tensor()});
}

// For y = x·wᵀ, with x and w the autograd inputs at `x_input` and `x_input + 1`: dx = dy·w and dw = dyᵀ·x,
// each only when autograd asks for it. Saved bfloat16 operands (bf16 products) take dy in bfloat16 too.
std::pair<torch::Tensor, torch::Tensor> product_gradients(AutogradContext* ctx, const torch::Tensor& grad,
                                                          size_t x_input) {
    const auto saved = ctx->get_saved_variables();
    const auto& x    = saved[0];
    const auto& w    = saved[1];
    // Neither is saved when only the bias needs a gradient; then no product runs.
    const auto& kept = x.defined() ? x : w;
    const bool bf16  = kept.defined() && kept.scalar_type() == torch::kBFloat16;
    const auto dy    = operand(grad, bf16);
    torch::Tensor dx, dw;
    if (ctx->needs_input_grad(x_input)) {
        dx = torch::empty({dy.size(0), w.size(1)}, grad.options());
        gemm_2d(dy, false, w, false, 0.0f, dx.data_ptr<float>(), dx.size(1));
    }
    if (ctx->needs_input_grad(x_input + 1)) {
        dw = torch::empty({dy.size(1), x.size(1)}, grad.options());
        gemm_2d(dy, true, x, false, 0.0f, dw.data_ptr<float>(), dw.size(1));
    }
    return {dx, dw};
}

// y (N, out) = x·wᵀ + b; db = Σ_rows dy. Under bf16 products x and w are kept for the gradients in
// bfloat16, half the memory.
struct LinearFunction : torch::autograd::Function<LinearFunction> {
    static torch::Tensor forward(AutogradContext* ctx, const torch::Tensor& x_in, const torch::Tensor& w_in,
                                 const torch::Tensor& b) {
        const bool bf16 = bf16_products();
        const auto x = operand(x_in, bf16), w = operand(w_in, bf16);
        auto y               = torch::empty({x.size(0), w.size(0)}, x_in.options());
        const bool with_bias = b.numel() > 0;
        if (bf16) {
            // oneDNN's matmul adds the bias while it writes y: no pass of its own over the output.
            const auto bias = with_bias ? b.contiguous() : b;
            gemm_2d(x, false, w, true, 0.0f, y.data_ptr<float>(), y.size(1),
                    with_bias ? bias.data_ptr<float>() : nullptr);
        } else {
            if (with_bias) y.copy_(b.expand_as(y));  // sgemm has no bias: it adds the product (beta = 1)
            gemm_2d(x, false, w, true, with_bias ? 1.0f : 0.0f, y.data_ptr<float>(), y.size(1));
        }
        save_product_inputs(ctx, x_in, w_in, x, w);
        ctx->saved_data["bias"] = with_bias;
        return y;
    }

    static tensor_list backward(AutogradContext* ctx, tensor_list grads) {
        auto [dx, dw] = product_gradients(ctx, grads[0], 0);
        torch::Tensor db;
        if (ctx->needs_input_grad(2) && ctx->saved_data["bias"].toBool()) db = grads[0].sum(0);
        return {dx, dw, db};
    }
};

// y += x·wᵀ in place (the LoRA product accumulated into the base output); dy passes through to y.
struct AccumulateFunction : torch::autograd::Function<AccumulateFunction> {
    static torch::Tensor forward(AutogradContext* ctx, torch::Tensor y, const torch::Tensor& x_in,
                                 const torch::Tensor& w_in) {
        const auto x = readable(x_in), w = readable(w_in);
        gemm_2d(x, false, w, true, 1.0f, y.data_ptr<float>(), std::max(y.stride(0), y.size(1)));
        ctx->mark_dirty({y});
        save_product_inputs(ctx, x_in, w_in, x, w);
        return y;
    }

    static tensor_list backward(AutogradContext* ctx, tensor_list grads) {
        auto [dx, dw] = product_gradients(ctx, grads[0], 1);
        return {grads[0], dx, dw};
    }
};

// The operands as oneDNN's 4-D batches (the leading dim 1 for 3-D tensors); false if it declines them.
bool batched_on_onednn(const torch::Tensor& a, const torch::Tensor& b, torch::Tensor& out) {
    const auto batch_of = [](const torch::Tensor& t) {
        kernels::MatrixBatch m;
        m.data          = t.data_ptr<float>();
        const int64_t s = t.dim() == 4 ? 0 : 1;  // 3-D: prepend a dim of 1
        if (s) {
            m.dims[0]    = 1;
            m.strides[0] = t.size(0) * t.stride(0);
        }
        for (int64_t i = 0; i < t.dim(); ++i) {
            m.dims[i + s]    = t.size(i);
            m.strides[i + s] = t.stride(i);
        }
        return m;
    };
    return kernels::batched_sgemm(batch_of(a), batch_of(b), batch_of(out));
}

}  // namespace

bool bf16_products() {
    return bf16_products_on.load(std::memory_order_relaxed);
}

bool bf16_products_available() {
    return fast_gemm_enabled() && kernels::bf16_gemm_native();
}

void set_bf16_products(bool on) {
    if (on && !bf16_products_available()) {
        const char* why = !kernels::sgemm_available() ? "this build has no oneDNN"
                          : !fast_gemm_enabled()      ? "BITSWITCH_GEMM=torch turns oneDNN off"
                                                      : "this CPU's widest instruction set is ";
        throw InputError(fmt::format(
            "--bf16 needs native bfloat16 products through oneDNN (AVX512_BF16 or AMX), but {}{}: drop the "
            "flag to compute in float32",
            why, kernels::sgemm_available() && fast_gemm_enabled() ? kernels::cpu_isa_name() : ""));
    }
    bf16_products_on.store(on, std::memory_order_relaxed);
}

bool fast_gemm_enabled() {
    static const bool enabled = [] {
        const char* choice = std::getenv("BITSWITCH_GEMM");
        return kernels::sgemm_available() && !(choice && std::strcmp(choice, "torch") == 0);
    }();
    return enabled;
}

torch::Tensor linear(const torch::Tensor& x, const torch::Tensor& w, const torch::Tensor& b) {
    if (!on_fast_path({&x, &w, &b})) return b.defined() ? torch::addmm(b, x, w.t()) : torch::mm(x, w.t());
    // Autograd functions take defined tensors only: "no bias" travels as an empty one.
    return LinearFunction::apply(x, w, b.defined() ? b : torch::empty({0}, w.options()));
}

void linear_accumulate(torch::Tensor& y, const torch::Tensor& x, const torch::Tensor& w) {
    const bool row_major = y.dim() == 2 && (y.stride(1) == 1 || y.size(1) == 1);
    if (!on_fast_path({&y, &x, &w}) || !row_major) {
        y.addmm_(x, w.t());
        return;
    }
    y = AccumulateFunction::apply(y, x, w);
}

void batched_matmul_into(const torch::Tensor& a_in, bool trans_a, const torch::Tensor& b_in, bool trans_b,
                         torch::Tensor& out) {
    TORCH_CHECK(a_in.dim() == b_in.dim() && a_in.dim() == out.dim() && (a_in.dim() == 3 || a_in.dim() == 4),
                "batched_matmul: 3-D or 4-D operands of equal rank expected");
    if (!on_fast_path({&a_in, &b_in, &out}) || matrix_ref(out).ld == 0 || matrix_ref(out).transposed) {
        const auto a = trans_a ? a_in.transpose(-2, -1) : a_in, b = trans_b ? b_in.transpose(-2, -1) : b_in;
        out.copy_(torch::matmul(a, b));
        return;
    }
    const auto a = readable(a_in), b = readable(b_in);
    const int64_t d = a.dim(), heads = d == 4 ? a.size(1) : 1, batch = a.size(0) * heads;
    const MatrixRef ra = matrix_ref(a), rb = matrix_ref(b);
    const int64_t m = out.size(d - 2), n = out.size(d - 1), k = trans_a ? a.size(d - 2) : a.size(d - 1);
    TORCH_CHECK((trans_a ? a.size(d - 1) : a.size(d - 2)) == m &&
                    (trans_b ? b.size(d - 1) : b.size(d - 2)) == k &&
                    (trans_b ? b.size(d - 2) : b.size(d - 1)) == n,
                "batched_matmul: shapes ", a.sizes(), trans_a ? "ᵀ" : "", " x ", b.sizes(),
                trans_b ? "ᵀ" : "", " do not give ", out.sizes());
    if (m == 0 || n == 0 || batch == 0) return;
    if (k == 0) {
        out.zero_();
        return;
    }
    if (batched_on_onednn(trans_a ? a.transpose(-2, -1) : a, trans_b ? b.transpose(-2, -1) : b, out)) return;
    // Layouts oneDNN's batched kernels decline: one sgemm per matrix, each on its own thread (called
    // inside the parallel region, sgemm stays on the calling thread).
    const auto offset = [&](const torch::Tensor& t, int64_t i) {
        return d == 4 ? (i / heads) * t.stride(0) + (i % heads) * t.stride(1) : i * t.stride(0);
    };
    const float* pa   = a.data_ptr<float>();
    const float* pb   = b.data_ptr<float>();
    float* pc         = out.data_ptr<float>();
    const int64_t ldc = matrix_ref(out).ld;
    at::parallel_for(0, batch, 1, [&](int64_t begin, int64_t end) {
        for (int64_t i = begin; i < end; ++i) {
            kernels::sgemm(trans_a != ra.transposed, trans_b != rb.transposed, m, n, k, 1.0f,
                           pa + offset(a, i), ra.ld, pb + offset(b, i), rb.ld, 0.0f, pc + offset(out, i),
                           ldc);
        }
    });
}

torch::Tensor batched_matmul(const torch::Tensor& a, bool trans_a, const torch::Tensor& b, bool trans_b) {
    auto sizes   = a.sizes().vec();
    const auto d = a.dim();
    sizes[d - 2] = trans_a ? a.size(d - 1) : a.size(d - 2);
    sizes[d - 1] = trans_b ? b.size(d - 2) : b.size(d - 1);
    auto out     = torch::empty(sizes, a.options());
    batched_matmul_into(a, trans_a, b, trans_b, out);
    return out;
}

}  // namespace bitswitch::ops
