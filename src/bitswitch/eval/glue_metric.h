// GLUE's metrics as its leaderboard and the Hugging Face `glue` metric define them: accuracy; F1 of the
// positive class (MRPC, QQP: label 1, "equivalent"/"duplicate"); Matthews correlation (CoLA; the general
// multi-class form, which is the binary phi coefficient for two classes); Pearson's and Spearman's
// correlations (STS-B; Spearman with tied values given their average rank). All in percent, as GLUE
// tables print them. A statistic that is undefined on its input (a constant prediction's correlation,
// F1 with no positives at all) is 0, as scikit-learn reports it, so that resampled intervals stay finite.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "bitswitch/data/glue.h"
#include "bitswitch/eval/bootstrap.h"

namespace bitswitch::eval {

double glue_accuracy(const std::vector<int32_t>& predicted, const std::vector<int32_t>& labels);
double glue_f1(const std::vector<int32_t>& predicted, const std::vector<int32_t>& labels);  // class 1
double matthews_correlation(const std::vector<int32_t>& predicted, const std::vector<int32_t>& labels);
double pearson_correlation(const std::vector<double>& x, const std::vector<double>& y);
double spearman_correlation(const std::vector<double>& x, const std::vector<double>& y);

/// A task's predictions: a class per example, or (STS-B) a score per example.
struct GluePredictions {
    std::vector<int32_t> classes;
    std::vector<double> scores;
};

/// Each of the task's metrics (data::GlueTaskSpec::metrics, in that order) on the whole dataset, with its
/// bootstrap interval over examples. InputError when the dataset is unlabeled or the counts differ.
std::map<std::string, Interval> glue_scores(const data::GlueDataset& dataset,
                                            const GluePredictions& predictions,
                                            const BootstrapOptions& options = {});

/// metric(a) − metric(b) on the same examples, with its paired interval: both statistics on the same
/// resampled indices (eval/bootstrap.h), so that the interval says how sure we are that one set of
/// predictions beats the other on these examples. `metric` is one of the task's.
Interval glue_paired_difference(const data::GlueDataset& dataset, const GluePredictions& a,
                                const GluePredictions& b, const std::string& metric,
                                const BootstrapOptions& options = {});

/// The task's headline metric, the first of its list (CoLA: mcc, MRPC: accuracy, STS-B: pearson).
const std::string& glue_main_metric(data::GlueTask task);

}  // namespace bitswitch::eval
