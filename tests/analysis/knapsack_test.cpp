// The bit-budget solvers: the exact one equals brute force on small random instances, the greedy one
// reproduces a hand-worked example (where it is not optimal), and an unreachable budget names the minimum.
#include "bitswitch/analysis/knapsack.h"

#include <gtest/gtest.h>

#include <random>

#include "bitswitch/core/error.h"

namespace bitswitch::analysis {
namespace {

// The least loss of any choice within the budget, by trying them all.
double brute_force_loss(const KnapsackProblem& p, double budget) {
    std::vector<size_t> option(p.options.size(), 0);
    double best = std::numeric_limits<double>::infinity();
    while (true) {
        const auto c = evaluate_choice(p, option);
        if (c.cost <= budget) best = std::min(best, c.loss);
        size_t t = 0;
        while (t < option.size() && ++option[t] == p.options[t].size()) option[t++] = 0;
        if (t == option.size()) return best;
    }
}

// Three targets at 8, 4 or 2 bits (cost = bits x weight share, loss = a predicted F1 drop).
KnapsackProblem hand_worked() {
    return {{"A", "B", "C"},
            {{{"8", 8, 0.0}, {"4", 4, 1.0}, {"2", 2, 5.0}},
             {{"8", 8, 0.0}, {"4", 4, 0.2}, {"2", 2, 3.0}},
             {{"8", 16, 0.0}, {"4", 8, 4.0}, {"2", 4, 4.4}}},
            0.0};
}

std::vector<std::string> levels(const KnapsackProblem& p, const KnapsackChoice& c) {
    std::vector<std::string> out;
    for (size_t t = 0; t < c.option.size(); ++t) out.push_back(p.options[t][c.option[t]].level);
    return out;
}

TEST(Knapsack, GreedyFollowsTheLeastLossPerCostSavedStepByStep) {
    // From cost 32, budget 20. Step 1 ratios (loss per cost saved): A->4 1/4, A->2 5/6, B->4 0.2/4 = 0.05,
    // B->2 3/6, C->4 4/8, C->2 4.4/12 = 0.367: B->4 (cost 28). Step 2: A->4 0.25 beats C->2 0.367 and
    // B 4->2 2.8/2: A->4 (cost 24). Step 3: C->2 0.367 beats C->4 0.5, A 4->2 2, B 4->2 1.4: cost 12.
    const auto p = hand_worked();
    const auto g = greedy_choice(p, 20);
    EXPECT_EQ(levels(p, g), (std::vector<std::string>{"4", "4", "2"}));
    EXPECT_DOUBLE_EQ(g.cost, 12);
    EXPECT_DOUBLE_EQ(g.loss, 5.6);
    EXPECT_FALSE(g.optimal);
    // The optimum keeps A at 8 and takes C to 4: cost 8 + 4 + 8 = 20, loss 0.2 + 4 = 4.2.
    const auto e = exact_choice(p, 20);
    EXPECT_EQ(levels(p, e), (std::vector<std::string>{"8", "4", "4"}));
    EXPECT_DOUBLE_EQ(e.cost, 20);
    EXPECT_DOUBLE_EQ(e.loss, 4.2);
    EXPECT_TRUE(e.optimal);
}

TEST(Knapsack, AGenerousBudgetKeepsEverythingAtTheTopAndTheCheapestTakesTheBottom) {
    const auto p = hand_worked();
    EXPECT_DOUBLE_EQ(cheapest_cost(p), 8);
    EXPECT_DOUBLE_EQ(dearest_cost(p), 32);
    EXPECT_EQ(levels(p, greedy_choice(p, 32)), (std::vector<std::string>{"8", "8", "8"}));
    EXPECT_EQ(levels(p, exact_choice(p, 32)), (std::vector<std::string>{"8", "8", "8"}));
    EXPECT_EQ(levels(p, exact_choice(p, 8)), (std::vector<std::string>{"2", "2", "2"}));
    EXPECT_EQ(levels(p, greedy_choice(p, 8)), (std::vector<std::string>{"2", "2", "2"}));
}

TEST(Knapsack, AmongEqualLossesTheExactChoiceIsTheCheapest) {
    // B at 4 predicts no loss: a budget that allows the base still gets B at 4 (cost 4 + 8 = 12 < 16).
    const KnapsackProblem p{
        {"A", "B"}, {{{"8", 8, 0.0}, {"4", 4, 1.0}}, {{"8", 8, 0.0}, {"4", 4, 0.0}}}, 0.0};
    const auto e = exact_choice(p, 16);
    EXPECT_EQ(levels(p, e), (std::vector<std::string>{"8", "4"}));
    EXPECT_DOUBLE_EQ(e.cost, 12);
    EXPECT_DOUBLE_EQ(e.loss, 0);
    EXPECT_TRUE(e.optimal);
}

TEST(Knapsack, ABudgetBelowTheCheapestConfigNamesTheMinimum) {
    const auto p = hand_worked();
    try {
        exact_choice(p, 7.5);
        FAIL() << "no error";
    } catch (const InputError& e) {
        EXPECT_NE(std::string(e.what()).find("below the cheapest config (8"), std::string::npos) << e.what();
    }
    EXPECT_THROW(greedy_choice(p, 7.5), InputError);
}

TEST(Knapsack, ExactEqualsBruteForceOnRandomInstancesAndGreedyIsNeverBetter) {
    std::mt19937_64 rng(7);
    std::uniform_real_distribution<double> unit(0.0, 1.0);
    int greedy_suboptimal = 0;
    for (int instance = 0; instance < 300; ++instance) {
        KnapsackProblem p;
        p.fixed_cost        = 10 * unit(rng);
        const int n_targets = 1 + int(rng() % 6);
        for (int t = 0; t < n_targets; ++t) {
            p.targets.push_back("t" + std::to_string(t));
            std::vector<KnapsackOption> options;
            const int n_options = 1 + int(rng() % 4);
            // Costs may tie and losses may be negative (a measured drop inside the noise).
            for (int o = 0; o < n_options; ++o)
                options.push_back({std::to_string(o), double(rng() % 3 == 0 ? 4 : 1 + rng() % 8) * unit(rng),
                                   5 * unit(rng) - 0.5});
            p.options.push_back(options);
        }
        const double budget = cheapest_cost(p) + (dearest_cost(p) - cheapest_cost(p)) * unit(rng);
        const auto e        = exact_choice(p, budget);
        const auto g        = greedy_choice(p, budget);
        ASSERT_NEAR(e.loss, brute_force_loss(p, budget + 1e-9), 1e-9) << "instance " << instance;
        EXPECT_LE(e.cost, budget + 1e-9);
        EXPECT_LE(g.cost, budget + 1e-9);
        EXPECT_TRUE(e.optimal);
        EXPECT_GE(g.loss, e.loss - 1e-9);
        greedy_suboptimal += g.loss > e.loss + 1e-9;
    }
    EXPECT_GT(greedy_suboptimal, 0);  // the instances are hard enough to tell the two apart
}

}  // namespace
}  // namespace bitswitch::analysis
