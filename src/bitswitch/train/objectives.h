// What one training step computes, per mode (DESIGN.md §1, issue "training paradigms"):
//   static      one pass at the run's level
//   switchable  one pass per level, high to low, losses weighted (--loss_scale, default 1/L: seed 000's
//               avg_loss); --switch_loss cascade adds InstantNet's cascaded distillation: level b's loss is
//               CE_b + β·Σ_{t higher} D(f_b, stopgrad f_t); --switch_schedule sequential trains the levels
//               one after another instead (equal shares of the steps, high to low)
//   random      one pass at levels sampled per step: per block + head (seed 001) or for the whole model
//               (Double-Win Quant), from a generator seeded by (seed, step)
//   cyclic      one pass at the CPT schedule's bits (bit_schedule.h) with one shared adapter, or with the
//               adapter of the nearest level (seed 001); bits above 16 run at full precision
// A teacher (--teacher DIR or self-fp) adds β·D(f, stopgrad f_teacher) to every pass.
// D is MSE on the start and end logits (InstantNet) or T²·KL(teacher_T ‖ student_T) on the start and end
// distributions at temperature T (the GPT-2 seeds, T = 2), each averaged over start and end.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <torch/types.h>

#include "bitswitch/quant/precision.h"
#include "bitswitch/train/bit_schedule.h"
#include "bitswitch/train/train_config.h"

namespace bitswitch::train {

enum class KdLoss { kMse, kKl };
KdLoss kd_loss_named(const std::string& name);

/// D(student, stopgrad teacher) over start and end logits (B, T) each.
torch::Tensor distill_loss(const torch::Tensor& student_start, const torch::Tensor& student_end,
                           const torch::Tensor& teacher_start, const torch::Tensor& teacher_end, KdLoss kind,
                           double temperature);

struct LevelPass {
    quant::PrecisionConfig config;
    double weight = 1.0;
    std::string label;        // for logs: the level name or the sampled bits
    std::vector<int> w_bits;  // per block, then the head: the schedule's bits at this step
};

struct StepPlan {
    std::vector<LevelPass> passes;  // high to low precision
    bool cascade = false;           // later passes distill from the earlier ones
};

/// Turns the mode settings into per-step plans. Pure in (step): every rank and a resumed run agree.
class PrecisionPlanner {
  public:
    /// levels: the run's levels, high to low; adapters: what configs resolve against.
    PrecisionPlanner(const TrainConfig& config, std::vector<quant::PrecisionLevel> levels,
                     quant::AdapterSet adapters, int64_t n_layer, int64_t total_steps);
    StepPlan plan(int64_t step) const;
    /// The uniform configs evaluated at each evaluation (one per level; cyclic: its minimum and maximum).
    std::vector<quant::PrecisionConfig> eval_configs() const;
    void set_cyclic_min_bits(int bits) { cyclic_.b_min = bits; }
    const CyclicSchedule& cyclic_w() const { return cyclic_; }
    /// Cyclic mode: every unit at (w, a = kv) bits with the shared or the nearest level's adapter.
    quant::PrecisionConfig cyclic_config(int w_bits, int a_bits) const;
    /// Every unit at level i (high to low).
    quant::PrecisionConfig level_config(size_t level) const;

  private:
    const TrainConfig& c_;
    std::vector<quant::PrecisionLevel> levels_;
    quant::AdapterSet adapters_;
    int64_t n_layer_, total_steps_;
    CyclicSchedule cyclic_, cyclic_a_;
};

/// Levels and adapters a run trains, from its settings: per-level adapters, or (cyclic with a shared
/// adapter) one adapter named quant::AdapterSet::kSharedName serving the schedule's bits.
quant::AdapterSet adapter_set_for(const TrainConfig& config,
                                  const std::vector<quant::PrecisionLevel>& levels);

}  // namespace bitswitch::train
