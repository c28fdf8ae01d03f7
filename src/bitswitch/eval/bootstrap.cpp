// Resampling and quantiles.
#include "bitswitch/eval/bootstrap.h"

#include <algorithm>
#include <cmath>
#include <random>

#include <fmt/format.h>

#include "bitswitch/core/error.h"

namespace bitswitch::eval {
namespace {

void check(size_t n, const BootstrapOptions& o) {
    if (n == 0) throw InputError("bootstrap: no questions to resample (an empty evaluation set?)");
    if (o.resamples < 1)
        throw InputError(fmt::format("--bootstrap_resamples {} must be positive", o.resamples));
    if (!(o.confidence > 0.0 && o.confidence < 1.0))
        throw InputError(fmt::format("--confidence {} must be between 0 and 1", o.confidence));
}

double mean(const std::vector<double>& v) {
    double s = 0.0;
    for (const double x : v) s += x;
    return s / double(v.size());
}

// The bootstrap distribution of mean(a - b) (b empty: of mean(a)), then its interval.
Interval resample(const std::vector<double>& a, const std::vector<double>* b, const BootstrapOptions& o) {
    const size_t n = a.size();
    std::mt19937_64 rng(o.seed);
    std::uniform_int_distribution<size_t> pick(0, n - 1);
    std::vector<double> means(size_t(o.resamples));
    for (auto& m : means) {
        double s = 0.0;
        for (size_t k = 0; k < n; ++k) {
            const size_t i = pick(rng);
            s += b ? a[i] - (*b)[i] : a[i];
        }
        m = s / double(n);
    }
    Interval r;
    r.estimate = b ? mean(a) - mean(*b) : mean(a);
    r.low      = quantile(means, (1.0 - o.confidence) / 2);
    r.high     = quantile(means, (1.0 + o.confidence) / 2);
    return r;
}

}  // namespace

double quantile(std::vector<double>& values, double q) {
    std::sort(values.begin(), values.end());
    const double pos = q * double(values.size() - 1);
    const auto lo    = size_t(std::floor(pos));
    const size_t hi  = std::min(lo + 1, values.size() - 1);
    return values[lo] + (pos - double(lo)) * (values[hi] - values[lo]);
}

Interval bootstrap_mean(const std::vector<double>& scores, const BootstrapOptions& o) {
    check(scores.size(), o);
    return resample(scores, nullptr, o);
}

Interval bootstrap_paired_difference(const std::vector<double>& a, const std::vector<double>& b,
                                     const BootstrapOptions& o) {
    check(a.size(), o);
    if (a.size() != b.size())
        throw Error(fmt::format("paired bootstrap: {} scores against {} (not the same questions)", a.size(),
                                b.size()));
    return resample(a, &b, o);
}

Interval bootstrap_statistic(size_t n, const std::function<double(const std::vector<size_t>&)>& statistic,
                             const BootstrapOptions& o) {
    check(n, o);
    std::vector<size_t> indices(n);
    for (size_t i = 0; i < n; ++i) indices[i] = i;
    Interval r;
    r.estimate = statistic(indices);
    std::mt19937_64 rng(o.seed);
    std::uniform_int_distribution<size_t> pick(0, n - 1);
    std::vector<double> values(size_t(o.resamples));
    for (auto& v : values) {
        for (auto& i : indices) i = pick(rng);
        v = statistic(indices);
    }
    r.low  = quantile(values, (1.0 - o.confidence) / 2);
    r.high = quantile(values, (1.0 + o.confidence) / 2);
    return r;
}

}  // namespace bitswitch::eval
