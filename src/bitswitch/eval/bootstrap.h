// Percentile bootstrap intervals over questions (Efron & Tibshirani 1993, ch. 13): the n per-question scores
// are resampled with replacement `resamples` times from a seeded generator; the interval is the
// (1 - confidence)/2 and (1 + confidence)/2 quantiles of the resampled means (linear interpolation between
// order statistics, numpy's default). A paired difference resamples both configs' scores with the same
// indices, so it measures how sure we are that one config beats another on these questions, which two
// separate intervals overstate. Deterministic for a seed. The scores come from the metrics beside it
// (squad_metric.h); the analysis and attack commands put intervals on them.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <vector>

namespace bitswitch::eval {

struct BootstrapOptions {
    int resamples     = 1000;
    double confidence = 0.95;
    uint64_t seed     = 0;
};

/// An estimate with its interval, in the units of the scores.
struct Interval {
    double estimate = 0.0, low = 0.0, high = 0.0;
};

/// The mean of `scores` with its interval. InputError on no scores or bad options.
Interval bootstrap_mean(const std::vector<double>& scores, const BootstrapOptions& options);

/// mean(a) - mean(b) with its paired interval; a and b are scores of the same questions in the same order.
Interval bootstrap_paired_difference(const std::vector<double>& a, const std::vector<double>& b,
                                     const BootstrapOptions& options);

/// A statistic of n items that is not a mean of per-item scores (F1 over a set, Matthews correlation,
/// Pearson's r): `statistic(indices)` computes it on the items at `indices` (with repeats). The estimate is
/// its value on all n items in order; the interval comes from resampling the indices.
Interval bootstrap_statistic(size_t n,
                             const std::function<double(const std::vector<size_t>& indices)>& statistic,
                             const BootstrapOptions& options);

/// The q-quantile (0..1) of `values` by linear interpolation between order statistics (numpy's default);
/// `values` is sorted in place.
double quantile(std::vector<double>& values, double q);

}  // namespace bitswitch::eval
