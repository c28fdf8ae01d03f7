// Bootstrap intervals against cases whose resampling distribution is worked out by hand.
#include "bitswitch/eval/bootstrap.h"

#include <gtest/gtest.h>

#include "bitswitch/core/error.h"

namespace bitswitch::eval {
namespace {

TEST(Bootstrap, QuantileInterpolatesBetweenOrderStatisticsLikeNumpy) {
    std::vector<double> v = {4, 1, 3, 2};
    EXPECT_DOUBLE_EQ(quantile(v, 0.0), 1.0);
    EXPECT_DOUBLE_EQ(quantile(v, 1.0), 4.0);
    EXPECT_DOUBLE_EQ(quantile(v, 0.5), 2.5);
    EXPECT_DOUBLE_EQ(quantile(v, 0.25), 1.75);  // position 0.75 between 1 and 2
}

// Two questions scoring 0 and 1: a resample's mean is 0, 1/2 or 1 with probabilities 1/4, 1/2, 1/4, so with
// 1,000 resamples about 250 sit at each end and the 2.5% and 97.5% quantiles are 0 and 1.
TEST(Bootstrap, TwoQuestionsGiveTheWholeRange) {
    const auto r = bootstrap_mean({0.0, 1.0}, {1000, 0.95, 7});
    EXPECT_DOUBLE_EQ(r.estimate, 0.5);
    EXPECT_DOUBLE_EQ(r.low, 0.0);
    EXPECT_DOUBLE_EQ(r.high, 1.0);
}

// Scores (0, 0, 1): the resampled mean is k/3 with k ~ Binomial(3, 1/3): P = 8/27, 12/27, 6/27, 1/27 for
// k = 0..3. Cumulative: 0.296, 0.741, 0.963, 1. At 90% the 95% quantile falls on 2/3 (0.963 >= 0.95); at 95%
// the 97.5% quantile needs k = 3 (0.963 < 0.975). The lower ends are 0 (0.296 > 0.05).
TEST(Bootstrap, ThreeQuestionsFollowTheBinomialByHand) {
    const std::vector<double> s = {0.0, 0.0, 1.0};
    const auto r90              = bootstrap_mean(s, {20000, 0.90, 3});
    EXPECT_NEAR(r90.estimate, 1.0 / 3, 1e-12);
    EXPECT_DOUBLE_EQ(r90.low, 0.0);
    EXPECT_NEAR(r90.high, 2.0 / 3, 1e-12);
    const auto r95 = bootstrap_mean(s, {20000, 0.95, 3});
    EXPECT_DOUBLE_EQ(r95.high, 1.0);
}

TEST(Bootstrap, EqualScoresHaveNoWidthAndPairedDifferencesCancel) {
    const auto r = bootstrap_mean({0.7, 0.7, 0.7, 0.7}, {});
    EXPECT_DOUBLE_EQ(r.low, 0.7);
    EXPECT_DOUBLE_EQ(r.high, 0.7);
    const std::vector<double> a = {1, 0, 1, 0, 0.5, 1};
    const auto same             = bootstrap_paired_difference(a, a, {});
    EXPECT_EQ(same.low, 0.0);
    EXPECT_EQ(same.high, 0.0);
    // b loses one question of a: the per-question differences are (1, 0, 0, 0, 0, 0), a mean of 1/6; a
    // resample holds that question 0..6 times, so the interval stays within [0, 1].
    std::vector<double> b = a;
    b[0]                  = 0;
    const auto one        = bootstrap_paired_difference(a, b, {2000, 0.95, 1});
    EXPECT_NEAR(one.estimate, 1.0 / 6, 1e-12);
    EXPECT_GE(one.low, 0.0);
    EXPECT_LE(one.high, 1.0);
    EXPECT_GT(one.high, one.low);
}

TEST(Bootstrap, TheSameSeedGivesTheSameIntervalAndBadInputIsAnError) {
    const std::vector<double> s = {0.1, 0.9, 0.4, 0.6, 0.3};
    const auto a = bootstrap_mean(s, {500, 0.95, 11}), b = bootstrap_mean(s, {500, 0.95, 11});
    EXPECT_EQ(a.low, b.low);
    EXPECT_EQ(a.high, b.high);
    EXPECT_THROW(bootstrap_mean({}, {}), InputError);
    EXPECT_THROW(bootstrap_mean(s, {0, 0.95, 1}), InputError);
    EXPECT_THROW(bootstrap_mean(s, {100, 1.0, 1}), InputError);
    EXPECT_THROW(bootstrap_paired_difference(s, {0.1}, {}), Error);
}

}  // namespace
}  // namespace bitswitch::eval
