// What an attack may change (docs/ROBUSTNESS.md states it for users): the context, optionally the
// question, never a gold answer. A context token is attackable unless its characters overlap one of the
// question's gold answers, so the answer text stays in the context at its offsets and every adversarial
// question is still answerable. Padding is never attackable. Questions without an answer in their context
// (SQuAD 2.0's impossible ones) cannot be attacked this way: the attack is untargeted against the gold
// span, so they are refused rather than scored.
#pragma once

#include <cstdint>
#include <vector>

#include <torch/types.h>

#include "bitswitch/data/batch.h"
#include "bitswitch/data/qa_features.h"
#include "bitswitch/data/squad.h"

namespace bitswitch::attack {

struct ThreatModel {
    bool perturb_question = false;  // question tokens are attackable too
};

/// One flag per position of the feature (max_seq_length): 1 where an attack may change the token.
std::vector<uint8_t> attackable_positions(const data::QAFeature& feature, const data::QAExample& example,
                                          const ThreatModel& threat);

/// The same for a training batch (B, T) as floats, from what a batch carries: real tokens from each window's
/// context_begin on (and before it with perturb_question), except the labelled answer span [start, end]
/// when the window has one. Training features label the first answer only, so only that one is protected.
torch::Tensor attackable_in_batch(const data::Batch& batch, const ThreatModel& threat);

/// InputError naming the file and question when a question has no gold answer (SQuAD 2.0 impossible):
/// nothing to attack, with the fix (drop those questions).
void check_attackable(const data::SquadDataset& dataset);

}  // namespace bitswitch::attack
