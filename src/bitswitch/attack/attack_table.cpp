// Tables and files of an attack run (attack_table.h).
#include "bitswitch/attack/attack_table.h"

#include <cmath>

#include <fmt/format.h>

#include "bitswitch/core/io.h"

namespace bitswitch::attack {
namespace {

// The time crafting at the cell's crafted-at took over all questions.
double craft_seconds(const AttackCell& c, const AttackReport& r) {
    for (size_t i = 0; i < r.matrix.craft_labels.size(); ++i) {
        if (r.matrix.craft_labels[i] == c.crafted_at) return r.matrix.craft_seconds[i];
    }
    return 0;
}

// What the attack measured of its edits at the cell's crafted-at (text attacks), or an empty object.
nlohmann::ordered_json craft_stats(const AttackCell& c, const AttackReport& r) {
    for (size_t i = 0; i < r.matrix.craft_stats.size() && i < r.matrix.craft_labels.size(); ++i) {
        if (r.matrix.craft_labels[i] == c.crafted_at) return r.matrix.craft_stats[i];
    }
    return nlohmann::ordered_json::object();
}

nlohmann::ordered_json cell_json(const AttackCell& c, const AttackReport& r) {
    return {{"attack", r.attack},
            {"crafted_at", c.crafted_at},
            {"evaluated_at", c.evaluated_at},
            {"passes", c.passes},
            {"clean_exact_match", eval::interval_json(c.clean_em)},
            {"clean_f1", eval::interval_json(c.clean_f1)},
            {"adversarial_exact_match", eval::interval_json(c.adversarial_em)},
            {"adversarial_f1", eval::interval_json(c.adversarial_f1)},
            {"f1_change", eval::interval_json(c.f1_change)},
            {"f1_drop_percent", c.f1_drop_percent},
            {"success_rate", c.success_rate},
            {"questions", r.matrix.questions},
            {"craft_seconds", craft_seconds(c, r)},
            {"craft_stats", craft_stats(c, r)},
            {"budget", r.budget}};
}

}  // namespace

std::string format_attack(const AttackReport& r, eval::OutputFormat format) {
    std::string s;
    switch (format) {
        case eval::OutputFormat::kJsonl:
            for (const auto& c : r.matrix.cells) s += cell_json(c, r).dump() + "\n";
            return s;
        case eval::OutputFormat::kCsv:
            s = "attack,crafted_at,evaluated_at,passes,clean_exact_match,clean_exact_match_low,"
                "clean_exact_match_high,clean_f1,clean_f1_low,clean_f1_high,adversarial_exact_match,"
                "adversarial_exact_match_low,adversarial_exact_match_high,adversarial_f1,adversarial_f1_low,"
                "adversarial_f1_high,f1_change,f1_change_low,f1_change_high,f1_drop_percent,success_rate,"
                "questions\n";
            for (const auto& c : r.matrix.cells) {
                s += fmt::format("{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{}\n",
                                 r.attack, eval::csv_field(c.crafted_at), eval::csv_field(c.evaluated_at),
                                 c.passes, c.clean_em.estimate, c.clean_em.low, c.clean_em.high,
                                 c.clean_f1.estimate, c.clean_f1.low, c.clean_f1.high,
                                 c.adversarial_em.estimate, c.adversarial_em.low, c.adversarial_em.high,
                                 c.adversarial_f1.estimate, c.adversarial_f1.low, c.adversarial_f1.high,
                                 c.f1_change.estimate, c.f1_change.low, c.f1_change.high, c.f1_drop_percent,
                                 c.success_rate, r.matrix.questions);
            }
            return s;
        case eval::OutputFormat::kMarkdown: {
            const int pct = int(std::lround(100 * r.bootstrap.confidence));
            s             = fmt::format(
                            "| crafted at | evaluated at | clean F1 [{0}% CI] | adversarial F1 [{0}% CI] | ΔF1 [{0}% CI] "
                                        "| "
                                        "F1 drop % | clean EM | adversarial EM | answers changed % |\n"
                                        "|---|---|---:|---:|---:|---:|---:|---:|---:|\n",
                            pct);
            for (const auto& c : r.matrix.cells) {
                s += fmt::format("| {} | {}{} | {} | {} | {} | {:.1f} | {:.2f} | {:.2f} | {:.1f} |\n",
                                 c.crafted_at, c.evaluated_at,
                                 c.passes > 1 ? fmt::format(" (x{})", c.passes) : "",
                                 eval::interval_text(c.clean_f1), eval::interval_text(c.adversarial_f1),
                                 eval::interval_text(c.f1_change, true), c.f1_drop_percent,
                                 c.clean_em.estimate, c.adversarial_em.estimate, c.success_rate);
            }
            const std::string attackable =
                r.matrix.attackable_share > 0
                    ? fmt::format(", {:.1f}% of their tokens attackable", 100 * r.matrix.attackable_share)
                    : "";
            s += fmt::format(
                "\n{} on {}: {}. {} questions ({} windows){}; intervals: percentile bootstrap over "
                "questions, "
                "{} resamples, seed {}; ΔF1 paired. Random evaluations (x n) average n draws.\n",
                r.attack, r.model, r.budget.dump(), r.matrix.questions, r.matrix.features, attackable,
                r.bootstrap.resamples, r.bootstrap.seed);
            s += "Crafting:";
            for (size_t i = 0; i < r.matrix.craft_labels.size(); ++i) {
                const double seconds = r.matrix.craft_seconds[i];
                s += fmt::format("{} {}: {:.1f} s ({:.3g} questions/s)", i ? ";" : "",
                                 r.matrix.craft_labels[i], seconds,
                                 seconds > 0 ? double(r.matrix.questions) / seconds : 0.0);
            }
            s += fmt::format("; everything {:.1f} s.\n", r.matrix.seconds);
            for (size_t i = 0; i < r.matrix.craft_stats.size(); ++i) {
                if (r.matrix.craft_stats[i].empty()) continue;
                s += fmt::format("Edits crafted at {}:", r.matrix.craft_labels[i]);
                for (const auto& [key, value] : r.matrix.craft_stats[i].items())
                    s += fmt::format(" {} {:.4g};", key, value.get<double>());
                s.back() = '\n';
            }
            return s;
        }
    }
    return s;
}

void write_attack_outputs(const std::filesystem::path& dir, const AttackReport& r) {
    eval::write_result_files(
        dir, "attack", {eval::OutputFormat::kMarkdown, eval::OutputFormat::kCsv, eval::OutputFormat::kJsonl},
        [&](eval::OutputFormat f) { return format_attack(r, f); });
    std::string lines;
    for (const auto& c : r.matrix.cells) {
        for (const auto& q : c.questions) {
            lines += nlohmann::ordered_json{{"id", q.id},
                                            {"crafted_at", c.crafted_at},
                                            {"evaluated_at", c.evaluated_at},
                                            {"clean_answer", q.clean_answer},
                                            {"adversarial_answer", q.adversarial_answer},
                                            {"clean_exact_match", q.clean_em},
                                            {"clean_f1", q.clean_f1},
                                            {"adversarial_exact_match", q.adversarial_em},
                                            {"adversarial_f1", q.adversarial_f1},
                                            {"changed", q.changed}}
                         .dump() +
                     "\n";
        }
    }
    core::write_file_atomic(dir / "questions.jsonl", lines);
    nlohmann::ordered_json whole = {{"attack", r.attack},
                                    {"model", r.model},
                                    {"budget", r.budget},
                                    {"questions", r.matrix.questions},
                                    {"windows", r.matrix.features},
                                    {"attackable_share", r.matrix.attackable_share},
                                    {"seconds", r.matrix.seconds},
                                    {"craft_seconds", nlohmann::ordered_json::object()},
                                    {"cells", nlohmann::ordered_json::array()}};
    for (size_t i = 0; i < r.matrix.craft_labels.size(); ++i)
        whole["craft_seconds"][r.matrix.craft_labels[i]] = r.matrix.craft_seconds[i];
    for (size_t i = 0; i < r.matrix.cells.size(); ++i)
        whole["cells"].push_back(cell_json(r.matrix.cells[i], r));
    core::write_file_atomic(dir / "attack.json", whole.dump(2) + "\n");
}

}  // namespace bitswitch::attack
