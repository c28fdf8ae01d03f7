// What the attack matrices share to run features in batches and keep their logits: the longest-first batch
// order (a batch pads little) and the logits of every feature that one evaluation pass's answers need.
#pragma once

#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

#include "bitswitch/data/qa_features.h"
#include "bitswitch/model/quant_model.h"
#include "bitswitch/parallel/process_group.h"

namespace bitswitch::attack {

/// Feature indices in batches of at most batch_size, longest real length first (stable among equals).
std::vector<std::vector<size_t>> longest_first_batches(const std::vector<data::QAFeature>& features,
                                                       int batch_size);

/// The rank that runs each of n batches under a torchrun launch: every world_size-th, so that the longest
/// (longest_first_batches) are spread over the ranks; all 0 without a group.
std::vector<int> batch_ranks(size_t batches, const parallel::DataParallel* group);

/// The rank that runs each of n features, from the batch that holds it.
std::vector<int> feature_ranks(const std::vector<std::vector<size_t>>& batches,
                               const std::vector<int>& batch_ranks, size_t features);

/// What one evaluation pass's answers depend on, for every feature: the window's n_best_size largest start
/// and end logits within its real length (eval::best_positions) and position 0's (the null answer's).
/// No other logit can change an answer, so the attack matrix, which keeps a pass per crafting precision,
/// evaluation precision and RPI draw, holds 2 (n_best_size + 1) values per window instead of
/// 2 max_seq_length (the full dev set at 384 tokens: 3.6 MB per pass instead of 34 MB).
class PassLogits {
  public:
    PassLogits(size_t features, size_t max_seq_length, int n_best_size);
    /// Keeps the logits (B, T) of batch rows `rows` (features[rows[r]] is row r).
    void store(const model::SpanLogits& logits, const std::vector<data::QAFeature>& features,
               const std::vector<size_t>& rows);
    /// Start and end logits, features x max_seq_length each, as eval::score_logits takes them: the kept
    /// values, the lowest float elsewhere. Post-processing them gives the answers the full logits give.
    std::pair<std::vector<float>, std::vector<float>> expand() const;
    /// Windows computed on other ranks: afterwards every rank holds window i as rank owners[i] stored it.
    void share(parallel::DataParallel& group, const std::vector<int>& owners);

  private:
    size_t seq_len_, slots_;          // slots_ = n_best_size + 1 per window and side
    std::vector<int32_t> positions_;  // features x 2 (start, end) x slots_; -1 = unused
    std::vector<float> values_;
};

}  // namespace bitswitch::attack
