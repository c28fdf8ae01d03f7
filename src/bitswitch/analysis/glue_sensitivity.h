// `bitswitch sensitivity` on a GLUE task (analysis/sensitivity.h's protocol on an encoder's classifier): the
// measured cost of each target at each test level is the drop of the task's main metric (accuracy, MCC,
// Pearson's r), paired over the same rows; the KL proxy compares the class distributions (a one-output
// head: the squared change of its score) on the first calibration_samples rows, which also carry the
// Fisher proxy's labels.
#pragma once

#include "bitswitch/analysis/sensitivity.h"
#include "bitswitch/eval/glue_eval.h"

namespace bitswitch::analysis {

/// The analysis on a loaded classifier and a framed GLUE evaluation set. Under torchrun every rank runs the
/// whole analysis and only rank 0 is primary.
SensitivityResult glue_sensitivity_of(const model::LoadedModel& loaded, const eval::GlueEvalSet& set,
                                      const SensitivityConfig& config);

}  // namespace bitswitch::analysis
