// Batches and per-pass logits of the attack matrices (batch_logits.h).
#include "bitswitch/attack/batch_logits.h"

#include <algorithm>
#include <limits>
#include <numeric>

#include <torch/torch.h>

#include "bitswitch/data/batch.h"
#include "bitswitch/eval/postprocess.h"
#include "bitswitch/parallel/work_split.h"

namespace bitswitch::attack {

std::vector<std::vector<size_t>> longest_first_batches(const std::vector<data::QAFeature>& features,
                                                       int batch_size) {
    std::vector<size_t> order(features.size());
    std::iota(order.begin(), order.end(), size_t(0));
    std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
        return data::real_length(features[a]) > data::real_length(features[b]);
    });
    const size_t size = size_t(std::max(1, batch_size));
    std::vector<std::vector<size_t>> batches;
    for (size_t begin = 0; begin < order.size(); begin += size)
        batches.emplace_back(order.begin() + int64_t(begin),
                             order.begin() + int64_t(std::min(order.size(), begin + size)));
    return batches;
}

std::vector<int> batch_ranks(size_t batches, const parallel::DataParallel* group) {
    std::vector<int> ranks(batches, 0);
    for (size_t b = 0; group && b < batches; ++b) ranks[b] = int(b % size_t(group->world_size()));
    return ranks;
}

std::vector<int> feature_ranks(const std::vector<std::vector<size_t>>& batches,
                               const std::vector<int>& batch_ranks, size_t features) {
    std::vector<int> ranks(features, 0);
    for (size_t b = 0; b < batches.size(); ++b) {
        for (const size_t f : batches[b]) ranks[f] = batch_ranks[b];
    }
    return ranks;
}

PassLogits::PassLogits(size_t features, size_t max_seq_length, int n_best_size)
    : seq_len_(max_seq_length),
      slots_(size_t(std::max(1, n_best_size)) + 1),
      positions_(features * 2 * slots_, -1),
      values_(features * 2 * slots_, 0.0f) {}

void PassLogits::store(const model::SpanLogits& logits, const std::vector<data::QAFeature>& features,
                       const std::vector<size_t>& rows) {
    const auto s = logits.first.contiguous(), e = logits.second.contiguous();
    const int64_t T = s.size(1);
    const int best  = int(slots_) - 1;
    for (size_t r = 0; r < rows.size(); ++r) {
        const int n = int(data::real_length(features[rows[r]]));
        for (int side = 0; side < 2; ++side) {
            const float* row = (side == 0 ? s : e).data_ptr<float>() + int64_t(r) * T;
            const size_t at  = (rows[r] * 2 + size_t(side)) * slots_;
            auto kept        = eval::best_positions(row, n, best);
            if (std::find(kept.begin(), kept.end(), 0) == kept.end() && n > 0) kept.push_back(0);
            for (size_t k = 0; k < slots_; ++k) {
                positions_[at + k] = k < kept.size() ? kept[k] : -1;
                values_[at + k]    = k < kept.size() ? row[kept[k]] : 0.0f;
            }
        }
    }
}

std::pair<std::vector<float>, std::vector<float>> PassLogits::expand() const {
    const size_t features = positions_.size() / (2 * slots_);
    std::pair<std::vector<float>, std::vector<float>> out;
    for (auto* side : {&out.first, &out.second})
        side->assign(features * seq_len_, std::numeric_limits<float>::lowest());
    for (size_t f = 0; f < features; ++f) {
        for (size_t side = 0; side < 2; ++side) {
            auto& into = side == 0 ? out.first : out.second;
            for (size_t k = 0; k < slots_; ++k) {
                const size_t at = (f * 2 + side) * slots_ + k;
                if (positions_[at] >= 0) into[f * seq_len_ + size_t(positions_[at])] = values_[at];
            }
        }
    }
    return out;
}

void PassLogits::share(parallel::DataParallel& group, const std::vector<int>& owners) {
    // One row per window: its positions, then its values (floats and small integers are exact as doubles).
    const size_t width = 4 * slots_;
    std::vector<double> rows(owners.size() * width);
    for (size_t f = 0; f < owners.size(); ++f) {
        for (size_t k = 0; k < 2 * slots_; ++k) {
            rows[f * width + k]              = positions_[f * 2 * slots_ + k];
            rows[f * width + 2 * slots_ + k] = values_[f * 2 * slots_ + k];
        }
    }
    parallel::share_rows(group, rows, width, owners);
    for (size_t f = 0; f < owners.size(); ++f) {
        for (size_t k = 0; k < 2 * slots_; ++k) {
            positions_[f * 2 * slots_ + k] = int32_t(rows[f * width + k]);
            values_[f * 2 * slots_ + k]    = float(rows[f * width + 2 * slots_ + k]);
        }
    }
}

}  // namespace bitswitch::attack
