#include "bitswitch/data/batch.h"

#include <algorithm>

#include <torch/torch.h>

namespace bitswitch::data {

int64_t real_length(const QAFeature& f) {
    return f.context_end;
}  // question + context; padding follows

Batch make_batch(const std::vector<QAFeature>& features, const std::vector<size_t>& indices, bool trim) {
    const int64_t B = int64_t(indices.size());
    int64_t T       = 0;
    for (const size_t i : indices)
        T = std::max(T, trim ? real_length(features[i]) : int64_t(features[i].input_ids.size()));
    T = std::max<int64_t>(T, 1);
    Batch b;
    b.input_ids       = torch::empty({B, T}, torch::kLong);
    b.attention_mask  = torch::empty({B, T}, torch::kLong);
    b.start_positions = torch::empty({B}, torch::kLong);
    b.end_positions   = torch::empty({B}, torch::kLong);
    b.context_begin   = torch::empty({B}, torch::kLong);
    auto ids          = b.input_ids.accessor<int64_t, 2>();
    auto mask         = b.attention_mask.accessor<int64_t, 2>();
    auto starts = b.start_positions.accessor<int64_t, 1>(), ends = b.end_positions.accessor<int64_t, 1>();
    auto context = b.context_begin.accessor<int64_t, 1>();
    for (int64_t r = 0; r < B; ++r) {
        const QAFeature& f = features[indices[size_t(r)]];
        for (int64_t t = 0; t < T; ++t) {
            ids[r][t]  = f.input_ids[size_t(t)];
            mask[r][t] = f.attention_mask[size_t(t)];
        }
        starts[r]  = f.start_position;
        ends[r]    = f.end_position;
        context[r] = f.context_begin;
    }
    return b;
}

}  // namespace bitswitch::data
