// Runs over seeds: hand-computed mean, sample standard deviation and range; sweeps read back as written;
// mismatched runs and foreign files are named.
#include "bitswitch/analysis/seed_table.h"

#include <gtest/gtest.h>

#include <cmath>

#include "bitswitch/core/error.h"
#include "support/temp_dir.h"

namespace bitswitch::analysis {
namespace {

// A sweep of configs "8" and "4" whose F1 estimates are given (EM 2 points below, intervals ±1.5).
std::string sweep_file(double f1_8, double f1_4) {
    SweepResult r;
    r.reference = "8";
    r.questions = 100;
    for (const auto& [config, f1] : {std::pair{"8", f1_8}, std::pair{"4", f1_4}}) {
        SweepRow row;
        row.config      = config;
        row.f1          = {f1, f1 - 1.5, f1 + 1.5};
        row.exact_match = {f1 - 2, f1 - 3.5, f1 - 0.5};
        r.rows.push_back(row);
    }
    return format_sweep(r, eval::OutputFormat::kJsonl);
}

TEST(SeedTable, MeanSampleStandardDeviationAndRangeByHand) {
    bitswitch::testing::TempDir dir;
    const std::vector<std::string> files{dir.write("a.jsonl", sweep_file(90, 80)).string(),
                                         dir.write("b.jsonl", sweep_file(92, 81)).string(),
                                         dir.write("c.jsonl", sweep_file(97, 82)).string()};
    const auto t = seed_table(files);
    ASSERT_EQ(t.rows.size(), 2u);
    EXPECT_EQ(t.rows[0].config, "8");
    // 90, 92, 97: mean 93; squared deviations 9 + 1 + 16 = 26, / (3 - 1) = 13.
    EXPECT_DOUBLE_EQ(t.rows[0].f1.mean, 93);
    EXPECT_DOUBLE_EQ(t.rows[0].f1.stddev, std::sqrt(13.0));
    EXPECT_DOUBLE_EQ(t.rows[0].f1.min, 90);
    EXPECT_DOUBLE_EQ(t.rows[0].f1.max, 97);
    EXPECT_DOUBLE_EQ(t.rows[0].exact_match.mean, 91);
    EXPECT_DOUBLE_EQ(t.rows[0].f1_interval_width, 3.0);
    // 80, 81, 82: sd 1; the mean's 95% interval 81 -+ 4.303 / sqrt(3) = 81 -+ 2.4843.
    EXPECT_DOUBLE_EQ(t.rows[1].f1.stddev, 1.0);
    EXPECT_NEAR(t.rows[1].f1.mean_low, 78.5157, 1e-4);
    EXPECT_NEAR(t.rows[1].f1.mean_high, 83.4843, 1e-4);
    const auto md = format_seed_table(t, eval::OutputFormat::kMarkdown);
    // 93 -+ 4.303 sqrt(13 / 3) = 93 -+ 8.9573.
    EXPECT_NE(md.find("| 8 | 93.00 ± 3.61 | [84.04, 101.96] | 90.00–97.00 |"), std::string::npos) << md;
    EXPECT_EQ(format_seed_table(t, eval::OutputFormat::kCsv).find("config,runs,f1_mean"), 0u);
}

// The table's values, the expansion above it joining the table at 30, and the normal limit.
TEST(SeedTable, StudentTCriticalValues) {
    EXPECT_DOUBLE_EQ(t_critical_95(1), 12.706);
    EXPECT_DOUBLE_EQ(t_critical_95(2), 4.303);
    EXPECT_NEAR(t_critical_95(31), 2.0395, 0.001);  // exact 2.0395
    EXPECT_NEAR(t_critical_95(60), 2.0003, 0.001);  // exact 2.0003
    EXPECT_NEAR(t_critical_95(100000), 1.96, 0.001);
    EXPECT_THROW(t_critical_95(0), Error);
    // One run: no spread, the interval is the value itself.
    const auto one = spread({5.0});
    EXPECT_DOUBLE_EQ(one.mean_low, 5.0);
    EXPECT_DOUBLE_EQ(one.mean_high, 5.0);
}

TEST(SeedTable, MismatchedRunsAndForeignFilesAreNamed) {
    bitswitch::testing::TempDir dir;
    const auto a = dir.write("a.jsonl", sweep_file(90, 80)).string();
    EXPECT_THROW(seed_table({a}), InputError);  // one run is no spread
    SweepResult other;
    SweepRow row;
    row.config   = "8";
    other.rows   = {row};
    const auto b = dir.write("b.jsonl", format_sweep(other, eval::OutputFormat::kJsonl)).string();
    try {
        seed_table({a, b});
        FAIL() << "no error";
    } catch (const InputError& e) {
        EXPECT_NE(std::string(e.what()).find("b.jsonl has no config \"4\""), std::string::npos) << e.what();
    }
    const auto c = dir.write("c.jsonl", "{\"target\":\"h.0\",\"level\":\"4\",\"kl\":0.1}\n").string();
    try {
        seed_table({a, c});
        FAIL() << "no error";
    } catch (const InputError& e) {
        EXPECT_NE(std::string(e.what()).find("c.jsonl:1: not a sweep result"), std::string::npos) << e.what();
    }
}

}  // namespace
}  // namespace bitswitch::analysis
