// Runs that differ only in --seed, side by side: for each config of their sweeps, the mean, sample standard
// deviation and range of EM and F1 over the runs, next to the mean width of one run's own bootstrap
// interval. The first says how much training noise moves a result, the second how much the choice of
// questions does; a difference smaller than either is not a result. Input: the sweep.jsonl of each run
// (`bitswitch sweep --output_dir`), configs matched by their text.
#pragma once

#include <string>
#include <vector>

#include "bitswitch/analysis/sweep.h"

namespace bitswitch::analysis {

struct SpreadStats {
    double mean = 0, stddev = 0, min = 0, max = 0;  // stddev: sample (n - 1); 0 for one run
    // The 95% Student-t interval of the mean over runs, mean -+ t(0.975, n - 1) sd / sqrt(n): where the
    // mean of this training recipe lies if the runs are a sample of its seeds (for one run, the mean).
    double mean_low = 0, mean_high = 0;
};

struct SeedRow {
    std::string config;
    SpreadStats exact_match, f1;   // over runs, percent
    double f1_interval_width = 0;  // mean over runs of high - low of each run's F1 interval
};

struct SeedTable {
    std::vector<std::string> files;
    std::vector<SeedRow> rows;  // the first file's config order
};

/// The two-sided 95% critical value of Student's t with `degrees_of_freedom` (>= 1): the usual table to 30,
/// above it the Cornish-Fisher expansion (within 0.003 of the exact value).
double t_critical_95(int degrees_of_freedom);

/// The statistics of `values` (at least one).
SpreadStats spread(const std::vector<double>& values);

/// The rows of a sweep.jsonl. InputError naming the file and line when it is not one.
SweepResult read_sweep(const std::string& path);

/// One row per config of the first file; InputError when fewer than two files are given or a config is
/// missing from one of them (naming both).
SeedTable seed_table(const std::vector<std::string>& sweep_files);

std::string format_seed_table(const SeedTable& table, eval::OutputFormat format);

}  // namespace bitswitch::analysis
