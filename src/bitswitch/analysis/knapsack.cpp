// Greedy and exact solutions of the multiple-choice knapsack.
#include "bitswitch/analysis/knapsack.h"

#include <glpk.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <memory>

#include <fmt/format.h>

#include "bitswitch/core/error.h"

namespace bitswitch::analysis {
namespace {

// Costs are sums of floating-point shares; a budget equal to a choice's cost must admit it.
double slack(double budget) {
    return 1e-9 * std::max(1.0, std::abs(budget));
}

void check_reachable(const KnapsackProblem& p, double budget) {
    if (p.options.size() != p.targets.size()) throw Error("knapsack: one option list per target");
    for (size_t t = 0; t < p.options.size(); ++t) {
        if (p.options[t].empty())
            throw Error(fmt::format("knapsack: target {} has no options", p.targets[t]));
    }
    const double least = cheapest_cost(p);
    if (budget + slack(budget) < least)
        throw InputError(fmt::format(
            "search: the budget {:.6g} is below the cheapest config ({:.6g}, every target at its lowest "
            "level); raise the budget or test lower levels",
            budget, least));
}

// Frees GLPK's problem object on every path out of exact_choice.
struct ProblemDeleter {
    void operator()(glp_prob* p) const { glp_delete_prob(p); }
};

}  // namespace

namespace {

// The fixed cost plus, per target, the option cost `prefer` picks (std::less: the cheapest).
template <class Prefer>
double extreme_cost(const KnapsackProblem& p, Prefer prefer) {
    double sum = p.fixed_cost;
    for (const auto& options : p.options) {
        double chosen = options.front().cost;
        for (const auto& o : options) chosen = prefer(o.cost, chosen) ? o.cost : chosen;
        sum += chosen;
    }
    return sum;
}

}  // namespace

double cheapest_cost(const KnapsackProblem& p) {
    return extreme_cost(p, std::less<double>());
}

double dearest_cost(const KnapsackProblem& p) {
    return extreme_cost(p, std::greater<double>());
}

KnapsackChoice evaluate_choice(const KnapsackProblem& p, std::vector<size_t> option) {
    KnapsackChoice c;
    c.cost = p.fixed_cost;
    for (size_t t = 0; t < option.size(); ++t) {
        c.cost += p.options[t][option[t]].cost;
        c.loss += p.options[t][option[t]].loss;
    }
    c.option = std::move(option);
    return c;
}

KnapsackChoice greedy_choice(const KnapsackProblem& p, double budget) {
    check_reachable(p, budget);
    // Start: each target at its most expensive option (the lowest loss among equally expensive ones).
    std::vector<size_t> current(p.options.size());
    for (size_t t = 0; t < p.options.size(); ++t) {
        const auto& o = p.options[t];
        for (size_t i = 1; i < o.size(); ++i) {
            const auto& best = o[current[t]];
            if (o[i].cost > best.cost || (o[i].cost == best.cost && o[i].loss < best.loss)) current[t] = i;
        }
    }
    auto choice = evaluate_choice(p, current);
    while (choice.cost > budget + slack(budget)) {
        double best_ratio = 0, best_saving = 0;
        size_t best_t = 0, best_o = 0;
        bool found = false;
        for (size_t t = 0; t < p.options.size(); ++t) {
            const auto& now = p.options[t][current[t]];
            for (size_t i = 0; i < p.options[t].size(); ++i) {
                const auto& o       = p.options[t][i];
                const double saving = now.cost - o.cost;
                if (saving <= 0) continue;
                const double ratio = (o.loss - now.loss) / saving;
                if (!found || ratio < best_ratio || (ratio == best_ratio && saving > best_saving)) {
                    found = true, best_ratio = ratio, best_saving = saving, best_t = t, best_o = i;
                }
            }
        }
        if (!found) break;  // unreachable after check_reachable; kept so a bad cost cannot loop forever
        current[best_t] = best_o;
        choice          = evaluate_choice(p, current);
    }
    return choice;
}

KnapsackChoice exact_choice(const KnapsackProblem& p, double budget) {
    check_reachable(p, budget);
    std::unique_ptr<glp_prob, ProblemDeleter> lp(glp_create_prob());
    glp_set_obj_dir(lp.get(), GLP_MIN);
    const int targets = int(p.options.size());
    // Rows 1..targets: each target takes exactly one option; row targets+1: the budget.
    glp_add_rows(lp.get(), targets + 1);
    for (int t = 1; t <= targets; ++t) glp_set_row_bnds(lp.get(), t, GLP_FX, 1.0, 1.0);
    glp_set_row_bnds(lp.get(), targets + 1, GLP_UP, 0.0, budget - p.fixed_cost + slack(budget));
    std::vector<int> rows{0}, cols{0};  // GLPK's arrays are 1-based
    std::vector<double> values{0};
    std::vector<std::pair<size_t, size_t>> column_of{{0, 0}};
    for (size_t t = 0; t < p.options.size(); ++t) {
        for (size_t i = 0; i < p.options[t].size(); ++i) {
            const int col = glp_add_cols(lp.get(), 1);
            glp_set_col_kind(lp.get(), col, GLP_BV);
            glp_set_obj_coef(lp.get(), col, p.options[t][i].loss);
            rows.push_back(int(t) + 1), cols.push_back(col), values.push_back(1.0);
            rows.push_back(targets + 1), cols.push_back(col), values.push_back(p.options[t][i].cost);
            column_of.emplace_back(t, i);
        }
    }
    glp_load_matrix(lp.get(), int(values.size()) - 1, rows.data(), cols.data(), values.data());
    glp_iocp parameters;
    glp_init_iocp(&parameters);
    parameters.presolve = GLP_ON;  // solves the LP relaxation itself
    parameters.msg_lev  = GLP_MSG_OFF;
    parameters.mip_gap  = 0.0;
    const auto solve    = [&] {
        if (const int rc = glp_intopt(lp.get(), &parameters); rc != 0)
            throw Error(fmt::format("search: GLPK's glp_intopt failed (code {})", rc));
        const int status = glp_mip_status(lp.get());
        if (status != GLP_OPT && status != GLP_FEAS)
            throw Error(fmt::format("search: GLPK found no feasible choice (status {})", status));
        return status;
    };
    const int first = solve();
    // Among the choices of least loss, the cheapest: a generous budget then returns a point of the frontier
    // (not any config that happens to tie, such as the base when cheaper configs predict no loss either).
    const double least_loss = glp_mip_obj_val(lp.get());
    const int loss_row      = glp_add_rows(lp.get(), 1);
    glp_set_row_bnds(lp.get(), loss_row, GLP_UP, 0.0,
                     least_loss + 1e-9 * std::max(1.0, std::abs(least_loss)));
    std::vector<int> loss_cols{0};
    std::vector<double> losses{0};
    for (size_t col = 1; col < column_of.size(); ++col) {
        const auto [t, i] = column_of[col];
        loss_cols.push_back(int(col));
        losses.push_back(p.options[t][i].loss);
        glp_set_obj_coef(lp.get(), int(col), p.options[t][i].cost);
    }
    glp_set_mat_row(lp.get(), loss_row, int(losses.size()) - 1, loss_cols.data(), losses.data());
    const int second  = solve();
    const bool proven = first == GLP_OPT && second == GLP_OPT;
    std::vector<size_t> option(p.options.size());
    for (size_t col = 1; col < column_of.size(); ++col) {
        if (glp_mip_col_val(lp.get(), int(col)) > 0.5) option[column_of[col].first] = column_of[col].second;
    }
    auto choice    = evaluate_choice(p, std::move(option));
    choice.optimal = proven;
    return choice;
}

}  // namespace bitswitch::analysis
