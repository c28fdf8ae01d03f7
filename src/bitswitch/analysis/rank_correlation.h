// Spearman's rank correlation: Pearson's correlation of the ranks, tied values sharing their average rank
// (scipy.stats.spearmanr's definition). How well a cheap sensitivity proxy orders units like the measured
// F1 drops does.
#pragma once

#include <vector>

namespace bitswitch::analysis {

/// Ranks 1..n of `values`, ties averaged.
std::vector<double> average_ranks(const std::vector<double>& values);

/// Spearman's rho of x and y (same length >= 2); NaN when either is constant.
double spearman(const std::vector<double>& x, const std::vector<double>& y);

}  // namespace bitswitch::analysis
