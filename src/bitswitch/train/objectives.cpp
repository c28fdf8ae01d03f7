// Step plans of the training modes and the distillation distance.
#include "bitswitch/train/objectives.h"

#include <cmath>

#include <fmt/format.h>
#include <torch/torch.h>

#include "bitswitch/core/error.h"

namespace bitswitch::train {
namespace {

// Bit-widths above 16 are not quantized (float32 holds 24 bits of mantissa): they run at full precision.
int runnable_bits(int bits) {
    return bits > 16 ? quant::kFullPrecisionBits : bits;
}

}  // namespace

KdLoss kd_loss_named(const std::string& name) {
    if (name == "mse") return KdLoss::kMse;
    if (name == "kl") return KdLoss::kKl;
    throw InputError(fmt::format("--kd_loss {}: expected mse or kl", name));
}

torch::Tensor distill_loss(const torch::Tensor& s_start, const torch::Tensor& s_end,
                           const torch::Tensor& t_start, const torch::Tensor& t_end, KdLoss kind, double T) {
    const auto one = [&](const torch::Tensor& s, const torch::Tensor& t) {
        if (kind == KdLoss::kMse) return torch::mse_loss(s, t.detach());
        const auto log_p_student = torch::log_softmax(s / T, -1);
        const auto log_p_teacher = torch::log_softmax(t.detach() / T, -1);
        // KL(teacher ‖ student), summed over positions and averaged over the batch ("batchmean"), times T².
        return (log_p_teacher.exp() * (log_p_teacher - log_p_student)).sum() / double(s.size(0)) * (T * T);
    };
    return (one(s_start, t_start) + one(s_end, t_end)) / 2;
}

quant::AdapterSet adapter_set_for(const TrainConfig& c, const std::vector<quant::PrecisionLevel>& levels) {
    if (c.finetune != "lora") return {};
    if (c.mode == "cyclic" && c.cyclic_adapter == "shared") return {levels, quant::AdapterSet::kSharedName};
    return {levels, ""};
}

PrecisionPlanner::PrecisionPlanner(const TrainConfig& c, std::vector<quant::PrecisionLevel> levels,
                                   quant::AdapterSet adapters, int64_t n_layer, int64_t total_steps)
    : c_(c),
      levels_(std::move(levels)),
      adapters_(std::move(adapters)),
      n_layer_(n_layer),
      total_steps_(total_steps) {
    if (c.mode == "cyclic") {
        const auto& w = c.cyclic_w_bits_schedule;
        cyclic_       = {w.empty() ? c.num_bit_min : w[0], w.empty() ? c.num_bit_max : w[1], total_steps,
                   c.num_cyclic_period, cyclic_shape_named(c.cyclic_schedule)};
        cyclic_a_     = cyclic_;
        if (!c.cyclic_a_bits_schedule.empty()) {
            cyclic_a_.b_min = c.cyclic_a_bits_schedule[0];
            cyclic_a_.b_max = c.cyclic_a_bits_schedule[1];
        }
        cyclic_bits(cyclic_, 0);  // validates
        cyclic_bits(cyclic_a_, 0);
    }
}

quant::PrecisionConfig PrecisionPlanner::level_config(size_t i) const {
    if (adapters_.levels.empty()) {  // full fine-tuning: bits only
        return quant::uniform_config(levels_[i].bits, "", n_layer_, levels_[i].name());
    }
    return quant::parse_precision(levels_[i].name(), n_layer_, adapters_);
}

quant::PrecisionConfig PrecisionPlanner::cyclic_config(int w_bits, int a_bits) const {
    const quant::BitWidths bits{runnable_bits(w_bits), runnable_bits(a_bits), runnable_bits(a_bits)};
    const std::string label = fmt::format("w{}a{}", w_bits, a_bits);
    if (c_.finetune != "lora" || !adapters_.shared_adapter.empty()) {
        return quant::uniform_config(bits, adapters_.shared_adapter, n_layer_, label);
    }
    // Snap to the nearest level's adapter by weight bits; ties go to the higher precision.
    size_t best = 0;
    for (size_t i = 1; i < levels_.size(); ++i) {
        if (std::abs(levels_[i].bits.w - w_bits) < std::abs(levels_[best].bits.w - w_bits)) best = i;
    }
    return quant::uniform_config(bits, levels_[best].name(), n_layer_, label);
}

StepPlan PrecisionPlanner::plan(int64_t step) const {
    StepPlan p;
    const auto uniform_bits = [&](int w) { return std::vector<int>(size_t(n_layer_ + 1), w); };
    const size_t L          = levels_.size();
    if (c_.mode == "static") {
        p.passes.push_back({level_config(0), 1.0, levels_[0].name(), uniform_bits(levels_[0].bits.w)});
    } else if (c_.mode == "switchable") {
        if (c_.switch_schedule == "sequential") {
            const size_t i = std::min(L - 1, size_t(step * int64_t(L) / total_steps_));
            p.passes.push_back({level_config(i), 1.0, levels_[i].name(), uniform_bits(levels_[i].bits.w)});
        } else {
            for (size_t i = 0; i < L; ++i) {
                const double w = c_.loss_scale.empty() ? 1.0 / double(L) : c_.loss_scale[i];
                p.passes.push_back({level_config(i), w, levels_[i].name(), uniform_bits(levels_[i].bits.w)});
            }
            p.cascade = c_.switch_loss == "cascade";
        }
    } else if (c_.mode == "random") {
        const size_t slots = c_.random_granularity == "model" ? 1 : size_t(n_layer_ + 1);
        const auto picks   = sample_levels(uint64_t(c_.seed), step, slots, L, c_.sample_probs);
        std::string list, label;
        std::vector<int> bits;
        for (int64_t s = 0; s <= n_layer_; ++s) {
            const auto& level = levels_[picks[slots == 1 ? 0 : size_t(s)]];
            list += (s ? "," : "") + fmt::format("w{}a{}kv{}", level.bits.w, level.bits.a, level.bits.kv);
            label += (s ? "," : "") + level.name();
            bits.push_back(level.bits.w);
        }
        auto config = adapters_.levels.empty() ? quant::parse_precision(list, n_layer_, {})
                                               : quant::parse_precision(list, n_layer_, adapters_);
        p.passes.push_back({std::move(config), 1.0, slots == 1 ? levels_[picks[0]].name() : label, bits});
    } else {  // cyclic
        const int w      = cyclic_bits(cyclic_, step);
        const int a      = c_.cyclic_a_bits_schedule.empty() ? w : cyclic_bits(cyclic_a_, step);
        auto config      = cyclic_config(w, a);
        const auto label = config.source;
        p.passes.push_back({std::move(config), 1.0, label, uniform_bits(runnable_bits(w))});
    }
    return p;
}

std::vector<quant::PrecisionConfig> PrecisionPlanner::eval_configs() const {
    std::vector<quant::PrecisionConfig> out;
    if (c_.mode == "cyclic" && (c_.finetune != "lora" || !adapters_.shared_adapter.empty())) {
        out.push_back(cyclic_config(cyclic_.b_max, cyclic_a_.b_max));
        if (cyclic_.b_min != cyclic_.b_max || cyclic_a_.b_min != cyclic_a_.b_max)
            out.push_back(cyclic_config(cyclic_.b_min, cyclic_a_.b_min));
        return out;
    }
    for (size_t i = 0; i < levels_.size(); ++i) out.push_back(level_config(i));
    return out;
}

}  // namespace bitswitch::train
