// The additive model from a sensitivity analysis, budgets, measured checks, precision files, output.
#include "bitswitch/analysis/search.h"

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <map>
#include <set>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "bitswitch/core/error.h"
#include "bitswitch/core/io.h"
#include "bitswitch/eval/evaluator.h"
#include "bitswitch/eval/glue_eval.h"

namespace bitswitch::analysis {
namespace {

// The targets the rows use: every unit, or every block, of the model (whichever names them all).
std::vector<VaryTarget> targets_of(const quant::UnitList& units, const SensitivityResult& s) {
    std::set<std::string> named;
    for (const auto& r : s.rows) named.insert(r.target);
    for (const auto granularity : {VaryGranularity::kUnit, VaryGranularity::kBlock}) {
        auto targets = vary_targets(units, granularity);
        size_t known = 0;
        for (const auto& t : targets) known += named.count(t.label);
        if (known == named.size()) return targets;
    }
    std::string unknown;
    const auto units_targets = vary_targets(units, VaryGranularity::kUnit);
    const auto block_targets = vary_targets(units, VaryGranularity::kBlock);
    for (const auto& n : named) {
        bool found = false;
        for (const auto& t : units_targets) found = found || t.label == n;
        for (const auto& t : block_targets) found = found || t.label == n;
        if (!found) unknown = n;
    }
    throw InputError(fmt::format(
        "search: the sensitivity rows name {} which is neither a unit nor a block of this model ({}); run "
        "`bitswitch sensitivity` on this model",
        unknown.empty() ? "units and blocks together" : unknown, quant::describe_units(units)));
}

std::optional<double> predicted_loss(const SensitivityRow& r, Predictor predictor) {
    switch (predictor) {
        case Predictor::kDrop:
            return r.drop ? std::optional<double>(r.drop->estimate) : std::nullopt;
        case Predictor::kKl:
            return r.kl;
        case Predictor::kFisher:
            return r.fisher;
    }
    return std::nullopt;
}

std::string levels_text(const std::vector<std::pair<std::string, std::string>>& levels,
                        const std::string& base) {
    std::string s;
    for (const auto& [target, level] : levels) {
        if (level == base) continue;
        s += fmt::format("{}{}={}", s.empty() ? "" : " ", target, level);
    }
    return s.empty() ? "(all at the base)" : s;
}

// The base config with each target at its level.
quant::PrecisionConfig config_of_levels(const model::LoadedModel& loaded,
                                        const std::vector<VaryTarget>& targets,
                                        const std::vector<std::pair<std::string, std::string>>& levels,
                                        const std::string& base) {
    auto config = loaded.config(base);
    for (size_t t = 0; t < targets.size(); ++t) {
        if (levels[t].second == base) continue;
        config = quant::with_units_at(config, targets[t].units, levels[t].second, loaded.model().units(),
                                      loaded.adapters(), config.source);
    }
    config.source = levels_text(levels, base);
    return config;
}

nlohmann::ordered_json to_json(const SearchPoint& p, const SearchResult& result) {
    nlohmann::ordered_json levels = nlohmann::ordered_json::object();
    for (const auto& [target, level] : p.levels) levels[target] = level;
    return {{"budget_kind", enum_name(kBudgetKindNames, result.budget_kind)},
            {"budget", p.budget},
            {"method", p.method},
            {"optimal", p.optimal},
            {"predictor", enum_name(kPredictorNames, result.predictor)},
            {"predicted_cost", p.predicted_cost},
            {"predicted_loss", p.predicted_loss},
            {"base", result.base},
            {"base_f1", eval::interval_json(result.base_f1)},
            {"f1", eval::interval_json(p.f1)},
            {"f1_drop", eval::interval_json(p.f1_drop)},
            {"avg_weight_bits", p.size.avg_weight_bits},
            {"model_bytes", p.size.bytes},
            {"bit_operations_per_token", p.size.bit_operations_per_token},
            {"precision_file", p.precision_file},
            {"levels", levels}};
}

}  // namespace

double budget_value(const quant::ModelSize& size, BudgetKind kind) {
    switch (kind) {
        case BudgetKind::kAvgWeightBits:
            return size.avg_weight_bits;
        case BudgetKind::kModelBytes:
            return size.bytes;
        case BudgetKind::kBitOperations:
            return size.bit_operations_per_token;
    }
    return 0;
}

namespace {

KnapsackProblem problem_of_targets(const model::LoadedModel& loaded, const SensitivityResult& s,
                                   const std::vector<VaryTarget>& targets, Predictor predictor,
                                   BudgetKind kind) {
    const auto& units    = loaded.model().units();
    const auto base      = loaded.config(s.base);
    const double at_base = budget_value(loaded.size_of(base), kind);
    KnapsackProblem problem;
    problem.fixed_cost = at_base;
    for (const auto& target : targets) {
        std::vector<KnapsackOption> options{{s.base, 0.0, 0.0}};
        for (const auto& r : s.rows) {
            if (r.target != target.label) continue;
            const auto loss = predicted_loss(r, predictor);
            if (!loss) {
                // A K/V unit has no Fisher score: it stays at the base.
                if (predictor == Predictor::kFisher) continue;
                throw InputError(fmt::format(
                    "search: {} at {} has no measured F1 drop (the analysis ran with --proxies_only); use "
                    "--predictor kl or fisher, or measure the drops",
                    r.target, r.level));
            }
            const auto config = quant::with_units_at(base, target.units, r.level, units, loaded.adapters(),
                                                     target.label + "=" + r.level);
            options.push_back({r.level, budget_value(loaded.size_of(config), kind) - at_base, *loss});
        }
        problem.targets.push_back(target.label);
        problem.options.push_back(std::move(options));
    }
    return problem;
}

}  // namespace

KnapsackProblem search_problem(const model::LoadedModel& loaded, const SensitivityResult& s,
                               Predictor predictor, BudgetKind kind) {
    return problem_of_targets(loaded, s, targets_of(loaded.model().units(), s), predictor, kind);
}

std::string precision_file_text(const model::LoadedModel& loaded, const std::vector<VaryTarget>& targets,
                                const std::vector<std::pair<std::string, std::string>>& levels,
                                const std::string& base) {
    const auto& units = loaded.model().units();
    std::map<std::string, std::string> level_of;
    for (const auto& [target, level] : levels) level_of[target] = level;
    nlohmann::ordered_json j = nlohmann::ordered_json::object();
    for (const auto& t : targets) {
        const auto it = level_of.find(t.label);
        if (it == level_of.end()) continue;
        for (const auto& u : t.units) j[u] = it->second;
    }
    for (const auto& u : units) {
        if (!j.contains(u.name)) j[u.name] = base;
    }
    nlohmann::ordered_json ordered = nlohmann::ordered_json::object();
    for (const auto& u : units) ordered[u.name] = j[u.name];
    return ordered.dump(2) + "\n";
}

SearchResult run_search(const SearchConfig& c) {
    if (c.budgets.empty() && c.frontier_points < 1)
        throw InputError("search: give --budget VALUE... or --frontier N (or both)");
    if (c.frontier_points == 1) throw InputError("search: --frontier needs at least 2 points (its two ends)");
    if (const auto task = eval::glue_task_for(c.sensitivity.eval.task, c.sensitivity.eval.model_dir)) {
        throw InputError(fmt::format(
            "search: the bit-budget search measures SQuAD F1 and {} is a {} classifier; use `bitswitch "
            "sensitivity` and `sweep` on it, or give --task squad for a QA model",
            c.sensitivity.eval.model_dir, core::enum_name(data::kGlueTaskNames, *task)));
    }
    const auto set = eval::load_eval_set(c.sensitivity.eval);
    const auto loaded =
        model::LoadedModel::load(c.sensitivity.eval.model_dir, c.sensitivity.eval.quant_override);
    const auto sensitivity = c.sensitivity_file.empty() ? sensitivity_of(loaded, set, c.sensitivity)
                                                        : read_sensitivity(c.sensitivity_file);
    if (sensitivity.metric != "f1") {
        throw InputError(
            fmt::format("{}: measured {} on a GLUE task; the bit-budget search needs a SQuAD "
                        "sensitivity (F1 drops)",
                        c.sensitivity_file, sensitivity.metric));
    }
    const auto targets = targets_of(loaded.model().units(), sensitivity);
    const auto problem = problem_of_targets(loaded, sensitivity, targets, c.predictor, c.budget_kind);

    SearchResult out;
    out.base                    = sensitivity.base;
    out.predictor               = c.predictor;
    out.budget_kind             = c.budget_kind;
    out.cheapest                = cheapest_cost(problem);
    out.dearest                 = dearest_cost(problem);
    out.questions               = int64_t(set.dataset.examples.size());
    std::vector<double> budgets = c.budgets;
    for (int i = 0; i < c.frontier_points; ++i)
        budgets.push_back(out.cheapest + (out.dearest - out.cheapest) * i / (c.frontier_points - 1));
    // Solve every budget first, so that an unreachable one fails before any evaluation.
    for (const double budget : budgets) {
        for (const auto& [method, choice] : {std::pair{"greedy", greedy_choice(problem, budget)},
                                             std::pair{"exact", exact_choice(problem, budget)}}) {
            SearchPoint p;
            p.budget         = budget;
            p.method         = method;
            p.predicted_cost = choice.cost;
            p.predicted_loss = choice.loss;
            p.optimal        = choice.optimal;
            for (size_t t = 0; t < problem.targets.size(); ++t)
                p.levels.emplace_back(problem.targets[t], problem.options[t][choice.option[t]].level);
            out.points.push_back(std::move(p));
        }
    }
    // Configs: the base first (the reference of the drops), then each distinct assignment once.
    const std::filesystem::path dir(c.output_dir);
    std::vector<quant::PrecisionConfig> configs{loaded.config(out.base)};
    std::map<std::string, size_t> config_of;  // file text -> index into configs
    std::vector<size_t> point_config;
    for (auto& p : out.points) {
        const auto text  = precision_file_text(loaded, targets, p.levels, out.base);
        auto [it, added] = config_of.emplace(text, configs.size());
        const auto name =
            fmt::format("{}_{}_{:.6g}.json", p.method, enum_name(kBudgetKindNames, c.budget_kind), p.budget);
        if (!c.output_dir.empty()) {
            p.precision_file = (dir / "configs" / name).string();
            core::write_file_atomic(p.precision_file, text);
        }
        if (added) {
            auto config = config_of_levels(loaded, targets, p.levels, out.base);
            if (!p.precision_file.empty()) {
                // The file must mean what was searched: it is what users will pass to --precision.
                if (loaded.config(p.precision_file).units != config.units)
                    throw Error(
                        fmt::format("search: {} does not parse back to its config", p.precision_file));
                config.source = p.precision_file;
            }
            configs.push_back(std::move(config));
        }
        point_config.push_back(it->second);
        p.size = loaded.size_of(configs[it->second]);
    }
    if (c.measure) {
        eval::EvalOptions options;
        options.batch_size    = c.sensitivity.eval.batch_size;
        options.postprocess   = c.sensitivity.eval.postprocess;
        options.show_progress = false;
        size_t done           = 0;
        const auto results    = eval::evaluate_configs(
               loaded.model(), set.dataset, set.features, configs, options,
               [&](const auto& config, const auto& r) {
                std::fprintf(stderr, "search: measured %zu/%zu: %s: F1 %.2f (%.1fs)\n", ++done,
                                configs.size(), config.source.c_str(), r.f1, r.seconds);
            });
        const auto percent = [](eval::Interval i) {
            return eval::Interval{100 * i.estimate, 100 * i.low, 100 * i.high};
        };
        const auto& boot = c.sensitivity.bootstrap;
        out.base_f1      = percent(eval::bootstrap_mean(results[0].question_f1, boot));
        for (size_t i = 0; i < out.points.size(); ++i) {
            const auto& r    = results[point_config[i]];
            out.points[i].f1 = percent(eval::bootstrap_mean(r.question_f1, boot));
            out.points[i].f1_drop =
                percent(eval::bootstrap_paired_difference(results[0].question_f1, r.question_f1, boot));
        }
    }
    if (!c.output_dir.empty()) {
        eval::write_result_files(dir, "search", {eval::OutputFormat::kMarkdown, eval::OutputFormat::kJsonl},
                                 [&](eval::OutputFormat f) { return format_search(out, f); });
    }
    return out;
}

std::string format_search(const SearchResult& result, eval::OutputFormat format) {
    std::string s;
    if (format == eval::OutputFormat::kJsonl) {
        for (const auto& p : result.points) s += to_json(p, result).dump() + "\n";
        return s;
    }
    if (format == eval::OutputFormat::kCsv) {
        s = "budget_kind,budget,method,optimal,predicted_cost,predicted_loss,f1,f1_low,f1_high,f1_drop,"
            "f1_drop_low,f1_drop_high,avg_weight_bits,model_bytes,bit_operations_per_token,precision_file\n";
        for (const auto& p : result.points) {
            const auto v = [](const std::optional<eval::Interval>& i, double eval::Interval::*m) {
                return i ? fmt::format("{}", (*i).*m) : std::string();
            };
            s += fmt::format("{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{}\n",
                             enum_name(kBudgetKindNames, result.budget_kind), p.budget, p.method, p.optimal,
                             p.predicted_cost, p.predicted_loss, v(p.f1, &eval::Interval::estimate),
                             v(p.f1, &eval::Interval::low), v(p.f1, &eval::Interval::high),
                             v(p.f1_drop, &eval::Interval::estimate), v(p.f1_drop, &eval::Interval::low),
                             v(p.f1_drop, &eval::Interval::high), p.size.avg_weight_bits, p.size.bytes,
                             p.size.bit_operations_per_token, p.precision_file);
        }
        return s;
    }
    const bool drops = result.predictor == Predictor::kDrop;
    s                = fmt::format(
                       "Base {}{}; predictor {}; budget {} from {:.6g} (cheapest) to {:.6g} (base); {} questions.\n\n",
                       result.base,
        result.base_f1 ? fmt::format(" (F1 {:.2f} [{:.2f}, {:.2f}])", result.base_f1->estimate,
                                                    result.base_f1->low, result.base_f1->high)
                                      : "",
                       enum_name(kPredictorNames, result.predictor), enum_name(kBudgetKindNames, result.budget_kind),
                       result.cheapest, result.dearest, result.questions);
    s += fmt::format(
        "| budget | method | cost | predicted {} | {}measured F1 drop [95% CI] | avg w bits | changed |\n",
        drops ? "F1 drop" : "loss", drops && result.base_f1 ? "predicted F1 | " : "");
    s += drops && result.base_f1 ? "|---:|---|---:|---:|---:|---:|---:|---|\n"
                                 : "|---:|---|---:|---:|---:|---:|---|\n";
    for (const auto& p : result.points) {
        s += fmt::format("| {:.6g} | {}{} | {:.6g} | {:.4g} | ", p.budget, p.method,
                         p.optimal ? " (optimal)" : "", p.predicted_cost, p.predicted_loss);
        if (drops && result.base_f1)
            s += fmt::format("{:.2f} | ", result.base_f1->estimate - p.predicted_loss);
        s += p.f1_drop ? fmt::format("{:.2f} [{:.2f}, {:.2f}]", p.f1_drop->estimate, p.f1_drop->low,
                                     p.f1_drop->high)
                       : "-";
        s += fmt::format(" | {:.3f} | {} |\n", p.size.avg_weight_bits, levels_text(p.levels, result.base));
    }
    return s;
}

}  // namespace bitswitch::analysis
