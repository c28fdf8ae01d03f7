// The Precision Range Test of cyclic training (--prt; the decision rule is bit_schedule.h's
// precision_range_test): a few optimizer steps at each bit-width from the schedule's minimum up to
// min(maximum, 16). Each bit-width starts from the run's trainable weights with a fresh optimizer and the
// same batches, so the candidates differ only in their precision; the weights are restored afterwards, so
// the test leaves no trace in the run but the chosen minimum.
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include <torch/types.h>

#include "bitswitch/data/batch.h"
#include "bitswitch/model/quant_model.h"
#include "bitswitch/train/planner.h"

namespace bitswitch::train {

struct PrecisionRangeTest {
    std::vector<int> bits;
    std::vector<double> losses;  // mean loss of the steps at each bit-width
    int chosen = 0;              // the cyclic schedule's new minimum
};

/// Runs the test with AdamW at `learning_rate` over `params` (the trainable ones), `steps` steps per
/// bit-width on micro-batches 0, 1, ..., steps - 1 of `batch`. Activation bits follow the weight bits
/// unless the run gives its own activation schedule (then its maximum).
PrecisionRangeTest run_precision_range_test(model::QuantModel& model,
                                            const std::vector<torch::Tensor>& params,
                                            const PrecisionPlanner& planner, const TrainConfig& config,
                                            const std::function<data::Batch(int64_t)>& batch);

}  // namespace bitswitch::train
