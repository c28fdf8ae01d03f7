// Which precisions one training step runs, per mode (the paradigms of the seeds):
//   static      one pass at the run's level
//   switchable  one pass per level, high to low, losses weighted (--loss_scale, default 1/L: seed 000's
//               avg_loss); --switch_schedule sequential trains the levels one after another instead (equal
//               shares of the steps, high to low). --switch_loss cascade or kd make each level distill from
//               the levels above it: within the step (joint), or from teacher passes at the higher levels
//               run without gradients (sequential; seed 003)
//   random      one pass at levels sampled per step: per unit group (each block and the head; seed 001) or
//               for the whole model (Double-Win Quant), from a generator seeded by (seed, step)
//   cyclic      one pass at the CPT schedule's bits (bit_schedule.h) with one shared adapter, or with the
//               adapter of the nearest level (seed 001); bits above 16 run at full precision
// Configs are resolved against the units the model declares, so any QuantModel can be planned for.
// What a pass's loss is (the task loss plus distillation) is train/objective.h's business.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "bitswitch/quant/precision.h"
#include "bitswitch/quant/random_precision.h"
#include "bitswitch/quant/units.h"
#include "bitswitch/train/bit_schedule.h"
#include "bitswitch/train/train_config.h"

namespace bitswitch::train {

struct LevelPass {
    quant::PrecisionConfig config;
    double weight = 1.0;
    std::string label;        // for logs: the level name or the sampled bits
    std::vector<int> w_bits;  // per unit group: the schedule's weight bits at this step
};

struct StepPlan {
    std::vector<LevelPass> passes;  // high to low precision
    /// What each pass learns from the levels above it (avg: nothing): the earlier passes of the step and
    /// the teacher passes.
    SwitchLoss from_higher = SwitchLoss::kAvg;
    /// Passes run without gradients, only for their logits, before `passes` (the higher levels of a
    /// sequential step), high to low.
    std::vector<LevelPass> teachers;
};

/// Turns the mode settings into per-step plans. Pure in (step): every rank and a resumed run agree.
class PrecisionPlanner {
  public:
    /// levels: the run's levels, high to low; adapters: what configs resolve against; units: the model's.
    PrecisionPlanner(const TrainConfig& config, std::vector<quant::PrecisionLevel> levels,
                     quant::AdapterSet adapters, quant::UnitList units, int64_t total_steps);
    StepPlan plan(int64_t step) const;
    /// The uniform configs evaluated at each evaluation (one per level; cyclic: its maximum and minimum).
    std::vector<quant::PrecisionConfig> eval_configs() const;
    void set_cyclic_min_bits(int bits) { cyclic_.b_min = bits; }
    const CyclicSchedule& cyclic_w() const { return cyclic_; }
    /// Cyclic mode: every unit at (w, a = kv) bits with the shared or the nearest level's adapter.
    quant::PrecisionConfig cyclic_config(int w_bits, int a_bits) const;
    /// Every unit at level i (high to low).
    quant::PrecisionConfig level_config(size_t level) const;
    /// The config a teacher "self-fp" runs: full precision with the highest level's (or the shared) adapter.
    quant::PrecisionConfig self_teacher_config() const;

  private:
    const TrainConfig& c_;
    std::vector<quant::PrecisionLevel> levels_;
    quant::AdapterSet adapters_;
    quant::UnitList units_;
    int64_t total_steps_;
    CyclicSchedule cyclic_, cyclic_a_;
};

/// Levels and adapters a run trains, from its settings: per-level adapters, or (cyclic with a shared
/// adapter) one adapter named quant::AdapterSet::kSharedName serving the schedule's bits. Empty for full
/// fine-tuning (configs then carry bits only).
quant::AdapterSet adapter_set_for(const TrainConfig& config,
                                  const std::vector<quant::PrecisionLevel>& levels);

}  // namespace bitswitch::train
