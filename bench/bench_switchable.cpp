// Cost of one switchable-precision training step over L levels against L static steps, at GPT-2-124M
// shapes (random weights from the real config, batch 4 x 384, rank-8 LoRA per level on every block linear,
// QA head trained). The goal: switchable <= L x static x 1.1. Both run the Trainer's objective
// code (train/objectives.h), so the figure includes set_precision switching and the per-level backward.
// Prints one JSON line. Usage: bench_switchable [threads] [steps]
#include <chrono>
#include <cstdio>

#include <torch/torch.h>
#include <nlohmann/json.hpp>

#include "bench_support.h"
#include "bitswitch/core/runtime.h"
#include "bitswitch/model/gpt2.h"
#include "bitswitch/train/fused_adamw.h"
#include "bitswitch/train/objective.h"
#include "bitswitch/train/planner.h"

using bitswitch::bench::Clock;
using bitswitch::bench::seconds_since;

int main(int argc, char** argv) {
    bitswitch::core::configure_compute_threads(argv, argc > 1 ? std::atoi(argv[1]) : 0);
    const int steps = argc > 2 ? std::atoi(argv[2]) : 3;
    torch::manual_seed(0);
    bitswitch::model::Gpt2Config cfg;
    const int64_t T = 384;
    bitswitch::model::Gpt2ForQuestionAnswering model(cfg);

    bitswitch::train::TrainConfig c;
    c.level_lists.w_bits = {8, 4};
    c.lora               = {8, 16.0, 0.0};
    const auto levels    = bitswitch::train::levels_of(c);
    const auto adapters  = bitswitch::train::adapter_set_for(c, levels);
    for (auto& [name, layer] : model->transformer->linear_layers()) {
        for (const auto& l : levels) layer->add_adapter(l.name(), l.lora);
    }
    const auto trainable = bitswitch::bench::lora_trainable(*model);
    bitswitch::train::FusedAdamW opt(trainable, torch::optim::AdamWOptions(1e-4));
    model->train();
    const bitswitch::bench::QaBatch batch(cfg.vocab_size, 4, T);

    // The trainer's own step (planner + objective), without data loading and logging.
    const auto run_steps = [&](bitswitch::train::Mode mode) {
        c.mode = mode;
        const bitswitch::train::PrecisionPlanner planner(c, levels, adapters, model->units(), steps + 1);
        const auto step = [&](int64_t i) {
            for (auto& p : trainable) p.mutable_grad() = torch::Tensor();
            bitswitch::train::backward_micro_batch(*model, batch.as_batch(), planner.plan(i), {}, {}, 1.0);
            opt.step();
        };
        step(0);  // warm-up: fills the weight caches
        const auto t = Clock::now();
        for (int i = 1; i <= steps; ++i) step(i);
        return seconds_since(t) / steps;
    };
    const double static_s     = run_steps(bitswitch::train::Mode::kStatic);
    const double switchable_s = run_steps(bitswitch::train::Mode::kSwitchable);
    const double L            = double(levels.size());
    std::printf("%s\n", nlohmann::ordered_json{{"name", "bitswitch switchable step"},
                                               {"threads", at::get_num_threads()},
                                               {"levels", L},
                                               {"static_step_seconds", static_s},
                                               {"switchable_step_seconds", switchable_s},
                                               {"ratio_to_levels_x_static", switchable_s / (L * static_s)}}
                            .dump()
                            .c_str());
    return 0;
}
