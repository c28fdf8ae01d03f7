// The precision range test's training steps.
#include "bitswitch/train/precision_range_test.h"

#include <algorithm>
#include <cstdio>

#include <torch/torch.h>

#include "bitswitch/train/bit_schedule.h"
#include "bitswitch/train/fused_adamw.h"
#include "bitswitch/train/objective.h"

namespace bitswitch::train {

PrecisionRangeTest run_precision_range_test(model::QuantModel& model,
                                            const std::vector<torch::Tensor>& params,
                                            const PrecisionPlanner& planner, const TrainConfig& c,
                                            const std::function<data::Batch(int64_t)>& batch) {
    std::vector<torch::Tensor> saved;
    for (const auto& p : params) saved.push_back(p.detach().clone());
    const auto restore = [&] {
        torch::NoGradGuard no_grad;
        for (size_t i = 0; i < params.size(); ++i) params[i].copy_(saved[i]);
    };
    const auto& w = planner.cyclic_w();
    PrecisionRangeTest result;
    for (int b = w.b_min; b <= std::min(w.b_max, 16); ++b) {
        // Every candidate starts from the run's weights with a fresh optimizer and sees the same batches:
        // otherwise a higher bit-width would be measured after more training and look better for it.
        restore();
        FusedAdamW opt(params, torch::optim::AdamWOptions(c.learning_rate));
        const int a       = c.cyclic_a_bits_schedule.empty() ? b : c.cyclic_a_bits_schedule[1];
        const auto config = planner.cyclic_config(b, a);
        double sum        = 0.0;
        for (int64_t k = 0; k < c.prt_steps; ++k) {
            for (const auto& p : params) p.mutable_grad() = torch::Tensor();
            const auto x    = batch(k);
            const auto loss = eval::task_loss(eval::task_logits(model, x, &config), x);
            loss.backward();
            opt.step();
            sum += loss.item<double>();
        }
        result.bits.push_back(b);
        result.losses.push_back(sum / double(c.prt_steps));
        std::fprintf(stderr, "precision range test: %d bits, mean loss %.4f over %lld steps\n", b,
                     result.losses.back(), (long long)c.prt_steps);
    }
    for (const auto& p : params) p.mutable_grad() = torch::Tensor();
    restore();  // the test must not leave its updates in the run
    result.chosen = precision_range_test(result.bits, result.losses, c.prt_threshold);
    std::fprintf(stderr, "precision range test: the cyclic schedule starts at %d bits\n", result.chosen);
    return result;
}

}  // namespace bitswitch::train
