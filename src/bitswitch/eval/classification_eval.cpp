// Classifier evaluation: batches -> logits at each config -> GLUE metrics with intervals.
#include "bitswitch/eval/classification_eval.h"

#include <algorithm>
#include <numeric>

#include <fmt/format.h>
#include <torch/torch.h>

#include "bitswitch/core/error.h"
#include "bitswitch/core/io.h"
#include "bitswitch/core/progress.h"

namespace bitswitch::eval {

std::vector<ClassificationEvalResult> evaluate_classifier(model::QuantModel& model,
                                                          const data::GlueDataset& dataset,
                                                          const data::GlueFeatures& features,
                                                          const std::vector<quant::PrecisionConfig>& configs,
                                                          const ClassificationEvalOptions& options) {
    const auto& spec    = dataset.spec();
    const auto outputs  = int64_t(model.class_labels().size());
    const int64_t wants = spec.is_regression() ? 1 : int64_t(spec.labels.size());
    if (outputs == 0) throw InputError("this model has no sequence classification head");
    if (outputs != wants) {
        throw InputError(fmt::format("{}: the model's classifier has {} outputs but {} needs {}",
                                     dataset.path, outputs,
                                     core::enum_name(data::kGlueTaskNames, dataset.task), wants));
    }
    if (!dataset.labeled) {
        throw InputError(
            fmt::format("{}: the file has no labels to score against (a test split?)", dataset.path));
    }
    for (const auto& c : configs) model.check_precision(c);
    const size_t n = features.ids.size();
    // Batches of similar length waste less padding: sort by length, keep each example's slot.
    std::vector<size_t> order(n);
    std::iota(order.begin(), order.end(), size_t(0));
    std::stable_sort(order.begin(), order.end(),
                     [&](size_t a, size_t b) { return features.ids[a].size() < features.ids[b].size(); });
    std::vector<ClassificationEvalResult> results(configs.size());
    const model::EvalModeGuard eval_mode(model);
    torch::NoGradGuard no_grad;
    for (size_t c = 0; c < configs.size(); ++c) {
        auto& r = results[c];
        r.predictions.classes.assign(n, -1);
        r.logits.assign(n * size_t(outputs), 0.0f);
        if (spec.is_regression()) r.predictions.scores.assign(n, 0.0);
        core::Progress progress(fmt::format("eval {}", configs[c].source), int64_t(n));
        for (size_t begin = 0; begin < n; begin += size_t(options.batch_size)) {
            const std::vector<size_t> rows(
                order.begin() + int64_t(begin),
                order.begin() + int64_t(std::min(n, begin + size_t(options.batch_size))));
            const auto batch  = data::make_classification_batch(features, rows);
            const auto hidden = model.encode(model.embed(batch.input_ids), batch.attention_mask, configs[c]);
            const auto logits =
                model.classify(hidden, configs[c]).to(torch::kCPU, torch::kFloat32).contiguous();  // (B, L)
            const auto best = logits.argmax(1);
            // Accessors, not one item() per example: each item() is a tensor index and a synchronisation.
            const auto out  = logits.accessor<float, 2>();
            const auto pick = best.accessor<int64_t, 1>();
            for (size_t i = 0; i < rows.size(); ++i) {
                for (int64_t k = 0; k < outputs; ++k)
                    r.logits[rows[i] * size_t(outputs) + size_t(k)] = out[int64_t(i)][k];
                if (spec.is_regression())
                    r.predictions.scores[rows[i]] = out[int64_t(i)][0];
                else
                    r.predictions.classes[rows[i]] = int32_t(pick[int64_t(i)]);
            }
            if (options.show_progress) progress.update(int64_t(begin + rows.size()));
        }
        if (options.show_progress) progress.finish();
        r.seconds = progress.elapsed();
        r.scores  = glue_scores(dataset, r.predictions, options.bootstrap);
        for (const auto& metric : spec.metrics) {
            const auto& s               = r.scores.at(metric);
            r.metrics[metric]           = s.estimate;
            r.metrics[metric + "_low"]  = s.low;
            r.metrics[metric + "_high"] = s.high;
        }
    }
    return results;
}

void write_classification_outputs(const std::filesystem::path& dir, const data::GlueDataset& dataset,
                                  const ClassificationEvalResult& r, const nlohmann::ordered_json& extra) {
    const auto& spec                = dataset.spec();
    nlohmann::ordered_json examples = nlohmann::ordered_json::array();
    for (size_t i = 0; i < dataset.examples.size(); ++i) {
        nlohmann::ordered_json e{{"line", dataset.examples[i].line}};
        if (spec.is_regression())
            e["score"] = r.predictions.scores[i];
        else
            e["label"] = spec.labels[size_t(r.predictions.classes[i])];
        examples.push_back(std::move(e));
    }
    core::write_file_atomic(dir / "predictions.json", examples.dump(1) + "\n");
    auto results = r.metrics;
    for (const auto& [k, v] : extra.items()) results[k] = v;
    results["eval_seconds"] = r.seconds;
    core::write_file_atomic(dir / "eval_results.json", results.dump(2) + "\n");
}

}  // namespace bitswitch::eval
