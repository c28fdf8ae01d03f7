// The bit-budget search on a tiny GPT-2: option costs are the model's own size differences and add up to
// the found configs' sizes, the precision files parse back to the configs searched, every point respects
// its budget and the exact one is never worse than the greedy one, and bad input is named.
#include "bitswitch/analysis/search.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "bitswitch/core/error.h"
#include "bitswitch/core/io.h"
#include "support/temp_dir.h"
#include "support/train_fixture.h"

namespace bitswitch::analysis {
namespace {

struct SearchFixture : bitswitch::testing::TrainFixture {
    SearchFixture() : TrainFixture(options()) {}
    static bitswitch::testing::TrainFixtureOptions options() {
        bitswitch::testing::TrainFixtureOptions o;
        o.dev = {8, 1, 2, 2, true, false};  // 16 questions
        return o;
    }
    SearchConfig config() const {
        SearchConfig c;
        auto& e                        = c.sensitivity.eval;
        e.model_dir                    = model_dir;
        e.validation_file              = dev_file;
        e.features.max_seq_length      = 96;
        e.features.doc_stride          = 32;
        e.features.max_question_length = 24;
        c.sensitivity.bootstrap        = {200, 0.95, 1};
        return c;
    }
};

// A hand-made analysis of the tiny model's two blocks and head: block h.1 is fragile.
SensitivityResult hand_made_sensitivity() {
    SensitivityResult s;
    s.base         = "8";
    const auto row = [](const std::string& target, const std::string& level, double drop, double kl) {
        return SensitivityRow{
            target, level, eval::Interval{50 - drop, 40, 60}, eval::Interval{drop, drop - 1, drop + 1},
            kl,     kl / 2};
    };
    s.rows = {row("h.0", "4", 0.5, 0.01),         row("h.0", "2", 3.0, 0.2),
              row("h.1", "4", 6.0, 0.3),          row("h.1", "2", 20.0, 1.0),
              row("qa_outputs", "4", 0.1, 0.001), row("qa_outputs", "2", 0.4, 0.01)};
    return s;
}

TEST(Search, OptionCostsAreTheModelsSizeDifferencesAndTheyAddUp) {
    SearchFixture f;
    const auto loaded = model::LoadedModel::load(f.model_dir);
    const auto s      = hand_made_sensitivity();
    for (const auto kind :
         {BudgetKind::kAvgWeightBits, BudgetKind::kModelBytes, BudgetKind::kBitOperations}) {
        const auto p = search_problem(loaded, s, Predictor::kDrop, kind);
        ASSERT_EQ(p.targets, (std::vector<std::string>{"h.0", "h.1", "qa_outputs"}));
        ASSERT_EQ(p.options[0].size(), 3u);
        EXPECT_DOUBLE_EQ(p.fixed_cost, budget_value(loaded.size_of(loaded.config("8")), kind));
        EXPECT_DOUBLE_EQ(p.options[1][2].loss, 20.0);
        // Every choice's additive cost equals the size of the config it stands for.
        for (size_t a = 0; a < 3; ++a) {
            for (size_t b = 0; b < 3; ++b) {
                for (size_t h = 0; h < 3; ++h) {
                    const auto c    = evaluate_choice(p, {a, b, h});
                    const auto text = p.options[0][a].level + "," + p.options[1][b].level + "," +
                                      p.options[2][h].level;  // the list form: one level per block, the head
                    EXPECT_NEAR(c.cost, budget_value(loaded.size_of(loaded.config(text)), kind),
                                1e-9 * std::max(1.0, c.cost))
                        << text;
                }
            }
        }
    }
    // At 2 bits everywhere the average is 2 bits: the cheapest budget.
    const auto p = search_problem(loaded, s, Predictor::kDrop, BudgetKind::kAvgWeightBits);
    EXPECT_NEAR(cheapest_cost(p), 2.0, 1e-12);
    EXPECT_NEAR(dearest_cost(p), 8.0, 1e-12);
}

TEST(Search, FindsConfigsWithinBudgetWritesFilesThatParseBackAndMeasuresThem) {
    SearchFixture f;
    bitswitch::testing::TempDir out;
    core::write_file_atomic(out.path() / "sensitivity.jsonl",
                            format_sensitivity(hand_made_sensitivity(), eval::OutputFormat::kJsonl));
    auto c             = f.config();
    c.sensitivity_file = (out.path() / "sensitivity.jsonl").string();
    c.budgets          = {5.0};
    c.frontier_points  = 3;
    c.output_dir       = (out.path() / "search").string();
    const auto r       = run_search(c);
    ASSERT_EQ(r.points.size(), 8u);  // 4 budgets x (greedy, exact)
    EXPECT_DOUBLE_EQ(r.cheapest, 2.0);
    EXPECT_DOUBLE_EQ(r.dearest, 8.0);
    ASSERT_TRUE(r.base_f1.has_value());
    const auto loaded = model::LoadedModel::load(f.model_dir);
    for (size_t i = 0; i < r.points.size(); i += 2) {
        const auto& g = r.points[i];
        const auto& e = r.points[i + 1];
        EXPECT_EQ(g.method, "greedy");
        EXPECT_EQ(e.method, "exact");
        EXPECT_TRUE(e.optimal);
        EXPECT_LE(e.predicted_loss, g.predicted_loss + 1e-12);
        for (const auto* p : {&g, &e}) {
            EXPECT_LE(p->size.avg_weight_bits, p->budget + 1e-9);
            EXPECT_NEAR(p->size.avg_weight_bits, p->predicted_cost, 1e-9);
            ASSERT_TRUE(p->f1.has_value());
            ASSERT_TRUE(std::filesystem::exists(p->precision_file)) << p->precision_file;
            // The file means the levels searched: each block's units at its level.
            const auto config = loaded.config(p->precision_file);
            EXPECT_EQ(config.at("h.0.mlp.c_fc").bits.w, std::stoi(p->levels[0].second));
            EXPECT_EQ(config.at("h.1.attn.kv").bits.kv, std::stoi(p->levels[1].second));
            EXPECT_EQ(config.at("qa_outputs").bits.w, std::stoi(p->levels[2].second));
        }
    }
    // Budget 5 bits on average (weights: 3072 per block, 32 in the head; 30880 bits in all). Greedy takes h.0
    // to 4, then to 2 (the least drop per bit saved), is still 96 bits over and takes fragile h.1 to 4
    // (predicted drop 9). The exact choice keeps h.1 at 8 and takes the head to 4 instead (drop 3.1).
    EXPECT_EQ(r.points[0].levels, (std::vector<std::pair<std::string, std::string>>{
                                      {"h.0", "2"}, {"h.1", "4"}, {"qa_outputs", "8"}}));
    EXPECT_DOUBLE_EQ(r.points[0].predicted_loss, 9.0);
    EXPECT_EQ(r.points[1].levels, (std::vector<std::pair<std::string, std::string>>{
                                      {"h.0", "2"}, {"h.1", "8"}, {"qa_outputs", "4"}}));
    EXPECT_DOUBLE_EQ(r.points[1].predicted_loss, 3.1);
    // The base itself is the frontier's top: nothing changed, measured drop exactly zero.
    const auto& top = r.points.back();
    EXPECT_NEAR(top.predicted_loss, 0.0, 1e-12);
    EXPECT_EQ(top.f1_drop->estimate, 0.0);
    for (const auto* name : {"search.md", "search.jsonl"})
        EXPECT_TRUE(std::filesystem::exists(out.path() / "search" / name)) << name;
    EXPECT_EQ(format_search(r, eval::OutputFormat::kCsv).find("budget_kind,budget,method"), 0u);
}

TEST(Search, BadInputIsNamed) {
    SearchFixture f;
    bitswitch::testing::TempDir out;
    auto c             = f.config();
    c.sensitivity_file = (out.path() / "sensitivity.jsonl").string();
    core::write_file_atomic(c.sensitivity_file,
                            format_sensitivity(hand_made_sensitivity(), eval::OutputFormat::kJsonl));
    c.budgets = {1.5};
    try {
        run_search(c);
        FAIL() << "no error";
    } catch (const InputError& e) {
        EXPECT_NE(std::string(e.what()).find("below the cheapest config (2"), std::string::npos) << e.what();
    }
    c.budgets = {};
    EXPECT_THROW(run_search(c), InputError);  // neither --budget nor --frontier
    c.budgets = {5};
    // A result of another kind.
    core::write_file_atomic(c.sensitivity_file, R"({"config":"8","f1":[1,0,2]})"
                                                "\n");
    try {
        run_search(c);
        FAIL() << "no error";
    } catch (const InputError& e) {
        EXPECT_NE(std::string(e.what()).find("not a sensitivity result"), std::string::npos) << e.what();
        EXPECT_NE(std::string(e.what()).find(c.sensitivity_file + ":1"), std::string::npos) << e.what();
    }
    // Targets the model does not have.
    auto s           = hand_made_sensitivity();
    s.rows[0].target = "h.7";
    core::write_file_atomic(c.sensitivity_file, format_sensitivity(s, eval::OutputFormat::kJsonl));
    try {
        run_search(c);
        FAIL() << "no error";
    } catch (const InputError& e) {
        EXPECT_NE(std::string(e.what()).find("h.7"), std::string::npos) << e.what();
    }
    // Proxies only: no drops to predict with, unless a proxy is chosen.
    s = hand_made_sensitivity();
    for (auto& row : s.rows) row.drop.reset();
    core::write_file_atomic(c.sensitivity_file, format_sensitivity(s, eval::OutputFormat::kJsonl));
    EXPECT_THROW(run_search(c), InputError);
    c.predictor = Predictor::kKl;
    c.measure   = false;
    EXPECT_EQ(run_search(c).points.size(), 2u);
}

}  // namespace
}  // namespace bitswitch::analysis
