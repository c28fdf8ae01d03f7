// `bitswitch sweep` on a GLUE task: the configs a SQuAD sweep would run (analysis/sweep.h), each evaluated
// on the task's file by the model's classifier: every metric of the task with its bootstrap interval over
// rows and its difference to the reference paired over the same rows, and the sizes. The markdown table
// shows every metric and the main one's difference; CSV and JSON lines carry every difference.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "bitswitch/analysis/sweep.h"
#include "bitswitch/data/glue.h"
#include "bitswitch/eval/glue_eval.h"

namespace bitswitch::analysis {

struct GlueSweepRow {
    std::string config;
    std::map<std::string, eval::Interval> scores;  // per metric of the task, percent
    std::map<std::string, eval::Interval> diffs;   // per metric: config minus reference, paired
    double avg_weight_bits = 0, model_bytes = 0, bit_operations_per_token = 0;
    double seconds = 0;
};

struct GlueSweepResult {
    data::GlueTask task = data::GlueTask::kSst2;
    std::string reference;
    int64_t examples = 0;
    eval::BootstrapOptions bootstrap;
    std::vector<GlueSweepRow> rows;
};

/// Every config of `config` (sweep_configs) on a loaded classifier and a framed evaluation set.
GlueSweepResult glue_sweep_of(const model::LoadedModel& loaded, const eval::GlueEvalSet& set,
                              const SweepConfig& config);

/// Loads the classifier and the task's file, sweeps, writes output_dir when given (sweep.md, sweep.csv,
/// sweep.jsonl).
GlueSweepResult run_glue_sweep(const SweepConfig& config, data::GlueTask task);

std::string format_glue_sweep(const GlueSweepResult& result, eval::OutputFormat format);

}  // namespace bitswitch::analysis
