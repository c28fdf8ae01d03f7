// Reading the inputs, the sections, the page around them.
#include "bitswitch/report/html_report.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <functional>
#include <map>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "bitswitch/core/error.h"
#include "bitswitch/core/json_file.h"
#include "bitswitch/report/svg_plot.h"

namespace bitswitch::report {
namespace {

namespace fs = std::filesystem;
using Json   = nlohmann::json;

enum class ResultKind { kSweep, kSensitivity, kSearch, kAttack };

struct Run {
    std::string name;
    std::vector<Json> log, schedule, evaluations;
};

struct ResultFile {
    std::string name;
    std::vector<Json> rows;
};

struct Inputs {
    std::vector<std::string> described;  // one line per input, for the inputs section
    std::vector<Run> runs;
    std::map<ResultKind, std::vector<ResultFile>> results;
};

std::vector<Json> read_jsonl(const fs::path& path) {
    std::vector<Json> rows;
    for (auto& [line, value] : core::read_json_lines(path)) rows.push_back(std::move(value));
    return rows;
}

// What kind of result a file's first row is, by its fields.
std::optional<ResultKind> kind_of(const Json& row) {
    if (!row.is_object()) return std::nullopt;
    if (row.contains("budget_kind") && row.contains("method")) return ResultKind::kSearch;
    if (row.contains("target") && row.contains("kl")) return ResultKind::kSensitivity;
    if (row.contains("config") && (row.contains("f1_diff") || row.contains("metric")))
        return ResultKind::kSweep;  // SQuAD's (EM, F1) or a GLUE task's (its main metric)
    if (row.contains("crafted_at") && row.contains("evaluated_at")) return ResultKind::kAttack;
    return std::nullopt;
}

constexpr const char* kResultFiles[] = {"sweep.jsonl", "sensitivity.jsonl", "search.jsonl", "attack.jsonl"};

void add_result_file(Inputs& in, const fs::path& path) {
    auto rows       = read_jsonl(path);
    const auto kind = rows.empty() ? std::nullopt : kind_of(rows.front());
    if (!kind)
        throw InputError(
            fmt::format("report: {} is not a sweep, sensitivity, search or attack result (its rows lack "
                        "their fields); give "
                        "the .jsonl those commands write with --output_dir",
                        path.string()));
    in.results[*kind].push_back({path.string(), std::move(rows)});
    in.described.push_back(fmt::format("{}: {} result, {} rows", path.string(), path.stem().string(),
                                       in.results[*kind].back().rows.size()));
}

void add_input(Inputs& in, const std::string& text) {
    const fs::path path(text);
    if (!fs::exists(path)) throw InputError(fmt::format("report: {} does not exist", text));
    if (!fs::is_directory(path)) return add_result_file(in, path);
    bool used = false;
    if (fs::exists(path / "log.jsonl") || fs::exists(path / "train_results.json")) {
        Run run;
        run.name =
            path.filename().empty() ? path.parent_path().filename().string() : path.filename().string();
        if (fs::exists(path / "log.jsonl")) run.log = read_jsonl(path / "log.jsonl");
        if (fs::exists(path / "schedule.jsonl")) run.schedule = read_jsonl(path / "schedule.jsonl");
        if (fs::exists(path / "eval_results.json")) {
            const auto e = core::read_json_file(path / "eval_results.json");
            if (e.is_array())
                run.evaluations.assign(e.begin(), e.end());
            else
                run.evaluations.push_back(e);
        }
        in.described.push_back(fmt::format("{}: training run, {} log lines, {} schedule steps", text,
                                           run.log.size(), run.schedule.size()));
        in.runs.push_back(std::move(run));
        used = true;
    }
    for (const auto* name : kResultFiles) {
        if (fs::exists(path / name)) add_result_file(in, path / name), used = true;
    }
    if (!used)
        throw InputError(fmt::format(
            "report: {} holds no log.jsonl, train_results.json, sweep.jsonl, sensitivity.jsonl, "
            "search.jsonl or attack.jsonl; give a training run folder or an analysis or attack --output_dir",
            text));
}

double number_or_nan(const Json& j, const char* key) {
    const auto it = j.find(key);
    return it != j.end() && it->is_number() ? it->get<double>() : std::nan("");
}

// [estimate, low, high] of an interval field, or none.
std::optional<std::array<double, 3>> interval(const Json& j, const char* key) {
    const auto it = j.find(key);
    if (it == j.end() || !it->is_array() || it->size() != 3) return std::nullopt;
    return std::array<double, 3>{(*it)[0].get<double>(), (*it)[1].get<double>(), (*it)[2].get<double>()};
}

std::string interval_text(const std::optional<std::array<double, 3>>& i) {
    return i ? fmt::format("{:.2f} [{:.2f}, {:.2f}]", (*i)[0], (*i)[1], (*i)[2]) : "–";
}

std::string section(const char* id, const std::string& heading, const std::string& body) {
    return fmt::format("<section id=\"{}\">\n<h2>{}</h2>\n{}</section>\n", id, xml_escape(heading), body);
}

std::string note(const std::string& text) {
    return "<p class=\"note\">" + xml_escape(text) + "</p>\n";
}

// Means over consecutive buckets, so that charts of long runs keep about `points` points.
Series bucketed(std::string name, const std::vector<double>& x, const std::vector<double>& y, size_t points) {
    Series s{std::move(name), {}, {}, {}, {}, SeriesStyle::kLine, false};
    const size_t k = std::max<size_t>(1, (x.size() + points - 1) / points);
    for (size_t i = 0; i < x.size(); i += k) {
        double sx = 0, sy = 0;
        size_t n = 0;
        for (size_t j = i; j < std::min(x.size(), i + k); ++j) sx += x[j], sy += y[j], ++n;
        s.x.push_back(sx / double(n));
        s.y.push_back(sy / double(n));
    }
    return s;
}

std::string training_section(const Inputs& in) {
    if (in.runs.empty()) return section("training", "Training", note("No training run among the inputs."));
    LineChart loss{"Training loss", "step", "loss (cross-entropy)", {}},
        lr{"Learning rate", "step", "learning rate", {}};
    std::string body, evaluations;
    for (const auto& run : in.runs) {
        std::vector<double> step, l, rate;
        for (const auto& row : run.log) {
            if (!row.contains("loss")) continue;
            step.push_back(number_or_nan(row, "step"));
            l.push_back(number_or_nan(row, "loss"));
            rate.push_back(number_or_nan(row, "learning_rate"));
        }
        loss.series.push_back({run.name, step, l, {}, {}, SeriesStyle::kLine, false});
        lr.series.push_back({run.name, step, rate, {}, {}, SeriesStyle::kLine, false});
        for (const auto& e : run.evaluations) {
            evaluations +=
                fmt::format("<tr><td>{}</td><td>{}</td><td>{:.2f}</td><td>{:.2f}</td></tr>\n",
                            xml_escape(run.name), xml_escape(e.value("precision", std::string("-"))),
                            number_or_nan(e, "exact_match"), number_or_nan(e, "f1"));
        }
    }
    body += render_svg(loss) + render_svg(lr);
    // Per-level losses: one chart per run with a schedule, one series per precision.
    for (const auto& run : in.runs) {
        std::map<std::string, std::pair<std::vector<double>, std::vector<double>>> by_level;
        for (const auto& row : run.schedule) {
            for (const auto& pass : row.value("passes", Json::array())) {
                auto& [x, y] = by_level[pass.value("precision", std::string("?"))];
                x.push_back(number_or_nan(row, "step"));
                y.push_back(number_or_nan(pass, "loss"));
            }
        }
        if (by_level.empty()) continue;
        LineChart levels{"Loss per precision: " + run.name, "step", "loss (cross-entropy, bucket means)", {}};
        // Random per-layer configs name a new precision nearly every step: only the ten most frequent.
        std::vector<std::pair<size_t, std::string>> frequent;
        for (const auto& [name, xy] : by_level) frequent.emplace_back(xy.first.size(), name);
        std::sort(frequent.rbegin(), frequent.rend());
        if (frequent.size() > 10) frequent.resize(10);
        for (const auto& [count, name] : frequent)
            levels.series.push_back(bucketed(name, by_level[name].first, by_level[name].second, 150));
        body += render_svg(levels);
        if (by_level.size() > 10)
            body += note(fmt::format("{} precisions in the schedule; the ten most frequent are shown.",
                                     by_level.size()));
    }
    if (!evaluations.empty()) {
        body +=
            "<table><caption>Final evaluations</caption><tr><th>run</th><th>precision</th><th>EM "
            "(%)</th><th>F1 (%)</th></tr>\n" +
            evaluations + "</table>\n";
    }
    return section("training", "Training", body);
}

std::string schedule_section(const Inputs& in) {
    LineChart chart{"Bit schedule (first pass of each step)", "step", "mean weight bits over blocks", {}};
    for (const auto& run : in.runs) {
        std::vector<double> step, bits;
        for (const auto& row : run.schedule) {
            const auto& passes = row.value("passes", Json::array());
            if (passes.empty()) continue;
            const auto& w = passes.front().value("w_bits", Json::array());
            if (w.empty()) continue;
            double sum = 0;
            for (const auto& b : w) sum += b.get<double>();
            step.push_back(number_or_nan(row, "step"));
            bits.push_back(sum / double(w.size()));
        }
        if (step.empty()) continue;
        chart.series.push_back(bucketed(run.name, step, bits, 400));
        chart.series.back().style = SeriesStyle::kStep;
    }
    if (chart.series.empty())
        return section("schedule", "Bit schedule",
                       note("No run with a schedule.jsonl (cyclic, random and switchable runs write one)."));
    return section("schedule", "Bit schedule",
                   render_svg(chart) + note("Long runs are shown as means over buckets of steps."));
}

std::string precision_section(const Inputs& in) {
    const auto it = in.results.find(ResultKind::kSweep);
    if (it == in.results.end())
        return section("precision", "Precision table", note("No sweep result among the inputs."));
    std::string body;
    // A GLUE sweep names its main metric; SQuAD's rows have EM and F1. The chart plots one metric: F1, or
    // the first file's GLUE metric.
    const auto metric_of = [](const Json& row) { return row.value("metric", std::string("f1")); };
    const auto metric    = metric_of(it->second.front().rows.front());
    const auto label     = metric == "f1" ? std::string("F1") : metric;
    LineChart chart{
        label + " against average weight bits (95% intervals)", "average weight bits", label + " (%)", {}};
    for (const auto& file : it->second) {
        const auto& first = file.rows.front();
        const auto m      = metric_of(first);
        const bool squad  = m == "f1" && !first.contains("task");
        body += fmt::format(
            "<table><caption>{} ({} {}, differences against {})</caption><tr><th>config</th>{}<th>{} "
            "(%)</th><th>Δ{} (points)</th><th>avg w bits</th><th>MB</th></tr>\n",
            xml_escape(file.name), first.value(squad ? "questions" : "examples", 0),
            squad ? "questions" : xml_escape(first.value("task", "")) + " rows",
            xml_escape(first.value("reference", "")), squad ? "<th>EM (%)</th>" : "",
            xml_escape(m == "f1" ? "F1" : m), xml_escape(m == "f1" ? "F1" : m));
        Series s{file.name, {}, {}, {}, {}, SeriesStyle::kPoints, false};
        for (const auto& row : file.rows) {
            const auto value = interval(row, m.c_str());
            body +=
                fmt::format("<tr><td>{}</td>{}<td>{}</td><td>{}</td><td>{:.3f}</td><td>{:.2f}</td></tr>\n",
                            xml_escape(row.value("config", "")),
                            squad ? "<td>" + interval_text(interval(row, "exact_match")) + "</td>" : "",
                            interval_text(value), interval_text(interval(row, (m + "_diff").c_str())),
                            number_or_nan(row, "avg_weight_bits"), number_or_nan(row, "model_bytes") / 1e6);
            if (!value || m != metric) continue;
            s.x.push_back(number_or_nan(row, "avg_weight_bits"));
            s.y.push_back((*value)[0]);
            s.low.push_back((*value)[1]);
            s.high.push_back((*value)[2]);
        }
        body += "</table>\n";
        chart.series.push_back(std::move(s));
    }
    return section("precision", "Precision table", render_svg(chart) + body);
}

std::string sensitivity_section(const Inputs& in) {
    const auto it = in.results.find(ResultKind::kSensitivity);
    if (it == in.results.end())
        return section("sensitivity", "Sensitivity", note("No sensitivity result among the inputs."));
    std::string body;
    int index = 0;
    for (const auto& file : it->second) {
        // SQuAD's rows measure F1 (files from before GLUE say nothing); a GLUE task's its main metric.
        const auto metric = file.rows.front().value("metric", std::string("f1"));
        const auto label  = metric == "f1" ? std::string("F1") : metric;
        bool measured     = true;
        for (const auto& row : file.rows)
            measured = measured && interval(row, (metric + "_drop").c_str()).has_value();
        Heatmap h;
        h.title        = fmt::format("{}: {} from base {}", file.name,
                              measured ? "measured " + label + " drop" : "KL divergence (proxy)",
                                     file.rows.front().value("base", ""));
        h.row_label    = "unit or block";
        h.column_label = "test level (bits)";
        h.value_label  = measured ? label + " drop (points)" : "KL (nats)";
        h.id           = fmt::format("heat{}", index++);
        std::map<std::string, size_t> row_of, column_of;
        for (const auto& row : file.rows) {
            const auto target = row.value("target", ""), level = row.value("level", "");
            if (!row_of.count(target)) row_of[target] = h.rows.size(), h.rows.push_back(target);
            if (!column_of.count(level)) column_of[level] = h.columns.size(), h.columns.push_back(level);
        }
        h.values.assign(h.rows.size(), std::vector<std::optional<double>>(h.columns.size()));
        for (const auto& row : file.rows) {
            const auto drop = interval(row, (metric + "_drop").c_str());
            h.values[row_of[row.value("target", "")]][column_of[row.value("level", "")]] =
                measured ? (*drop)[0] : number_or_nan(row, "kl");
        }
        body += render_svg(h);
    }
    return section("sensitivity", "Sensitivity", body);
}

// Per attack file: the F1 change of every crafted-at x evaluated-at cell as a heatmap, and the table.
std::string robustness_section(const Inputs& in) {
    const auto it = in.results.find(ResultKind::kAttack);
    if (it == in.results.end()) {
        return section("robustness", "Robustness",
                       note("No attack result among the inputs (attack.jsonl of `bitswitch attack`)."));
    }
    std::string body;
    int index = 0;
    for (const auto& file : it->second) {
        Heatmap h;
        h.title        = fmt::format("{}: F1 change under {} (adversarial minus clean)", file.name,
                                     file.rows.front().value("attack", "attack"));
        h.row_label    = "crafted at";
        h.column_label = "evaluated at";
        h.value_label  = "ΔF1 (points)";
        h.id           = fmt::format("attack{}", index++);
        std::map<std::string, size_t> row_of, column_of;
        std::string table =
            "<table><tr><th>crafted at</th><th>evaluated at</th><th>clean F1</th><th>adversarial F1</th>"
            "<th>ΔF1</th><th>answers changed (%)</th></tr>\n";
        for (const auto& row : file.rows) {
            const auto crafted = row.value("crafted_at", ""), evaluated = row.value("evaluated_at", "");
            if (!row_of.count(crafted)) row_of[crafted] = h.rows.size(), h.rows.push_back(crafted);
            if (!column_of.count(evaluated))
                column_of[evaluated] = h.columns.size(), h.columns.push_back(evaluated);
            table += fmt::format(
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{:.1f}</td></tr>\n",
                xml_escape(crafted), xml_escape(evaluated), interval_text(interval(row, "clean_f1")),
                interval_text(interval(row, "adversarial_f1")), interval_text(interval(row, "f1_change")),
                number_or_nan(row, "success_rate"));
        }
        h.values.assign(h.rows.size(), std::vector<std::optional<double>>(h.columns.size()));
        for (const auto& row : file.rows) {
            if (const auto change = interval(row, "f1_change"))
                h.values[row_of[row.value("crafted_at", "")]][column_of[row.value("evaluated_at", "")]] =
                    (*change)[0];
        }
        body += render_svg(h) + table + "</table>\n";
    }
    return section("robustness", "Robustness", body);
}

std::string pareto_section(const Inputs& in) {
    const auto it = in.results.find(ResultKind::kSearch);
    if (it == in.results.end())
        return section("pareto", "Bit-budget search", note("No search result among the inputs."));
    std::string body;
    for (const auto& file : it->second) {
        LineChart chart{"Pareto frontier: " + file.name, "average weight bits", "F1 (%)", {}};
        std::string table =
            "<table><tr><th>budget</th><th>method</th><th>predicted loss</th><th>measured F1 (%)</th>"
            "<th>avg w bits</th><th>precision file</th></tr>\n";
        for (const auto* method : {"exact", "greedy"}) {
            std::vector<const Json*> rows;
            for (const auto& row : file.rows) {
                if (row.value("method", "") == method) rows.push_back(&row);
            }
            std::sort(rows.begin(), rows.end(), [](const Json* a, const Json* b) {
                return number_or_nan(*a, "avg_weight_bits") < number_or_nan(*b, "avg_weight_bits");
            });
            Series predicted{std::string(method) + ": predicted", {}, {}, {}, {}, SeriesStyle::kLine, true};
            Series measured{
                std::string(method) + ": measured (95% CI)", {}, {}, {}, {}, SeriesStyle::kLine, false};
            for (const auto* row : rows) {
                const double bits = number_or_nan(*row, "avg_weight_bits");
                const auto base   = interval(*row, "base_f1");
                const auto f1     = interval(*row, "f1");
                if (base && row->value("predictor", "") == "drop")
                    predicted.x.push_back(bits),
                        predicted.y.push_back((*base)[0] - number_or_nan(*row, "predicted_loss"));
                if (f1) {
                    measured.x.push_back(bits), measured.y.push_back((*f1)[0]);
                    measured.low.push_back((*f1)[1]), measured.high.push_back((*f1)[2]);
                }
                table += fmt::format(
                    "<tr><td>{:.4g}</td><td>{}{}</td><td>{:.4g}</td><td>{}</td><td>{:.3f}</td><td>{}</td></"
                    "tr>\n",
                    number_or_nan(*row, "budget"), method, row->value("optimal", false) ? " (optimal)" : "",
                    number_or_nan(*row, "predicted_loss"), interval_text(f1), bits,
                    xml_escape(row->value("precision_file", "")));
            }
            if (!predicted.x.empty()) chart.series.push_back(std::move(predicted));
            if (!measured.x.empty()) chart.series.push_back(std::move(measured));
        }
        body += render_svg(chart) + table + "</table>\n";
    }
    return section("pareto", "Bit-budget search", body);
}

constexpr const char* kStyle =
    R"(body{font-family:sans-serif;max-width:1100px;margin:24px auto;padding:0 16px;
color:#222}h1{font-size:22px}h2{font-size:18px;border-bottom:1px solid #ccc;padding-bottom:4px;margin-top:36px}
table{border-collapse:collapse;margin:12px 0;font-size:13px}td,th{border:1px solid #ccc;padding:3px 8px;
text-align:right}td:first-child,th:first-child{text-align:left}caption{text-align:left;font-weight:bold;
padding:4px 0}.note{color:#555;font-style:italic}svg{display:block;margin:10px 0}nav a{margin-right:14px})";

}  // namespace

std::string build_report(const std::vector<std::string>& input_paths, const std::string& title,
                         const std::vector<std::string>& only) {
    if (input_paths.empty()) throw InputError("report: give at least one run folder or result file");
    std::string known;
    for (const auto* id : kSectionIds) known += std::string(known.empty() ? "" : ", ") + id;
    for (const auto& id : only) {
        if (std::find(std::begin(kSectionIds), std::end(kSectionIds), id) == std::end(kSectionIds))
            throw InputError(fmt::format("report: no section \"{}\"; the sections are {}", id, known));
    }
    const auto wanted = [&](const char* id) {
        return only.empty() || std::find(only.begin(), only.end(), id) != only.end();
    };
    Inputs in;
    for (const auto& p : input_paths) add_input(in, p);
    std::string inputs_list = "<ul>\n";
    for (const auto& d : in.described) inputs_list += "<li>" + xml_escape(d) + "</li>\n";
    inputs_list += "</ul>\n";
    std::string nav = "<nav>";
    for (const auto* id : kSectionIds) {
        if (wanted(id)) nav += fmt::format("<a href=\"#{0}\">{0}</a>", id);
    }
    nav += "</nav>\n";
    const std::pair<const char*, std::function<std::string()>> sections[] = {
        {"inputs", [&] { return section("inputs", "Inputs", inputs_list); }},
        {"training", [&] { return training_section(in); }},
        {"schedule", [&] { return schedule_section(in); }},
        {"precision", [&] { return precision_section(in); }},
        {"sensitivity", [&] { return sensitivity_section(in); }},
        {"pareto", [&] { return pareto_section(in); }},
        {"robustness", [&] { return robustness_section(in); }},
    };
    std::string page = fmt::format(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>{0}</title>\n"
        "<style>{1}</style>\n</head>\n<body>\n<h1>{0}</h1>\n{2}",
        xml_escape(title), kStyle, nav);
    for (const auto& [id, render] : sections) {
        if (wanted(id)) page += render();
    }
    return page + "</body>\n</html>\n";
}

}  // namespace bitswitch::report
