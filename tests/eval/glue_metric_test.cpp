#include "bitswitch/eval/glue_metric.h"

#include <cmath>

#include <gtest/gtest.h>

#include "bitswitch/core/error.h"

namespace bitswitch::eval {
namespace {

// Every expected value below is worked out by hand in the comment beside it.
TEST(GlueMetric, AccuracyAndF1OfThePositiveClass) {
    const std::vector<int32_t> predicted = {1, 0, 1, 1}, labels = {1, 0, 0, 1};
    EXPECT_DOUBLE_EQ(glue_accuracy(predicted, labels), 75.0);  // 3 of 4
    EXPECT_DOUBLE_EQ(glue_f1(predicted, labels), 80.0);        // tp 2, fp 1, fn 0: 2·2 / (2·2 + 1)
    EXPECT_DOUBLE_EQ(glue_f1({0, 0}, {0, 0}), 0.0);            // no positives at all: 0 (scikit-learn)
}

TEST(GlueMetric, MatthewsCorrelationBinaryAndMultiClass) {
    // tp 2, tn 2, fp 1, fn 1: (2·2 - 1·1) / sqrt(3·3·3·3) = 1/3.
    EXPECT_NEAR(matthews_correlation({1, 0, 1, 1, 0, 0}, {1, 0, 0, 1, 1, 0}), 100.0 / 3, 1e-12);
    // Three classes: 4 of 6 right, predicted counts (3, 2, 1), true (2, 2, 2):
    // (4·6 - (3·2 + 2·2 + 1·2)) / sqrt((36 - 14)(36 - 12)) = 12 / sqrt(528).
    EXPECT_NEAR(matthews_correlation({0, 1, 1, 0, 0, 2}, {0, 1, 2, 0, 1, 2}), 100.0 * 12 / std::sqrt(528.0),
                1e-12);
    EXPECT_DOUBLE_EQ(matthews_correlation({1, 1, 0}, {1, 1, 0}), 100.0);
    EXPECT_DOUBLE_EQ(matthews_correlation({1, 0}, {0, 1}), -100.0);
    EXPECT_DOUBLE_EQ(matthews_correlation({1, 1, 1}, {1, 0, 1}), 0.0);  // a constant prediction: 0
}

TEST(GlueMetric, PearsonAndSpearmanWithTies) {
    // Means 2.5 and 5; Σdxdy = 11, Σdx² = 5, Σdy² = 26: r = 11 / sqrt(130).
    EXPECT_NEAR(pearson_correlation({1, 2, 3, 4}, {2, 4, 5, 9}), 100.0 * 11 / std::sqrt(130.0), 1e-12);
    // Ranks (1, 2.5, 2.5, 4) and (1, 3, 2, 4): Σdxdy = 4.5, Σdx² = 4.5, Σdy² = 5: 4.5 / sqrt(22.5).
    EXPECT_NEAR(spearman_correlation({1, 2, 2, 3}, {1, 3, 2, 4}), 100.0 * 4.5 / std::sqrt(22.5), 1e-12);
    // A monotone but non-linear relation: Spearman is exactly 1, Pearson is not.
    EXPECT_DOUBLE_EQ(spearman_correlation({1, 2, 3, 4}, {1, 8, 27, 64}), 100.0);
    EXPECT_LT(pearson_correlation({1, 2, 3, 4}, {1, 8, 27, 64}), 100.0);
    EXPECT_DOUBLE_EQ(pearson_correlation({1, 1, 1}, {1, 2, 3}), 0.0);
}

TEST(GlueMetric, BootstrapOfAStatisticMatchesTheMeanBootstrapForTheMean) {
    const std::vector<double> scores = {1, 0, 1, 1, 0, 1, 0.5, 0.25};
    const BootstrapOptions options{200, 0.9, 7};
    const Interval by_mean      = bootstrap_mean(scores, options);
    const Interval by_statistic = bootstrap_statistic(
        scores.size(),
        [&](const std::vector<size_t>& at) {
            double s = 0;
            for (const size_t i : at) s += scores[i];
            return s / double(at.size());
        },
        options);
    EXPECT_DOUBLE_EQ(by_statistic.estimate, by_mean.estimate);
    EXPECT_DOUBLE_EQ(by_statistic.low, by_mean.low);  // the same draws, in the same order
    EXPECT_DOUBLE_EQ(by_statistic.high, by_mean.high);
}

TEST(GlueMetric, ScoresOfADatasetAreItsTaskMetricsWithIntervals) {
    data::GlueDataset d;
    d.task = data::GlueTask::kMrpc;
    for (int32_t label : {1, 0, 0, 1}) d.examples.push_back({"a", "b", label, 0.0f, 0});
    const auto scores = glue_scores(d, {{1, 0, 1, 1}, {}}, {100, 0.95, 1});
    ASSERT_EQ(scores.size(), 2u);
    EXPECT_DOUBLE_EQ(scores.at("accuracy").estimate, 75.0);
    EXPECT_DOUBLE_EQ(scores.at("f1").estimate, 80.0);
    EXPECT_LE(scores.at("f1").low, 80.0);
    EXPECT_GE(scores.at("f1").high, 80.0);
    EXPECT_EQ(glue_main_metric(data::GlueTask::kCola), "mcc");

    d.labeled = false;
    EXPECT_THROW(glue_scores(d, {{1, 0, 1, 1}, {}}), InputError);
}

}  // namespace
}  // namespace bitswitch::eval
