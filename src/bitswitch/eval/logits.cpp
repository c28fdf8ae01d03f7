// Batches in longest-first order, the stage-sharing schedule, copying rows back into feature order.
#include "bitswitch/eval/logits.h"

#include <algorithm>
#include <chrono>
#include <limits>
#include <numeric>

#include <torch/torch.h>

#include "bitswitch/core/progress.h"
#include "bitswitch/data/batch.h"

namespace bitswitch::eval {
namespace {

// Feature indices, longest first (stable: equal lengths keep their order).
std::vector<size_t> longest_first(const std::vector<data::QAFeature>& features) {
    std::vector<size_t> order(features.size());
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
        return data::real_length(features[a]) > data::real_length(features[b]);
    });
    return order;
}

FeatureLogits empty_logits(const std::vector<data::QAFeature>& features) {
    const size_t seq_len = features.empty() ? 0 : features.front().input_ids.size();
    std::vector<float> start(features.size() * seq_len, std::numeric_limits<float>::lowest());
    return {start, start};
}

// Copies the batch's rows (B, T) into their features' places; padding keeps the lowest float.
void copy_rows(const model::SpanLogits& logits, const std::vector<size_t>& idx,
               const std::vector<data::QAFeature>& features, FeatureLogits& out) {
    const size_t seq_len = features.front().input_ids.size();
    const auto s = logits.first.contiguous().to(torch::kCPU), e = logits.second.contiguous().to(torch::kCPU);
    const int64_t T = s.size(1);
    for (size_t r = 0; r < idx.size(); ++r) {
        const float* sp = s.data_ptr<float>() + int64_t(r) * T;
        const float* ep = e.data_ptr<float>() + int64_t(r) * T;
        const int64_t n = data::real_length(features[idx[r]]);
        std::copy(sp, sp + n, out.first.begin() + int64_t(idx[r] * seq_len));
        std::copy(ep, ep + n, out.second.begin() + int64_t(idx[r] * seq_len));
    }
}

// Calls run(idx, batch) for each batch of features in longest-first order.
template <class Run>
void for_each_batch(const std::vector<data::QAFeature>& features, int batch_size, bool show_progress,
                    Run&& run) {
    const auto order        = longest_first(features);
    const int64_t n_batches = int64_t((features.size() + size_t(batch_size) - 1) / size_t(batch_size));
    core::Progress progress("eval", n_batches, std::max<int64_t>(1, n_batches / 10));
    for (int64_t b = 0; b < n_batches; ++b) {
        const std::vector<size_t> idx(
            order.begin() + b * batch_size,
            order.begin() + std::min<int64_t>(int64_t(order.size()), (b + 1) * batch_size));
        run(idx, data::make_batch(features, idx));
        if (show_progress) progress.update(b + 1);
    }
    if (show_progress) progress.finish();
}

// The stage of the first unit at which a and b differ (stages = no difference in any stage's units).
int64_t first_differing_stage(const quant::PrecisionConfig& a, const quant::PrecisionConfig& b,
                              const quant::UnitList& units, int64_t stages) {
    for (size_t i = 0; i < units.size(); ++i) {
        if (units[i].group >= stages) continue;
        if (!(a[i] == b[i])) return units[i].group;
    }
    return stages;
}

// A stage's precisions as a sort key: configs that share stages 0..k-1 end up next to each other.
bool stage_order_less(const quant::PrecisionConfig& a, const quant::PrecisionConfig& b,
                      const quant::UnitList& units, int64_t stages) {
    for (int64_t g = 0; g < stages; ++g) {
        for (size_t i = 0; i < units.size(); ++i) {
            if (units[i].group != g || a[i] == b[i]) continue;
            const auto key = [](const quant::UnitPrecision& p) {
                return std::tie(p.bits.w, p.bits.a, p.bits.kv, p.adapter);
            };
            return key(a[i]) < key(b[i]);
        }
    }
    return false;
}

}  // namespace

FeatureLogits predict_logits(model::QuantModel& model, const std::vector<data::QAFeature>& features,
                             int batch_size, bool show_progress, const quant::PrecisionConfig* precision) {
    auto out = empty_logits(features);
    model::EvalModeGuard eval_mode(model);
    torch::NoGradGuard no_grad;
    for_each_batch(features, batch_size, show_progress, [&](const auto& idx, const data::Batch& batch) {
        copy_rows(model.forward(batch.input_ids, batch.attention_mask, precision), idx, features, out);
    });
    return out;
}

std::vector<FeatureLogits> predict_logits_for_configs(model::QuantModel& model,
                                                      const std::vector<data::QAFeature>& features,
                                                      int batch_size,
                                                      const std::vector<quant::PrecisionConfig>& configs,
                                                      bool share_prefixes, bool show_progress) {
    for (const auto& c : configs) model.check_precision(c);
    std::vector<FeatureLogits> out(configs.size(), empty_logits(features));
    const auto& units    = model.units();
    const int64_t stages = share_prefixes ? model.stage_count() : 0;
    std::vector<size_t> order(configs.size());
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
        return stage_order_less(configs[a], configs[b], units, stages);
    });
    // resume[k]: the stage config order[k] starts from (its predecessor computed the ones before).
    std::vector<int64_t> resume(order.size(), 0);
    for (size_t k = 1; k < order.size(); ++k)
        resume[k] = first_differing_stage(configs[order[k - 1]], configs[order[k]], units, stages);
    model::EvalModeGuard eval_mode(model);
    torch::NoGradGuard no_grad;
    for_each_batch(features, batch_size, show_progress, [&](const auto& idx, const data::Batch& batch) {
        if (stages == 0) {
            for (size_t c = 0; c < configs.size(); ++c)
                copy_rows(model.forward(batch.input_ids, batch.attention_mask, &configs[c]), idx, features,
                          out[c]);
            return;
        }
        const auto input = model.stage_begin(model.embed(batch.input_ids), batch.attention_mask);
        std::vector<torch::Tensor> hidden(size_t(stages) + 1);  // hidden[g]: the input of stage g
        hidden[0] = input.hidden;
        for (size_t k = 0; k < order.size(); ++k) {
            const auto& config = configs[order[k]];
            for (int64_t g = resume[k]; g < stages; ++g)
                hidden[size_t(g) + 1] = model.stage(g, hidden[size_t(g)], input.key_bias, config);
            copy_rows(model.qa_head(model.stage_end(hidden[size_t(stages)]), config), idx, features,
                      out[order[k]]);
        }
    });
    return out;
}

void for_each_config_logits(model::QuantModel& model, const std::vector<data::QAFeature>& features,
                            int batch_size, const std::vector<quant::PrecisionConfig>& configs,
                            bool share_prefixes, bool show_progress,
                            const std::function<void(size_t, const FeatureLogits&, double)>& use) {
    const size_t values = features.empty() ? 1 : features.size() * features.front().input_ids.size();
    const size_t bytes_per_config = 2 * sizeof(float) * values;
    const size_t chunk            = std::max<size_t>(1, (size_t(1) << 30) / bytes_per_config);
    for (size_t first = 0; first < configs.size(); first += chunk) {
        const auto t0 = std::chrono::steady_clock::now();
        const std::vector<quant::PrecisionConfig> some(
            configs.begin() + int64_t(first),
            configs.begin() + int64_t(std::min(configs.size(), first + chunk)));
        const auto logits =
            predict_logits_for_configs(model, features, batch_size, some, share_prefixes, show_progress);
        const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() /
                               double(some.size());
        for (size_t i = 0; i < some.size(); ++i) use(first + i, logits[i], seconds);
    }
}

}  // namespace bitswitch::eval
