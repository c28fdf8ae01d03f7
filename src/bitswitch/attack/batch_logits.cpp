// Batches and per-pass logits of the attack matrices (batch_logits.h).
#include "bitswitch/attack/batch_logits.h"

#include <algorithm>
#include <limits>
#include <numeric>

#include <torch/torch.h>

#include "bitswitch/data/batch.h"

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

PassLogits::PassLogits(size_t size)
    : start(size, std::numeric_limits<float>::lowest()), end(size, std::numeric_limits<float>::lowest()) {}

void PassLogits::store(const model::SpanLogits& logits, const std::vector<data::QAFeature>& features,
                       const std::vector<size_t>& rows) {
    const auto s = logits.first.contiguous(), e = logits.second.contiguous();
    const int64_t T      = s.size(1);
    const size_t seq_len = features[rows[0]].input_ids.size();
    for (size_t r = 0; r < rows.size(); ++r) {
        const int64_t n = data::real_length(features[rows[r]]);
        std::copy_n(s.data_ptr<float>() + int64_t(r) * T, n, start.begin() + int64_t(rows[r] * seq_len));
        std::copy_n(e.data_ptr<float>() + int64_t(r) * T, n, end.begin() + int64_t(rows[r] * seq_len));
    }
}

}  // namespace bitswitch::attack
