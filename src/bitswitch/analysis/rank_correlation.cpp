// Average ranks and Spearman's rho.
#include "bitswitch/analysis/rank_correlation.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

#include <c10/util/Exception.h>

namespace bitswitch::analysis {

std::vector<double> average_ranks(const std::vector<double>& values) {
    std::vector<size_t> order(values.size());
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return values[a] < values[b]; });
    std::vector<double> ranks(values.size());
    for (size_t i = 0; i < order.size();) {
        size_t j = i;
        while (j + 1 < order.size() && values[order[j + 1]] == values[order[i]]) ++j;
        const double rank = (double(i) + double(j)) / 2.0 + 1.0;  // positions i..j share their mean rank
        for (size_t k = i; k <= j; ++k) ranks[order[k]] = rank;
        i = j + 1;
    }
    return ranks;
}

double spearman(const std::vector<double>& x, const std::vector<double>& y) {
    TORCH_INTERNAL_ASSERT(x.size() == y.size() && x.size() >= 2, "spearman: needs two equal-length series");
    const auto rx = average_ranks(x), ry = average_ranks(y);
    const double n  = double(rx.size());
    const double mx = std::accumulate(rx.begin(), rx.end(), 0.0) / n;
    const double my = std::accumulate(ry.begin(), ry.end(), 0.0) / n;
    double sxy = 0, sxx = 0, syy = 0;
    for (size_t i = 0; i < rx.size(); ++i) {
        sxy += (rx[i] - mx) * (ry[i] - my);
        sxx += (rx[i] - mx) * (rx[i] - mx);
        syy += (ry[i] - my) * (ry[i] - my);
    }
    if (sxx == 0 || syy == 0) return std::numeric_limits<double>::quiet_NaN();
    return sxy / std::sqrt(sxx * syy);
}

}  // namespace bitswitch::analysis
