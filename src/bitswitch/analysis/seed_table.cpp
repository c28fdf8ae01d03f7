// Reading sweeps back, matching configs across runs, the statistics, output.
#include "bitswitch/analysis/seed_table.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "bitswitch/core/error.h"
#include "bitswitch/core/json_file.h"

namespace bitswitch::analysis {
namespace {

nlohmann::ordered_json stats_json(const SpreadStats& s) {
    return {{"mean", s.mean}, {"stddev", s.stddev},     {"min", s.min},
            {"max", s.max},   {"mean_low", s.mean_low}, {"mean_high", s.mean_high}};
}

}  // namespace

double t_critical_95(int df) {
    static constexpr double kTable[] = {12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306,
                                        2.262,  2.228, 2.201, 2.179, 2.160, 2.145, 2.131, 2.120,
                                        2.110,  2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064,
                                        2.060,  2.056, 2.052, 2.048, 2.045, 2.042};
    if (df < 1) throw Error("t_critical_95: needs at least one degree of freedom");
    if (df <= 30) return kTable[df - 1];
    const double z = 1.959964;  // the normal's 0.975 quantile, plus the first two correction terms
    return z + (z * z * z + z) / (4.0 * df) +
           (5 * std::pow(z, 5) + 16 * z * z * z + 3 * z) / (96.0 * double(df) * double(df));
}

SpreadStats spread(const std::vector<double>& v) {
    SpreadStats s;
    if (v.empty()) throw Error("spread: no values");
    for (const double x : v) s.mean += x;
    s.mean /= double(v.size());
    double squares = 0;
    for (const double x : v) squares += (x - s.mean) * (x - s.mean);
    s.stddev = v.size() > 1 ? std::sqrt(squares / double(v.size() - 1)) : 0.0;
    s.min    = *std::min_element(v.begin(), v.end());
    s.max    = *std::max_element(v.begin(), v.end());
    const double half =
        v.size() > 1 ? t_critical_95(int(v.size()) - 1) * s.stddev / std::sqrt(double(v.size())) : 0.0;
    s.mean_low  = s.mean - half;
    s.mean_high = s.mean + half;
    return s;
}

SweepResult read_sweep(const std::string& path) {
    SweepResult out;
    for (const auto& [line, j] : core::read_json_lines(path)) {
        const auto where = fmt::format("{}:{}", path, line);
        try {
            const auto em = j.is_object() ? eval::interval_from_json(j, "exact_match", where) : std::nullopt;
            const auto f1 = j.is_object() ? eval::interval_from_json(j, "f1", where) : std::nullopt;
            if (!j.is_object() || !j.contains("config") || !em || !f1)
                throw InputError(where +
                                 ": not a sweep result (no config, exact_match and f1); give the sweep.jsonl "
                                 "that `bitswitch sweep --output_dir` writes");
            SweepRow row;
            row.config          = j["config"].get<std::string>();
            row.exact_match     = *em;
            row.f1              = *f1;
            row.avg_weight_bits = j.value("avg_weight_bits", 0.0);
            row.model_bytes     = j.value("model_bytes", 0.0);
            out.reference       = j.value("reference", std::string());
            out.questions       = j.value("questions", int64_t(0));
            out.rows.push_back(std::move(row));
        } catch (const nlohmann::json::exception& e) {
            throw InputError(fmt::format("{}: {}", where, e.what()));
        }
    }
    if (out.rows.empty()) throw InputError(path + ": no sweep rows");
    return out;
}

SeedTable seed_table(const std::vector<std::string>& files) {
    if (files.size() < 2)
        throw InputError("seeds: give the sweep.jsonl of at least two runs that differ only in --seed");
    std::vector<SweepResult> runs;
    for (const auto& f : files) runs.push_back(read_sweep(f));
    SeedTable table;
    table.files = files;
    for (const auto& first : runs.front().rows) {
        std::vector<double> em, f1;
        double widths = 0;
        for (size_t r = 0; r < runs.size(); ++r) {
            const auto& rows = runs[r].rows;
            const auto it    = std::find_if(rows.begin(), rows.end(),
                                            [&](const SweepRow& row) { return row.config == first.config; });
            if (it == rows.end())
                throw InputError(
                    fmt::format("seeds: {} has no config \"{}\" (it is in {}); sweep the same "
                                "configs in every run",
                                files[r], first.config, files.front()));
            em.push_back(it->exact_match.estimate);
            f1.push_back(it->f1.estimate);
            widths += it->f1.high - it->f1.low;
        }
        table.rows.push_back({first.config, spread(em), spread(f1), widths / double(runs.size())});
    }
    return table;
}

std::string format_seed_table(const SeedTable& t, eval::OutputFormat format) {
    std::string s;
    switch (format) {
        case eval::OutputFormat::kJsonl:
            for (const auto& r : t.rows) {
                s += nlohmann::ordered_json{{"config", r.config},
                                            {"runs", t.files.size()},
                                            {"exact_match", stats_json(r.exact_match)},
                                            {"f1", stats_json(r.f1)},
                                            {"f1_interval_width", r.f1_interval_width}}
                         .dump() +
                     "\n";
            }
            return s;
        case eval::OutputFormat::kCsv:
            s = "config,runs,f1_mean,f1_stddev,f1_min,f1_max,em_mean,em_stddev,em_min,em_max,"
                "f1_interval_width,f1_mean_low,f1_mean_high,em_mean_low,em_mean_high\n";
            for (const auto& r : t.rows) {
                s += fmt::format("{},{},{},{},{},{},{},{},{},{},{},{},{},{},{}\n", r.config, t.files.size(),
                                 r.f1.mean, r.f1.stddev, r.f1.min, r.f1.max, r.exact_match.mean,
                                 r.exact_match.stddev, r.exact_match.min, r.exact_match.max,
                                 r.f1_interval_width, r.f1.mean_low, r.f1.mean_high, r.exact_match.mean_low,
                                 r.exact_match.mean_high);
            }
            return s;
        case eval::OutputFormat::kMarkdown:
            s = fmt::format(
                "| config | F1 mean ± sd | F1 mean 95% CI | F1 range | EM mean ± sd | EM range "
                "| one run's F1 CI width |\n"
                "|---|---:|---:|---:|---:|---:|---:|\n");
            for (const auto& r : t.rows) {
                s += fmt::format(
                    "| {} | {:.2f} ± {:.2f} | [{:.2f}, {:.2f}] | {:.2f}–{:.2f} | {:.2f} ± {:.2f} "
                    "| {:.2f}–{:.2f} | {:.2f} |\n",
                    r.config, r.f1.mean, r.f1.stddev, r.f1.mean_low, r.f1.mean_high, r.f1.min, r.f1.max,
                    r.exact_match.mean, r.exact_match.stddev, r.exact_match.min, r.exact_match.max,
                    r.f1_interval_width);
            }
            s += fmt::format(
                "\n{} runs that differ only in --seed; sd: sample standard deviation over runs; CI: the "
                "Student-t interval of the mean over runs (training noise); the last column: the mean width "
                "of each run's own bootstrap interval (question noise).\n",
                t.files.size());
            return s;
    }
    return s;
}

}  // namespace bitswitch::analysis
