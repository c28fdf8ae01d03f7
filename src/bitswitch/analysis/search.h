// `bitswitch search`: the per-unit (or per-block) precision assignment that minimises the predicted loss
// under a budget, from a sensitivity analysis (analysis/sensitivity.h) and the additive model: a config's
// predicted F1 drop is the sum of its targets' measured drops (or of a proxy), its cost the sum of their
// shares of the budget quantity. Seed 001's greedy search and the exact optimum (analysis/knapsack.h) for
// each budget; the budgets of the frontier run evenly from the cheapest config to the base; every config
// found is evaluated for real, so predicted and measured F1 stand side by side, and written as a precision
// file that --precision accepts.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "bitswitch/analysis/knapsack.h"
#include "bitswitch/analysis/sensitivity.h"
#include "bitswitch/core/enum_names.h"
#include "bitswitch/eval/bootstrap.h"
#include "bitswitch/model/loaded_model.h"

namespace bitswitch::analysis {

/// What a budget limits (quant/model_size.h): average weight bits, model bytes with scales, or
/// bit-operations per token.
enum class BudgetKind { kAvgWeightBits, kModelBytes, kBitOperations };
inline constexpr core::EnumName<BudgetKind> kBudgetKindNames[] = {{BudgetKind::kAvgWeightBits, "avg_bits"},
                                                                  {BudgetKind::kModelBytes, "bytes"},
                                                                  {BudgetKind::kBitOperations, "bops"}};

/// What predicts a target's loss: its measured F1 drop, or one of the proxies.
enum class Predictor { kDrop, kKl, kFisher };
inline constexpr core::EnumName<Predictor> kPredictorNames[] = {
    {Predictor::kDrop, "drop"}, {Predictor::kKl, "kl"}, {Predictor::kFisher, "fisher"}};

struct SearchConfig {
    SensitivityConfig sensitivity;  // model, data, base, test levels, granularity (when computed here)
    std::string sensitivity_file;   // a sensitivity.jsonl to search on instead of computing one
    Predictor predictor    = Predictor::kDrop;
    BudgetKind budget_kind = BudgetKind::kAvgWeightBits;
    std::vector<double> budgets;  // searched as given
    int frontier_points = 0;      // and this many budgets from the cheapest config to the base, both included
    bool measure        = true;   // evaluate every config found
    std::string output_dir;       // search.md, search.jsonl and configs/*.json
};

struct SearchPoint {
    double budget = 0;
    std::string method;                                       // "greedy" or "exact"
    std::vector<std::pair<std::string, std::string>> levels;  // (target, level), the model's order
    double predicted_cost = 0, predicted_loss = 0;
    bool optimal = false;                   // exact and proven optimal by GLPK
    quant::ModelSize size;                  // of the config itself (the additive cost's check)
    std::optional<eval::Interval> f1;       // measured, percent
    std::optional<eval::Interval> f1_drop;  // base minus this, paired
    std::string precision_file;             // under output_dir/configs, when written
};

struct SearchResult {
    std::string base;
    Predictor predictor{};
    BudgetKind budget_kind{};
    double cheapest = 0, dearest = 0;  // the budget range the model spans
    std::optional<eval::Interval> base_f1;
    int64_t questions = 0;
    std::vector<SearchPoint> points;  // budget by budget: greedy, then exact
};

/// The additive model of `sensitivity` on `loaded`: one target per row target, options the base level
/// (loss 0) and each tested level. InputError when the rows name targets the model does not have or lack
/// the predictor's values.
KnapsackProblem search_problem(const model::LoadedModel& loaded, const SensitivityResult& sensitivity,
                               Predictor predictor, BudgetKind budget_kind);

/// The budget quantity of a size.
double budget_value(const quant::ModelSize& size, BudgetKind kind);

/// A precision file ({"unit": "level", ...}, every unit) that gives each target (by label) its level and
/// every other unit the base.
std::string precision_file_text(const model::LoadedModel& loaded, const std::vector<VaryTarget>& targets,
                                const std::vector<std::pair<std::string, std::string>>& levels,
                                const std::string& base);

SearchResult run_search(const SearchConfig& config);

std::string format_search(const SearchResult& result, eval::OutputFormat format);

}  // namespace bitswitch::analysis
