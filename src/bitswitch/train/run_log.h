// The log files of a training run folder, written by rank 0 only and appended line by line so that a
// resumed run continues them (after dropping what the stopped run logged past its checkpoint):
//   log.jsonl       one JSON object per log window ({"step", "loss", "learning_rate", "grad_norm", "epoch",
//                   "elapsed"}), evaluation ({"step", "eval_exact_match", ...}) or precision range test
//   schedule.jsonl  multi-precision modes: per step, each pass's precision, weight bits per unit group and
//                   QA loss (averaged over the data-parallel ranks, like the step loss)
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "bitswitch/train/objective.h"
#include "bitswitch/train/planner.h"

namespace bitswitch::train {

class RunLog {
  public:
    /// `enabled` false (ranks other than 0) makes every call a no-op.
    RunLog(std::filesystem::path run_dir, bool enabled);
    /// A fresh run: earlier runs' logs in the folder must not be mistaken for this one's.
    void start_fresh();
    /// A resumed run: the lines of steps after `step` (the checkpoint's) are redone by this run, so the
    /// stopped run's are dropped and the logs read as if the run had never stopped; with
    /// `evaluations_at_step` also the evaluations logged at `step` (a run resumed from its final checkpoint
    /// evaluates again).
    void drop_after(int64_t step, bool evaluations_at_step);
    void log(const nlohmann::ordered_json& entry);
    /// One schedule.jsonl line for step `step` (1-based): the plan's passes with their losses.
    void schedule(int64_t step, const StepPlan& plan, const std::vector<PassLoss>& losses);

  private:
    void append(const std::string& file, const std::string& line);
    std::filesystem::path dir_;
    bool enabled_;
};

}  // namespace bitswitch::train
