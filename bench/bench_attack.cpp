// What one PGD step costs against one LoRA training step on the same batch (issue 13's goal: at most
// 1.2x), on GPT-2-124M shapes with random weights: batch 4 x 384, rank-8 adapters on every block linear,
// at full precision and at w8a8kv8 fake quantization. The training step is `train`'s: forward in training
// mode (dropout 0.1), the QA loss, backward into the adapters and the head, AdamW. The PGD step is
// `attack pgd`'s: forward in eval mode, backward into the input embeddings only (attack/pgd.h freezes every
// parameter), the sign step and the projection. An EOT step with K = 4 draws is shown too (it is K
// gradients by construction). Best of `steps` repetitions each, after a warm-up. Prints one JSON line.
// The peer of the training step is bench/model.sh; there is no peer of the attack (the seeds' attacks run
// on Hugging Face models in Python and are not built for speed).
#include <cstdio>

#include <torch/torch.h>
#include <nlohmann/json.hpp>

#include "bench_support.h"
#include "bitswitch/attack/pgd.h"
#include "bitswitch/core/runtime.h"
#include "bitswitch/model/gpt2.h"
#include "bitswitch/model/qa_head.h"
#include "bitswitch/quant/precision.h"
#include "bitswitch/train/fused_adamw.h"

namespace {

using bitswitch::bench::Clock;
using bitswitch::bench::seconds_since;

template <class Step>
double best_seconds(int repetitions, const Step& step) {
    step();  // warm-up (weight caches, allocator)
    double best = 1e30;
    for (int i = 0; i < repetitions; ++i) {
        const auto t = Clock::now();
        step();
        best = std::min(best, seconds_since(t));
    }
    return best;
}

}  // namespace

int main(int argc, char** argv) {
    bitswitch::core::configure_compute_threads(argv, argc > 1 ? std::atoi(argv[1]) : 0);
    const int repetitions = argc > 2 ? std::atoi(argv[2]) : 3;
    torch::manual_seed(0);
    namespace quant = bitswitch::quant;
    bitswitch::model::Gpt2Config cfg;  // gpt2 (124M)
    bitswitch::model::Gpt2ForQuestionAnswering model(cfg);
    for (auto& [name, layer] : model->transformer->linear_layers())
        layer->add_adapter("default", {8, 16.0, 0.0});
    bitswitch::train::FusedAdamW opt(bitswitch::bench::lora_trainable(*model),
                                     torch::optim::AdamWOptions(1e-4));
    const bitswitch::bench::QaBatch qa(cfg.vocab_size, 4, 384);
    const auto batch      = qa.as_batch();
    const auto attackable = torch::ones({4, 384});

    nlohmann::ordered_json out{{"name", "bitswitch"}, {"threads", at::get_num_threads()}, {"batch", "4x384"}};
    for (const char* bits : {"fp", "8"}) {
        const auto config = quant::parse_precision(bits, model->units(), {});
        auto adapted      = config;
        for (auto& [unit, precision] : adapted.units)
            precision.adapter = unit == "qa_outputs" ? "" : "default";
        model->set_precision(adapted);
        model->train();
        const double train = best_seconds(repetitions, [&] {
            opt.zero_grad();
            const auto [s, e] = model->forward(batch.input_ids, batch.attention_mask);
            bitswitch::model::qa_span_loss(s, e, batch.start_positions, batch.end_positions).backward();
            opt.step();
        });
        model->eval();
        bitswitch::attack::PgdOptions one_step;
        one_step.steps        = 1;
        one_step.random_start = false;
        const auto pgd_step   = [&](int k) {
            return best_seconds(repetitions, [&] {
                bitswitch::attack::pgd_attack(
                      *model, batch, attackable, one_step, 0.01, 0.001,
                      [&](int, int) { return std::vector<quant::PrecisionConfig>(k, adapted); }, 0);
            });
        };
        const double pgd = pgd_step(1), eot4 = pgd_step(4);
        const std::string label = std::string(bits) == "fp" ? "fp" : "w8a8kv8";
        out[label]              = {{"train_step_s", train},
                                   {"pgd_step_s", pgd},
                                   {"pgd_over_train", pgd / train},
                                   {"eot4_step_s", eot4},
                                   {"eot4_over_train", eot4 / train}};
    }
    out["peak_rss_mb"] = double(bitswitch::core::peak_rss_bytes()) / (1 << 20);
    std::printf("%s\n", out.dump().c_str());
    return 0;
}
