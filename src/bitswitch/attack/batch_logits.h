// What the attack matrices share to run features in batches and keep their logits: the longest-first batch
// order (a batch pads little) and the start/end logits of every feature for one evaluation pass.
#pragma once

#include <cstddef>
#include <vector>

#include "bitswitch/data/qa_features.h"
#include "bitswitch/model/quant_model.h"

namespace bitswitch::attack {

/// Feature indices in batches of at most batch_size, longest real length first (stable among equals).
std::vector<std::vector<size_t>> longest_first_batches(const std::vector<data::QAFeature>& features,
                                                       int batch_size);

/// Start and end logits of every feature, features x max_seq_length each; the lowest float past a feature's
/// real length, as eval::score_logits expects.
struct PassLogits {
    std::vector<float> start, end;
    explicit PassLogits(size_t size);
    /// Keeps the logits (B, T) of batch rows `rows` (features[rows[r]] is row r).
    void store(const model::SpanLogits& logits, const std::vector<data::QAFeature>& features,
               const std::vector<size_t>& rows);
};

}  // namespace bitswitch::attack
