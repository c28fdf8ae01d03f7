// QA features -> model input tensors. Batches are cut to their longest real sequence: with right padding
// and causal attention the trailing pad columns change nothing for the real tokens, so this is exact and
// saves the compute of padding (SQuAD windows are often far shorter than max_seq_length).
#pragma once

#include <cstddef>
#include <vector>

#include <torch/types.h>

#include "bitswitch/data/qa_features.h"

namespace bitswitch::data {

struct Batch {
    torch::Tensor input_ids;        // (B, T) int64
    torch::Tensor attention_mask;   // (B, T) int64
    torch::Tensor start_positions;  // (B) int64
    torch::Tensor end_positions;    // (B) int64
    torch::Tensor context_begin;    // (B) int64: each window's first context token (what follows is context)
};

/// The features at `indices`, padded to the longest of them (or to max_seq_length when !trim).
Batch make_batch(const std::vector<QAFeature>& features, const std::vector<size_t>& indices,
                 bool trim = true);

/// Number of real (attention_mask 1) tokens of a feature.
int64_t real_length(const QAFeature& feature);

}  // namespace bitswitch::data
