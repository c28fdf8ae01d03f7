// The sweep on a tiny GPT-2 and generated questions: its rows equal single evaluations, generated configs
// change exactly one unit or block, the formats parse, bad input is named.
#include "bitswitch/analysis/sweep.h"

#include <gtest/gtest.h>

#include "bitswitch/core/error.h"
#include "support/temp_dir.h"
#include "support/train_fixture.h"

namespace bitswitch::analysis {
namespace {

struct SweepFixture : bitswitch::testing::TrainFixture {
    SweepFixture() : TrainFixture(options()) {}
    static bitswitch::testing::TrainFixtureOptions options() {
        bitswitch::testing::TrainFixtureOptions o;
        o.dev = {8, 1, 2, 2, true, false};  // 16 questions
        return o;
    }
    SweepConfig config() const {
        SweepConfig c;
        c.eval.model_dir                    = model_dir;
        c.eval.validation_file              = dev_file;
        c.eval.features.max_seq_length      = 96;
        c.eval.features.doc_stride          = 32;
        c.eval.features.max_question_length = 24;
        c.bootstrap                         = {200, 0.95, 1};
        return c;
    }
};

TEST(Sweep, RowsEqualSingleEvaluationsAndTheReferenceDiffersFromItselfByNothing) {
    SweepFixture f;
    auto c       = f.config();
    c.uniform    = {"fp", "8", "2"};
    c.reference  = "8";
    const auto r = run_sweep(c);
    ASSERT_EQ(r.rows.size(), 3u);
    EXPECT_EQ(r.reference, "8");
    EXPECT_EQ(r.questions, 16);
    auto single      = c.eval;
    single.precision = {"fp", "8", "2"};
    const auto rows  = eval::run_qa_eval(single);
    for (size_t i = 0; i < 3; ++i) {
        EXPECT_NEAR(r.rows[i].f1.estimate, rows[i]["f1"].get<double>(), 1e-9) << r.rows[i].config;
        EXPECT_NEAR(r.rows[i].exact_match.estimate, rows[i]["exact_match"].get<double>(), 1e-9);
        EXPECT_LE(r.rows[i].f1.low, r.rows[i].f1.estimate);
        EXPECT_GE(r.rows[i].f1.high, r.rows[i].f1.estimate);
        EXPECT_NEAR(r.rows[i].f1_diff.estimate, r.rows[i].f1.estimate - r.rows[1].f1.estimate, 1e-9);
    }
    EXPECT_EQ(r.rows[1].f1_diff.low, 0.0);
    EXPECT_EQ(r.rows[1].f1_diff.high, 0.0);
    EXPECT_DOUBLE_EQ(r.rows[0].avg_weight_bits, 32.0);
    EXPECT_DOUBLE_EQ(r.rows[2].avg_weight_bits, 2.0);
    EXPECT_GT(r.rows[0].bit_operations_per_token, r.rows[1].bit_operations_per_token);
}

TEST(Sweep, VaryMakesOneConfigPerUnitOrBlockAndLevelEachDifferingThereOnly) {
    SweepFixture f;
    auto c             = f.config();
    c.vary_base        = "8";
    c.vary_levels      = {"4", "3"};
    const auto loaded  = model::LoadedModel::load(f.model_dir);
    const auto& units  = loaded.model().units();
    const auto base    = loaded.config("8");
    const auto by_unit = sweep_configs(c, loaded);
    ASSERT_EQ(by_unit.size(), 2 * units.size() + 1);  // the base is added as the reference
    EXPECT_EQ(by_unit[0].units, base.units);
    for (size_t k = 1; k < by_unit.size(); ++k) {
        int changed = 0;
        for (size_t i = 0; i < units.size(); ++i) changed += !(by_unit[k][i] == base[i]);
        EXPECT_EQ(changed, 1) << by_unit[k].source;
    }
    EXPECT_EQ(by_unit[1].source, "8 | h.0.attn.c_attn=4");
    c.vary_granularity  = VaryGranularity::kBlock;
    const auto by_block = sweep_configs(c, loaded);
    ASSERT_EQ(by_block.size(), 2 * size_t(quant::group_count(units)) + 1);
    EXPECT_EQ(by_block[1].source, "8 | h.0=4");
    int changed = 0;
    for (size_t i = 0; i < units.size(); ++i) changed += !(by_block[1][i] == base[i]);
    EXPECT_EQ(changed, 5);  // GPT-2's block: four linears and its K/V
}

TEST(Sweep, FormatsHoldEveryRowAndBadInputIsNamed) {
    SweepFixture f;
    auto c         = f.config();
    c.uniform      = {"fp", "4"};
    c.output_dir   = (f.dir.path() / "sweep").string();
    const auto r   = run_sweep(c);
    const auto csv = format_sweep(r, eval::OutputFormat::kCsv);
    EXPECT_EQ(std::count(csv.begin(), csv.end(), '\n'), 3);
    const auto header = csv.substr(0, csv.find('\n'));
    const auto first  = csv.substr(header.size() + 1, csv.find('\n', header.size() + 1) - header.size() - 1);
    EXPECT_EQ(std::count(header.begin(), header.end(), ','), std::count(first.begin(), first.end(), ','));
    const auto lines = bitswitch::testing::read_jsonl(std::filesystem::path(c.output_dir) / "sweep.jsonl");
    ASSERT_EQ(lines.size(), 2u);
    EXPECT_EQ(lines[1]["config"], "4");
    EXPECT_EQ(lines[1]["f1"].size(), 3u);  // estimate, low, high
    EXPECT_TRUE(std::filesystem::exists(std::filesystem::path(c.output_dir) / "sweep.md"));

    auto none = f.config();
    EXPECT_THROW(run_sweep(none), InputError);
    none.vary_base = "8";
    EXPECT_THROW(run_sweep(none), InputError);  // no --vary_to
    bitswitch::testing::TempDir dir;
    none.vary_base    = "";
    none.configs_file = dir.write("empty.txt", "# nothing here\n\n").string();
    EXPECT_THROW(run_sweep(none), InputError);
    none.configs_file = dir.write("bad.txt", "8\nw4q\n").string();
    EXPECT_THROW(run_sweep(none), InputError);
}

}  // namespace
}  // namespace bitswitch::analysis
