// Measured metric drops and proxies of a classifier's units.
#include "bitswitch/analysis/glue_sensitivity.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <numeric>

#include <fmt/format.h>

#include "bitswitch/eval/classification_eval.h"
#include "bitswitch/eval/glue_metric.h"
#include "bitswitch/parallel/process_group.h"

namespace bitswitch::analysis {
namespace {

// The first n rows of a set, as a set of their own.
eval::GlueEvalSet first_rows(const eval::GlueEvalSet& set, size_t n) {
    eval::GlueEvalSet out{set.dataset, set.features};
    out.dataset.examples.resize(n);
    out.features.ids.resize(n);
    out.features.labels.resize(n);
    out.features.scores.resize(n);
    return out;
}

// Mean over the first `rows` rows of KL(base ‖ test) of the class distributions, or for a one-output head
// the mean squared change of its score; the logits are rows x outputs.
double mean_divergence(const std::vector<float>& base, const std::vector<float>& test, size_t outputs,
                       size_t rows) {
    double sum = 0;
    for (size_t r = 0; r < rows; ++r) {
        const float* p = base.data() + r * outputs;
        const float* q = test.data() + r * outputs;
        if (outputs == 1) {
            const double d = double(q[0]) - double(p[0]);
            sum += d * d;
        } else {
            sum += kl_divergence(p, q, int64_t(outputs));
        }
    }
    return sum / double(rows);
}

// The calibration rows as batches (the Fisher proxy sums over rows: their order does not matter).
std::vector<data::Batch> calibration_batches(const data::GlueFeatures& features, int batch_size) {
    std::vector<data::Batch> batches;
    const size_t n = features.ids.size();
    for (size_t begin = 0; begin < n; begin += size_t(batch_size)) {
        std::vector<size_t> rows(std::min(n, begin + size_t(batch_size)) - begin);
        std::iota(rows.begin(), rows.end(), begin);
        batches.push_back(data::make_classification_batch(features, rows));
    }
    return batches;
}

}  // namespace

SensitivityResult glue_sensitivity_of(const model::LoadedModel& loaded, const eval::GlueEvalSet& set,
                                      const SensitivityConfig& c) {
    auto& model            = loaded.model();
    const auto plan        = plan_sensitivity(loaded, c);
    const size_t n         = set.dataset.examples.size();
    const size_t rows      = std::min(size_t(c.calibration_samples), n);
    const auto calibration = first_rows(set, rows);
    // Measured runs score every row and take the proxies' logits from the first ones; otherwise only the
    // calibration rows run.
    const auto& evaluated = c.proxies_only ? calibration : set;
    const auto fisher =
        fisher_scores(model, calibration_batches(calibration.features, c.eval.batch_size), plan);
    std::vector<quant::PrecisionConfig> all{plan.base};
    for (const auto& target_configs : plan.configs)
        all.insert(all.end(), target_configs.begin(), target_configs.end());
    eval::ClassificationEvalOptions options;
    options.batch_size = c.eval.batch_size;
    options.bootstrap  = c.bootstrap;
    const auto results =
        eval::evaluate_classifier(model, evaluated.dataset, evaluated.features, all, options);

    const auto& metric   = eval::glue_main_metric(set.dataset.task);
    const size_t outputs = model.class_labels().size();
    SensitivityResult out;
    out.base                = plan.base.source;
    out.metric              = metric;
    out.examples            = int64_t(n);
    out.calibration_windows = int64_t(rows);
    out.primary             = parallel::distributed_env_from_environment().rank == 0;
    if (!c.proxies_only) out.base_score = results[0].scores.at(metric);
    const size_t levels = c.test_levels.size();
    for (size_t r = 0; r + 1 < all.size(); ++r) {
        const size_t t = r / levels, l = r % levels;
        const auto& result = results[r + 1];
        SensitivityRow row{plan.targets[t].label,
                           c.test_levels[l],
                           {},
                           {},
                           mean_divergence(results[0].logits, result.logits, outputs, rows),
                           fisher[t][l]};
        std::string drop;
        if (!c.proxies_only) {
            row.score = result.scores.at(metric);
            row.drop  = eval::glue_paired_difference(evaluated.dataset, results[0].predictions,
                                                     result.predictions, metric, c.bootstrap);
            drop      = fmt::format(", {} drop {:.2f}", metric, row.drop->estimate);
        }
        if (out.primary) {
            std::fprintf(stderr, "sensitivity %zu/%zu: %s at %s: KL %.4g%s\n", r + 1, all.size() - 1,
                         row.target.c_str(), row.level.c_str(), row.kl, drop.c_str());
        }
        out.rows.push_back(std::move(row));
    }
    add_rank_correlations(out);
    return out;
}

}  // namespace bitswitch::analysis
