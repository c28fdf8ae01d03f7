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
    return {{"mean", s.mean}, {"stddev", s.stddev}, {"min", s.min}, {"max", s.max}};
}

}  // namespace

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
                "f1_interval_width\n";
            for (const auto& r : t.rows) {
                s += fmt::format("{},{},{},{},{},{},{},{},{},{},{}\n", r.config, t.files.size(), r.f1.mean,
                                 r.f1.stddev, r.f1.min, r.f1.max, r.exact_match.mean, r.exact_match.stddev,
                                 r.exact_match.min, r.exact_match.max, r.f1_interval_width);
            }
            return s;
        case eval::OutputFormat::kMarkdown:
            s = fmt::format(
                "| config | F1 mean ± sd | F1 range | EM mean ± sd | EM range | one run's F1 CI width |\n"
                "|---|---:|---:|---:|---:|---:|\n");
            for (const auto& r : t.rows) {
                s += fmt::format(
                    "| {} | {:.2f} ± {:.2f} | {:.2f}–{:.2f} | {:.2f} ± {:.2f} | {:.2f}–{:.2f} | {:.2f} |\n",
                    r.config, r.f1.mean, r.f1.stddev, r.f1.min, r.f1.max, r.exact_match.mean,
                    r.exact_match.stddev, r.exact_match.min, r.exact_match.max, r.f1_interval_width);
            }
            s += fmt::format(
                "\n{} runs that differ only in --seed; sd: sample standard deviation over runs; the last "
                "column "
                "is the mean width of each run's own bootstrap interval (question noise).\n",
                t.files.size());
            return s;
    }
    return s;
}

}  // namespace bitswitch::analysis
