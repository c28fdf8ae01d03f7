// The additive model behind a bit-budget search, and its two solvers. Every target (a unit or a block)
// takes one of its options (a level); a choice's cost is the sum of the options' costs plus a fixed part,
// and its predicted loss the sum of their losses. Minimising the loss under a cost budget is a
// multiple-choice knapsack:
//   greedy_choice  seed 001's layer-wise greedy: start from each target's most expensive option and, until
//                  the budget holds, take the single cheaper move with the least loss per unit of cost saved
//   exact_choice   the optimum of the same model, as an integer program solved by GLPK's branch-and-cut
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace bitswitch::analysis {

struct KnapsackOption {
    std::string level;  // what the target is set to ("4", "w4a8")
    double cost = 0;    // its share of the budget quantity
    double loss = 0;    // its predicted loss (an F1 drop or a proxy)
};

struct KnapsackProblem {
    std::vector<std::string> targets;                  // labels, for messages
    std::vector<std::vector<KnapsackOption>> options;  // per target; at least one each
    double fixed_cost = 0;                             // what no choice changes
};

struct KnapsackChoice {
    std::vector<size_t> option;  // per target, an index into its options
    double cost = 0, loss = 0;
    bool optimal = false;  // proven optimal for the model (exact_choice with GLPK's status GLP_OPT)
};

/// Cost of every target at its cheapest option: the least budget any choice fits.
double cheapest_cost(const KnapsackProblem& problem);
/// Cost of every target at its most expensive option.
double dearest_cost(const KnapsackProblem& problem);

/// The choice's cost and loss filled in from its options.
KnapsackChoice evaluate_choice(const KnapsackProblem& problem, std::vector<size_t> option);

/// Seed 001's greedy search. Ties go to the larger saving, then to the earlier target and option.
/// InputError when budget < cheapest_cost.
KnapsackChoice greedy_choice(const KnapsackProblem& problem, double budget);

/// The least-loss choice with cost <= budget (within 1e-9 of the budget's magnitude) and, among those, the
/// cheapest (a second integer program with the loss held at its minimum). InputError when budget <
/// cheapest_cost; Error when GLPK fails.
KnapsackChoice exact_choice(const KnapsackProblem& problem, double budget);

}  // namespace bitswitch::analysis
