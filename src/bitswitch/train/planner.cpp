// Step plans of the training modes.
#include "bitswitch/train/planner.h"

#include <cmath>

#include <fmt/format.h>

#include "bitswitch/core/error.h"

namespace bitswitch::train {
namespace {

// Bit-widths above 16 are not quantized (float32 holds 24 bits of mantissa): they run at full precision.
int runnable_bits(int bits) {
    return bits > 16 ? quant::kFullPrecisionBits : bits;
}

}  // namespace

quant::AdapterSet adapter_set_for(const TrainConfig& c, const std::vector<quant::PrecisionLevel>& levels) {
    if (c.finetune != Finetune::kLora) return {};
    if (c.mode == Mode::kCyclic && c.cyclic_adapter == CyclicAdapter::kShared)
        return {levels, quant::AdapterSet::kSharedName};
    return {levels, ""};
}

PrecisionPlanner::PrecisionPlanner(const TrainConfig& c, std::vector<quant::PrecisionLevel> levels,
                                   quant::AdapterSet adapters, quant::UnitList units, int64_t total_steps)
    : c_(c),
      levels_(std::move(levels)),
      adapters_(std::move(adapters)),
      units_(std::move(units)),
      total_steps_(total_steps) {
    if (c.mode == Mode::kCyclic) {
        const auto& w = c.cyclic_w_bits_schedule;
        cyclic_       = {w.empty() ? c.num_bit_min : w[0],
                   w.empty() ? c.num_bit_max : w[1],
                   total_steps,
                   c.num_cyclic_period,
                   c.cyclic_schedule,
                   c.cyclic_period};
        cyclic_a_ = cyclic_;
        if (!c.cyclic_a_bits_schedule.empty()) {
            cyclic_a_.b_min = c.cyclic_a_bits_schedule[0];
            cyclic_a_.b_max = c.cyclic_a_bits_schedule[1];
        }
        cyclic_bits(cyclic_, 0);  // validates
        cyclic_bits(cyclic_a_, 0);
    }
}

quant::PrecisionConfig PrecisionPlanner::level_config(size_t i) const {
    return quant::config_for_levels({levels_[i]}, units_, adapters_, levels_[i].name());
}

quant::PrecisionConfig PrecisionPlanner::cyclic_config(int w_bits, int a_bits) const {
    const quant::BitWidths bits{runnable_bits(w_bits), runnable_bits(a_bits), runnable_bits(a_bits)};
    const std::string label = fmt::format("w{}a{}", w_bits, a_bits);
    if (c_.finetune != Finetune::kLora || !adapters_.shared_adapter.empty()) {
        return quant::uniform_config(bits, adapters_.shared_adapter, units_, label);
    }
    // Snap to the nearest level's adapter by weight bits; ties go to the higher precision.
    size_t best = 0;
    for (size_t i = 1; i < levels_.size(); ++i) {
        if (std::abs(levels_[i].bits.w - w_bits) < std::abs(levels_[best].bits.w - w_bits)) best = i;
    }
    return quant::uniform_config(bits, levels_[best].name(), units_, label);
}

quant::PrecisionConfig PrecisionPlanner::self_teacher_config() const {
    const std::string adapter = !adapters_.shared_adapter.empty() ? adapters_.shared_adapter
                                : adapters_.levels.empty()        ? std::string()
                                                                  : levels_.front().name();
    return quant::uniform_config({}, adapter, units_, "fp");
}

StepPlan PrecisionPlanner::plan(int64_t step) const {
    StepPlan p;
    const size_t groups     = size_t(quant::group_count(units_));
    const auto uniform_bits = [&](int w) { return std::vector<int>(groups, w); };
    const size_t L          = levels_.size();
    const auto level_pass   = [&](size_t i, double weight) {
        return LevelPass{level_config(i), weight, levels_[i].name(), uniform_bits(levels_[i].bits.w)};
    };
    switch (c_.mode) {
        case Mode::kStatic:
            p.passes.push_back(level_pass(0, 1.0));
            break;
        case Mode::kSwitchable:
            p.from_higher = c_.switch_loss;
            if (c_.switch_schedule == SwitchSchedule::kSequential) {
                const size_t trained = std::min(L - 1, size_t(step * int64_t(L) / total_steps_));
                p.passes.push_back(level_pass(trained, 1.0));
                if (p.from_higher != SwitchLoss::kAvg) {
                    for (size_t i = 0; i < trained; ++i) p.teachers.push_back(level_pass(i, 0.0));
                }
                break;
            }
            for (size_t i = 0; i < L; ++i)
                p.passes.push_back(level_pass(i, c_.loss_scale.empty() ? 1.0 / double(L) : c_.loss_scale[i]));
            break;
        case Mode::kRandom: {
            const quant::RandomPrecision random{levels_, c_.sample_probs, c_.random_granularity};
            auto config = quant::sample_config(random, units_, adapters_, uint64_t(c_.seed), step);
            std::vector<int> bits(groups, 32);  // per group: the bits of its first unit with a weight
            for (size_t u = units_.size(); u-- > 0;) {
                if (units_[u].has_weight()) bits[size_t(units_[u].group)] = config[u].bits.w;
            }
            auto label = config.source;
            p.passes.push_back({std::move(config), 1.0, std::move(label), std::move(bits)});
            break;
        }
        case Mode::kCyclic: {
            const int w = cyclic_bits(cyclic_, step);
            const int a = c_.cyclic_a_bits_schedule.empty() ? w : cyclic_bits(cyclic_a_, step);
            auto config = cyclic_config(w, a);
            auto label  = config.source;
            p.passes.push_back({std::move(config), 1.0, label, uniform_bits(runnable_bits(w))});
            break;
        }
    }
    return p;
}

std::vector<quant::PrecisionConfig> PrecisionPlanner::eval_configs() const {
    std::vector<quant::PrecisionConfig> out;
    if (c_.mode == Mode::kCyclic && (c_.finetune != Finetune::kLora || !adapters_.shared_adapter.empty())) {
        out.push_back(cyclic_config(cyclic_.b_max, cyclic_a_.b_max));
        if (cyclic_.b_min != cyclic_.b_max || cyclic_a_.b_min != cyclic_a_.b_max)
            out.push_back(cyclic_config(cyclic_.b_min, cyclic_a_.b_min));
        return out;
    }
    for (size_t i = 0; i < levels_.size(); ++i) out.push_back(level_config(i));
    return out;
}

}  // namespace bitswitch::train
