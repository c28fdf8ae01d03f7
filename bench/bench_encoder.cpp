// RoBERTa-base-shape throughput (random weights, roberta-base's config: 12 x 768, 12 heads, feed-forward
// 3072, dropout 0.1), a two-class sequence classifier as seed 004 fine-tunes on GLUE: a full fine-tuning
// step (batch 16 x 128: forward, cross-entropy, backward through every weight, AdamW) and an fp32 eval
// forward (batch 32 x 128, no gradients), then that forward again with every linear and K/V fake-quantized
// to 8 bits; then the step and the fp32 forward on bf16 products (--bf16) where the CPU has them. Mean of
// `steps` calls after two warm-up calls (the first steps fault in the optimizer's state and the allocator's
// blocks), all cores unless told. Also the GEMM ceilings (gemm_ceilings.h) and the floors they set: the
// tokens/s the step's and the forward's FLOPs would take at the model's float32 (and bf16) product ceiling,
// the most any implementation doing all of this model's arithmetic with these products could reach; and
// the forward's tokens/s at the cores' float32 multiply-add peak (fma_peak.h), past which none can go. Prints
// one JSON line. With a third argument (step, forward, bf16-step or bf16-forward) it runs only that
// workload, `steps` times, and prints its tokens/s: a steady loop for a profiler (the WORKLOAD of
// bench/profile_step.sh).
// Peer: bench/peers/torch_encoder_peer.py (the same model and math in plain PyTorch eager).
//
// FLOP counts (multiply-add = 2), per token, L layers, C = 768, F = 3072, T = 128:
//   forward  = 2 (4C^2 + 2CF) L + 2 * 2 T C L (attention scores and mix)
//   training = 3x the linears (forward, input and weight gradients) + 3x attention
#include <cstdio>
#include <string>

#include <torch/torch.h>
#include <nlohmann/json.hpp>

#include "bench_clock.h"
#include "bitswitch/core/runtime.h"
#include "bitswitch/model/roberta.h"
#include "bitswitch/ops/matmul.h"
#include "bitswitch/quant/precision.h"
#include "bitswitch/train/fused_adamw.h"
#include "bitswitch/train/trainer.h"
#include "gemm_ceilings.h"

namespace {

using bitswitch::bench::Clock;
using bitswitch::bench::seconds_since;

// Mean seconds of `steps` calls after two warm-up calls.
template <class F>
double seconds_per_call(int steps, const F& call) {
    call();
    call();
    const auto t = Clock::now();
    for (int i = 0; i < steps; ++i) call();
    return seconds_since(t) / steps;
}

}  // namespace

int main(int argc, char** argv) {
    bitswitch::core::configure_compute_threads(argv, argc > 1 ? std::atoi(argv[1]) : 0);
    const int steps        = argc > 2 ? std::atoi(argv[2]) : 3;
    const std::string only = argc > 3 ? argv[3] : "";
    const bool only_bf16   = only.rfind("bf16-", 0) == 0;
    const bool only_step   = only == "step" || only == "bf16-step";
    torch::manual_seed(0);
    bitswitch::model::EncoderConfig cfg;  // roberta-base
    cfg.labels      = {"negative", "positive"};
    const int64_t L = cfg.num_hidden_layers, C = cfg.hidden_size, F = cfg.intermediate_size, T = 128;
    const double linear_per_token     = 2.0 * L * (4 * C * C + 2 * C * F);
    const double attn_per_token       = 2.0 * 2 * T * C * L;
    const double fwd_flops_per_token  = linear_per_token + attn_per_token;
    const double step_flops_per_token = 3 * linear_per_token + 3 * attn_per_token;

    const bool bf16_native = bitswitch::ops::bf16_products_available();
    if (!only.empty() && !only_step && only != "forward" && only != "bf16-forward") {
        std::fprintf(stderr,
                     "bench_encoder: unknown workload '%s' (step, forward, bf16-step, bf16-forward)\n",
                     only.c_str());
        return 2;
    }
    if (only_bf16 && !bf16_native) {
        std::fprintf(stderr, "bench_encoder: this CPU or build has no native bf16 products\n");
        return 2;
    }

    bitswitch::model::RobertaForTask model(cfg, bitswitch::model::EncoderHead::kSequenceClassification);
    std::vector<torch::Tensor> params;
    for (auto& [name, p] : bitswitch::train::mark_trainable(*model, bitswitch::train::Finetune::kFull))
        params.push_back(p);
    bitswitch::train::FusedAdamW opt(params, torch::optim::AdamWOptions(1e-5).weight_decay(0.01));

    // Fine-tuning step: batch 16 x 128, RoBERTa's ids (0 = <s>, 2 = </s>, others random), no padding.
    const auto random_ids = [&](int64_t batch) {
        auto ids = torch::randint(3, cfg.vocab_size, {batch, T});
        ids.select(1, 0).fill_(0);
        ids.select(1, T - 1).fill_(2);
        return ids;
    };
    const auto ids = random_ids(16), mask = torch::ones({16, T}, torch::kLong);
    const auto labels     = torch::randint(0, 2, {16});
    const auto& fp        = model->default_precision();
    const auto train_step = [&] {
        for (auto& p : params) p.mutable_grad() = torch::Tensor();  // as the trainer does: no zeroing pass
        const auto logits = model->classify(model->encode(model->embed(ids), mask, fp), fp);
        torch::nn::functional::cross_entropy(logits, labels).backward();
        opt.step();
    };

    // Eval forward: batch 32 x 128, no gradients; then every linear, input and K/V at 8 bits.
    const auto eval_ids = random_ids(32), eval_mask = torch::ones({32, T}, torch::kLong);
    const auto forward = [&](const bitswitch::quant::PrecisionConfig& p) {
        model->eval();
        torch::NoGradGuard no_grad;
        return seconds_per_call(
            steps, [&] { model->classify(model->encode(model->embed(eval_ids), eval_mask, p), p); });
    };
    const double step_tokens = 16.0 * T, fwd_tokens = 32.0 * T;
    if (!only.empty()) {
        const bitswitch::ops::Bf16ProductsScope bf16(only_bf16);
        model->train(only_step);
        const double tokens_per_s =
            only_step ? step_tokens / seconds_per_call(steps, train_step) : fwd_tokens / forward(fp);
        std::printf("{\"workload\":\"%s\",\"tokens_per_s\":%.1f}\n", only.c_str(), tokens_per_s);
        return 0;
    }

    auto ceiling = bitswitch::bench::gemm_ceilings();  // measured again after the workload; the better counts
    model->train();
    const double step_seconds = seconds_per_call(steps, train_step);
    const double fwd_seconds  = forward(fp);
    const double fwd8_seconds = forward(bitswitch::quant::parse_precision("8", model->units(), {}));

    // --bf16: the same step and fp32 forward on bfloat16 products, where the CPU has them.
    double bf16_step_seconds = 0, bf16_fwd_seconds = 0;
    if (bf16_native) {
        const bitswitch::ops::Bf16ProductsScope bf16(true);
        model->train();
        bf16_step_seconds = seconds_per_call(steps, train_step);
        bf16_fwd_seconds  = forward(fp);
    }

    ceiling = ceiling.best_with(bitswitch::bench::gemm_ceilings());
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
        {"eval_forward_fma_peak_tokens_per_s", ceiling.fma * 1e9 / fwd_flops_per_token},
        {"eval_forward_w8a8kv8_tokens_per_s", fwd_tokens / fwd8_seconds},
    };
    if (bf16_step_seconds > 0) {
        out["bf16_gemm_ceiling_gflops"]             = ceiling.bf16;
        out["train_step_bf16_tokens_per_s"]         = step_tokens / bf16_step_seconds;
        out["train_step_bf16_floor_tokens_per_s"]   = ceiling.bf16 * 1e9 / step_flops_per_token;
        out["eval_forward_bf16_tokens_per_s"]       = fwd_tokens / bf16_fwd_seconds;
        out["eval_forward_bf16_floor_tokens_per_s"] = ceiling.bf16 * 1e9 / fwd_flops_per_token;
    }
    out["peak_rss_mb"] = double(bitswitch::core::peak_rss_bytes()) / (1 << 20);
    std::printf("%s\n", out.dump().c_str());
    return 0;
}
