// GLUE metrics and their bootstrap intervals.
#include "bitswitch/eval/glue_metric.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <numeric>

#include <fmt/format.h>

#include "bitswitch/core/error.h"

namespace bitswitch::eval {
namespace {

void check_sizes(size_t a, size_t b) {
    if (a != b) throw Error(fmt::format("GLUE metric: {} predictions for {} labels", a, b));
    if (a == 0) throw InputError("GLUE metric: no examples to score");
}

// Ranks 1..n of `v`, ties sharing their average rank.
std::vector<double> average_ranks(const std::vector<double>& v) {
    std::vector<size_t> order(v.size());
    std::iota(order.begin(), order.end(), size_t(0));
    std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return v[a] < v[b]; });
    std::vector<double> ranks(v.size());
    for (size_t i = 0; i < order.size();) {
        size_t j = i;
        while (j + 1 < order.size() && v[order[j + 1]] == v[order[i]]) ++j;
        const double rank = double(i + j) / 2.0 + 1.0;
        for (size_t k = i; k <= j; ++k) ranks[order[k]] = rank;
        i = j + 1;
    }
    return ranks;
}

template <class T>
std::vector<T> pick(const std::vector<T>& v, const std::vector<size_t>& indices) {
    std::vector<T> out(indices.size());
    for (size_t i = 0; i < indices.size(); ++i) out[i] = v[indices[i]];
    return out;
}

}  // namespace

double glue_accuracy(const std::vector<int32_t>& predicted, const std::vector<int32_t>& labels) {
    check_sizes(predicted.size(), labels.size());
    size_t right = 0;
    for (size_t i = 0; i < labels.size(); ++i) right += predicted[i] == labels[i];
    return 100.0 * double(right) / double(labels.size());
}

double glue_f1(const std::vector<int32_t>& predicted, const std::vector<int32_t>& labels) {
    check_sizes(predicted.size(), labels.size());
    double tp = 0, fp = 0, fn = 0;
    for (size_t i = 0; i < labels.size(); ++i) {
        tp += predicted[i] == 1 && labels[i] == 1;
        fp += predicted[i] == 1 && labels[i] != 1;
        fn += predicted[i] != 1 && labels[i] == 1;
    }
    return tp == 0 ? 0.0 : 100.0 * 2 * tp / (2 * tp + fp + fn);
}

// Gorodkin's multi-class form (scikit-learn's): (c·s - Σ p_k t_k) / sqrt((s² - Σ p_k²)(s² - Σ t_k²)), with
// c the correct count, s the total, p_k and t_k the predicted and true counts of class k.
double matthews_correlation(const std::vector<int32_t>& predicted, const std::vector<int32_t>& labels) {
    check_sizes(predicted.size(), labels.size());
    std::map<int32_t, double> p, t;
    double correct = 0;
    for (size_t i = 0; i < labels.size(); ++i) {
        p[predicted[i]] += 1;
        t[labels[i]] += 1;
        correct += predicted[i] == labels[i];
    }
    const double s = double(labels.size());
    double pt = 0, pp = 0, tt = 0;
    for (const auto& [k, n] : p) {
        pp += n * n;
        if (auto it = t.find(k); it != t.end()) pt += n * it->second;
    }
    for (const auto& [k, n] : t) tt += n * n;
    const double denominator = std::sqrt((s * s - pp) * (s * s - tt));
    return denominator == 0 ? 0.0 : 100.0 * (correct * s - pt) / denominator;
}

double pearson_correlation(const std::vector<double>& x, const std::vector<double>& y) {
    check_sizes(x.size(), y.size());
    const double n  = double(x.size());
    const double mx = std::accumulate(x.begin(), x.end(), 0.0) / n;
    const double my = std::accumulate(y.begin(), y.end(), 0.0) / n;
    double sxy = 0, sxx = 0, syy = 0;
    for (size_t i = 0; i < x.size(); ++i) {
        sxy += (x[i] - mx) * (y[i] - my);
        sxx += (x[i] - mx) * (x[i] - mx);
        syy += (y[i] - my) * (y[i] - my);
    }
    return sxx == 0 || syy == 0 ? 0.0 : 100.0 * sxy / std::sqrt(sxx * syy);
}

double spearman_correlation(const std::vector<double>& x, const std::vector<double>& y) {
    check_sizes(x.size(), y.size());
    return pearson_correlation(average_ranks(x), average_ranks(y));
}

const std::string& glue_main_metric(data::GlueTask task) {
    return data::glue_task_spec(task).metrics.front();
}

namespace {

// The gold labels and scores of a labeled dataset.
struct Gold {
    std::vector<int32_t> labels;
    std::vector<double> scores;
};

Gold gold_of(const data::GlueDataset& dataset) {
    if (!dataset.labeled)
        throw InputError(dataset.path + ": has no labels (a test file?): nothing to score against");
    Gold gold;
    for (const auto& e : dataset.examples) {
        gold.labels.push_back(e.label);
        gold.scores.push_back(e.score);
    }
    return gold;
}

using Statistic = std::function<double(const std::vector<size_t>&)>;

// `metric` of `predictions` on the examples at some indices (with repeats). The references must outlive it.
Statistic metric_on(const std::string& metric, const GluePredictions& predictions, const Gold& gold,
                    const data::GlueTaskSpec& spec) {
    check_sizes(spec.is_regression() ? predictions.scores.size() : predictions.classes.size(),
                gold.labels.size());
    if (metric == "pearson" || metric == "spearman") {
        auto f = metric == "pearson" ? pearson_correlation : spearman_correlation;
        return [&, f](const std::vector<size_t>& at) {
            return f(pick(predictions.scores, at), pick(gold.scores, at));
        };
    }
    auto f = metric == "accuracy" ? glue_accuracy : metric == "f1" ? glue_f1 : matthews_correlation;
    return [&, f](const std::vector<size_t>& at) {
        return f(pick(predictions.classes, at), pick(gold.labels, at));
    };
}

}  // namespace

std::map<std::string, Interval> glue_scores(const data::GlueDataset& dataset,
                                            const GluePredictions& predictions,
                                            const BootstrapOptions& options) {
    const auto gold = gold_of(dataset);
    std::map<std::string, Interval> scores;
    for (const auto& metric : dataset.spec().metrics) {
        scores[metric] = bootstrap_statistic(dataset.examples.size(),
                                             metric_on(metric, predictions, gold, dataset.spec()), options);
    }
    return scores;
}

Interval glue_paired_difference(const data::GlueDataset& dataset, const GluePredictions& a,
                                const GluePredictions& b, const std::string& metric,
                                const BootstrapOptions& options) {
    const auto gold     = gold_of(dataset);
    const auto& metrics = dataset.spec().metrics;
    if (std::find(metrics.begin(), metrics.end(), metric) == metrics.end()) {
        throw Error(fmt::format("{} is not a metric of {}", metric,
                                core::enum_name(data::kGlueTaskNames, dataset.task)));
    }
    const auto on_a = metric_on(metric, a, gold, dataset.spec());
    const auto on_b = metric_on(metric, b, gold, dataset.spec());
    return bootstrap_statistic(
        dataset.examples.size(), [&](const std::vector<size_t>& at) { return on_a(at) - on_b(at); }, options);
}

}  // namespace bitswitch::eval
