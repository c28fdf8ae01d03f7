// What a training or evaluation step feeds a model: the tokens and their mask, and the targets of the
// task: a QA span (start, end, where the context begins) or a class (labels; STS-B's scores). Only the
// task's fields are defined. QA features -> batches here; GLUE examples -> batches in glue_features.h.
// Batches are cut to their longest real sequence: with right padding and causal attention the trailing pad
// columns change nothing for the real tokens, so this is exact and saves the compute of padding (SQuAD
// windows are often far shorter than max_seq_length).
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
    torch::Tensor labels;           // (B) int64: sequence classification's classes (-1 for STS-B)
    torch::Tensor scores;           // (B) float: STS-B's similarity (0 for the classification tasks)

    /// A sequence classification batch (labels, scores) rather than a QA one (spans).
    bool is_classification() const { return labels.defined(); }
};

/// The features at `indices`, padded to the longest of them (or to max_seq_length when !trim).
Batch make_batch(const std::vector<QAFeature>& features, const std::vector<size_t>& indices,
                 bool trim = true);

/// Number of real (attention_mask 1) tokens of a feature.
int64_t real_length(const QAFeature& feature);

}  // namespace bitswitch::data
