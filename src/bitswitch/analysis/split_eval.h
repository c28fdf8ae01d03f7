// Evaluations of many configs split across the ranks of a torchrun launch (`torchrun --no-python
// --nproc_per_node=N bitswitch sweep|sensitivity ...`): each rank evaluates a contiguous share of the configs
// (so neighbours still share their blocks, eval/logits.h) and then every rank holds every config's scores,
// broadcast from the rank that computed them over the c10d group the trainer uses. Without WORLD_SIZE it is
// eval::evaluate_configs. Only rank 0 should write or print.
#pragma once

#include <chrono>
#include <functional>
#include <utility>
#include <vector>

#include "bitswitch/eval/evaluator.h"
#include "bitswitch/parallel/process_group.h"
#include "bitswitch/parallel/work_split.h"

namespace bitswitch::analysis {

struct SplitResults {
    std::vector<eval::EvalResult> results;  // every config's metrics and per-question scores (no predictions
                                            // for configs another rank ran)
    int rank = 0, world_size = 1;
    bool primary() const { return rank == 0; }
};

/// `on_result` sees the results this rank computed, as they are scored.
SplitResults evaluate_configs_split(
    model::QuantModel& model, const data::SquadDataset& dataset, const std::vector<data::QAFeature>& features,
    const std::vector<quant::PrecisionConfig>& configs, const eval::EvalOptions& options,
    const std::function<void(const quant::PrecisionConfig&, const eval::EvalResult&)>& on_result = {},
    std::chrono::seconds timeout = std::chrono::seconds(1800));

}  // namespace bitswitch::analysis
