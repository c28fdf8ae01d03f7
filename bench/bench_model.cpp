// GPT-2-124M-shape throughput (random weights from the real config): a LoRA training step (batch 4,
// seq 384, rank-8 adapters on every block linear, QA head trained, dropout 0.1 as in the config) and an
// fp32 eval forward (batch 8, seq 384), and that forward again at w8a8kv8 fake quantization (its cost
// relative to fp32 is eval_forward_w8a8kv8_cost_ratio), then the step and the fp32 forward on bf16 products
// (--bf16) where the CPU has them. Also measures the GEMM ceiling of libtorch's BLAS, of the model's own
// GEMM (oneDNN) and of its bf16 product, so the achieved GFLOP/s can be read against them; the floors are
// the tokens/s the FLOPs would take at the model's float32 ceiling. Prints one JSON line.
// Peer: bench/peers/torch_peer.py.
//
// FLOP counts (multiply-add = 2), per token, L layers, C = 768, F = 3072, T = 384, r = 8:
//   forward  = 2 (4C^2 + 2CF) L + 2 * 2 T C L (attention scores and mix, full T x T as computed)
//              + LoRA 2 r (in + out) summed over the 4L linears
//   training = forward + backward; backward of the frozen linears computes input gradients only
//              (1x their forward), attention 2x, LoRA 2x. The QA head and embeddings are negligible.
#include <sys/resource.h>

#include <chrono>
#include <cstdio>

#include <torch/torch.h>
#include <nlohmann/json.hpp>

#include "bench_support.h"
#include "bitswitch/core/runtime.h"
#include "bitswitch/model/gpt2.h"
#include "bitswitch/model/qa_head.h"
#include "bitswitch/ops/matmul.h"
#include "bitswitch/quant/precision.h"
#include "bitswitch/train/fused_adamw.h"
#include "gemm_ceilings.h"

using bitswitch::bench::Clock;
using bitswitch::bench::gemm_ceilings;
using bitswitch::bench::GemmCeilings;
using bitswitch::bench::seconds_since;

int main(int argc, char** argv) {
    bitswitch::core::configure_compute_threads(argv, argc > 1 ? std::atoi(argv[1]) : 0);
    const int steps = argc > 2 ? std::atoi(argv[2]) : 5;
    torch::manual_seed(0);
    bitswitch::model::Gpt2Config cfg;  // gpt2 (124M): 12 x 768, 12 heads, dropout 0.1
    const int64_t L = cfg.n_layer, C = cfg.n_embd, F = cfg.inner_dim(), T = 384, r = 8;
    const double lora_per_token       = 2.0 * r * L * ((C + 3 * C) + (C + C) + (C + F) + (F + C));
    const double linear_per_token     = 2.0 * L * (4 * C * C + 2 * C * F);
    const double attn_per_token       = 2.0 * 2 * T * C * L;
    const double fwd_flops_per_token  = linear_per_token + attn_per_token + lora_per_token;
    const double step_flops_per_token = 2 * linear_per_token + 3 * attn_per_token + 3 * lora_per_token;

    GemmCeilings ceiling = gemm_ceilings();  // measured again after the workload; the better one counts

    bitswitch::model::Gpt2ForQuestionAnswering model(cfg);
    for (auto& [name, layer] : model->transformer->linear_layers())
        layer->add_adapter("default", {r, 16.0, 0.0});
    model->set_precision(bitswitch::quant::uniform_config({}, "default", model->units(), "default"));
    bitswitch::train::FusedAdamW opt(bitswitch::bench::lora_trainable(*model),
                                     torch::optim::AdamWOptions(1e-4));

    // Training step: batch 4 x 384.
    model->train();
    const bitswitch::bench::QaBatch batch(cfg.vocab_size, 4, T);
    const auto &ids = batch.ids, &mask = batch.mask, &start = batch.start, &end = batch.end;
    const auto train_step = [&] {
        opt.zero_grad();
        const auto [s, e] = model->forward(ids, mask);
        bitswitch::model::qa_span_loss(s, e, start, end).backward();
        opt.step();
    };
    train_step();  // warm-up
    auto t = Clock::now();
    for (int i = 0; i < steps; ++i) train_step();
    const double step_seconds = seconds_since(t) / steps;

    // Eval forward: batch 8 x 384, no gradients.
    model->eval();
    const auto eval_ids  = torch::randint(0, cfg.vocab_size, {8, T});
    const auto eval_mask = torch::ones({8, T}, torch::kLong);
    double fwd_seconds   = 0;
    {
        torch::NoGradGuard no_grad;
        model->forward(eval_ids, eval_mask);
        t = Clock::now();
        for (int i = 0; i < steps; ++i) model->forward(eval_ids, eval_mask);
        fwd_seconds = seconds_since(t) / steps;
    }
    // The same forward with every linear, input and K/V fake-quantized to 8 bits (weights quantized once
    // and cached, activations by the fused kernel on every call).
    double fwd8_seconds = 0;
    {
        torch::NoGradGuard no_grad;
        model->set_precision(bitswitch::quant::parse_precision("8", model->units(), {}));  // base only
        model->forward(eval_ids, eval_mask);  // fills the weight cache
        t = Clock::now();
        for (int i = 0; i < steps; ++i) model->forward(eval_ids, eval_mask);
        fwd8_seconds = seconds_since(t) / steps;
    }
    // --bf16: the same training step and fp32 eval forward on bfloat16 products, where the CPU has them.
    double bf16_step_seconds = 0, bf16_fwd_seconds = 0;
    if (bitswitch::ops::bf16_products_available()) {
        const bitswitch::ops::Bf16ProductsScope bf16(true);
        model->set_precision(bitswitch::quant::uniform_config({}, "default", model->units(), "default"));
        model->train();
        train_step();
        t = Clock::now();
        for (int i = 0; i < steps; ++i) train_step();
        bf16_step_seconds = seconds_since(t) / steps;
        model->eval();
        torch::NoGradGuard no_grad;
        model->forward(eval_ids, eval_mask);
        t = Clock::now();
        for (int i = 0; i < steps; ++i) model->forward(eval_ids, eval_mask);
        bf16_fwd_seconds = seconds_since(t) / steps;
    }
    ceiling                  = ceiling.best_with(gemm_ceilings());
    const double step_tokens = 4.0 * T, fwd_tokens = 8.0 * T;
    nlohmann::ordered_json out{
        {"name", "bitswitch"},
        {"threads", at::get_num_threads()},
        {"blas_gemm_ceiling_gflops", ceiling.blas},
        {"model_gemm_ceiling_gflops", ceiling.model},
        {"fma_peak_gflops", ceiling.fma},
        {"train_step_tokens_per_s", step_tokens / step_seconds},
        {"train_step_gflops", step_tokens * step_flops_per_token / step_seconds / 1e9},
        {"train_step_floor_tokens_per_s", ceiling.model * 1e9 / step_flops_per_token},
        {"eval_forward_tokens_per_s", fwd_tokens / fwd_seconds},
        {"eval_forward_gflops", fwd_tokens * fwd_flops_per_token / fwd_seconds / 1e9},
        {"eval_forward_floor_tokens_per_s", ceiling.model * 1e9 / fwd_flops_per_token},
        {"eval_forward_w8a8kv8_tokens_per_s", fwd_tokens / fwd8_seconds},
        {"eval_forward_w8a8kv8_cost_ratio", fwd8_seconds / fwd_seconds},
        {"peak_rss_mb", double(bitswitch::core::peak_rss_bytes()) / (1 << 20)},
    };
    if (bf16_step_seconds > 0) {
        // How much faster the bf16 product is than the float32 one: the most a step made only of such
        // products could gain from --bf16.
        out["bf16_gemm_ceiling_gflops"]       = ceiling.bf16;
        out["bf16_over_fp32_gemm_ceiling"]    = ceiling.bf16 / ceiling.model;
        out["train_step_bf16_tokens_per_s"]   = step_tokens / bf16_step_seconds;
        out["bf16_train_step_speedup"]        = step_seconds / bf16_step_seconds;
        out["eval_forward_bf16_tokens_per_s"] = fwd_tokens / bf16_fwd_seconds;
        out["bf16_eval_forward_speedup"]      = fwd_seconds / bf16_fwd_seconds;
    }
    std::printf("%s\n", out.dump().c_str());
    return 0;
}
