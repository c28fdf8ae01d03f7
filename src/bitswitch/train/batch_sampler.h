// The training data order: micro-batches run through the epochs without a break; epoch e's order is a
// permutation of the examples drawn from a generator seeded with (seed, e), so any micro-batch can be
// re-created from its index alone (resume, and data-parallel ranks agreeing without talking). With data
// parallelism a micro-batch is world_size x B examples of that order and rank r takes the r-th B.
// The sampler only picks indices; a batch maker turns them into tensors (QA windows or GLUE examples).
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include "bitswitch/data/batch.h"
#include "bitswitch/data/qa_features.h"

namespace bitswitch::train {

class BatchSampler {
  public:
    /// The batch of the examples at the given indices.
    using MakeBatch = std::function<data::Batch(const std::vector<size_t>& indices)>;

    /// Samples `count` examples, batched by `make_batch`.
    BatchSampler(size_t count, MakeBatch make_batch, int batch_size, int world_size, int rank, uint64_t seed);
    /// Samples QA windows (data::make_batch); `features` must outlive the sampler.
    BatchSampler(const std::vector<data::QAFeature>& features, int batch_size, int world_size, int rank,
                 uint64_t seed);
    /// Global batches (world_size x batch_size examples) per epoch.
    int64_t batches_per_epoch() const { return batches_per_epoch_; }
    /// This rank's share of micro-batch `index` (0-based over the whole run).
    data::Batch micro_batch(int64_t index);

  private:
    size_t count_;
    MakeBatch make_batch_;
    size_t batch_size_, world_size_, rank_;
    uint64_t seed_;
    int64_t batches_per_epoch_;
    int64_t cached_epoch_ = -1;
    std::vector<size_t> order_;
};

}  // namespace bitswitch::train
