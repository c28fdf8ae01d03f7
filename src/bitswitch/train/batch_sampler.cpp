// Seeded epoch orders and rank shards.
#include "bitswitch/train/batch_sampler.h"

#include <algorithm>
#include <numeric>
#include <random>
#include <utility>

namespace bitswitch::train {

BatchSampler::BatchSampler(size_t count, MakeBatch make_batch, int batch_size, int world_size, int rank,
                           uint64_t seed)
    : count_(count),
      make_batch_(std::move(make_batch)),
      batch_size_(size_t(batch_size)),
      world_size_(size_t(world_size)),
      rank_(size_t(rank)),
      seed_(seed) {
    const size_t global = batch_size_ * world_size_;
    batches_per_epoch_  = int64_t((count + global - 1) / global);
}

BatchSampler::BatchSampler(const std::vector<data::QAFeature>& features, int batch_size, int world_size,
                           int rank, uint64_t seed)
    : BatchSampler(
          features.size(),
          [&features](const std::vector<size_t>& indices) { return data::make_batch(features, indices); },
          batch_size, world_size, rank, seed) {}

data::Batch BatchSampler::micro_batch(int64_t m) {
    const int64_t epoch = m / batches_per_epoch_, k = m % batches_per_epoch_;
    if (epoch != cached_epoch_) {
        order_.resize(count_);
        std::iota(order_.begin(), order_.end(), 0);
        std::mt19937_64 rng(seed_ * 1000003u + uint64_t(epoch));
        std::shuffle(order_.begin(), order_.end(), rng);
        cached_epoch_ = epoch;
    }
    size_t first = size_t(k) * batch_size_ * world_size_ + rank_ * batch_size_;
    if (first >= order_.size())
        first = 0;  // the last global batch is short: this rank repeats the epoch's start
    const std::vector<size_t> idx(order_.begin() + int64_t(first),
                                  order_.begin() + int64_t(std::min(order_.size(), first + batch_size_)));
    return make_batch_(idx);
}

}  // namespace bitswitch::train
