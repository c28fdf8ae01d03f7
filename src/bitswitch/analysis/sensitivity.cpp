// Measured drops, the KL and Fisher proxies, rank correlations, output.
#include "bitswitch/analysis/sensitivity.h"

#include <chrono>
#include <cmath>
#include <cstdio>
#include <map>
#include <numeric>

#include <fmt/format.h>
#include <torch/torch.h>

#include "bitswitch/analysis/glue_sensitivity.h"
#include "bitswitch/analysis/rank_correlation.h"
#include "bitswitch/analysis/split_eval.h"
#include "bitswitch/core/error.h"
#include "bitswitch/core/json_file.h"
#include "bitswitch/data/batch.h"
#include "bitswitch/eval/evaluator.h"
#include "bitswitch/eval/glue_eval.h"
#include "bitswitch/eval/task_loss.h"

namespace bitswitch::analysis {
namespace {

using Logits = std::pair<std::vector<float>, std::vector<float>>;

// Mean over the first `windows` windows of the start and end KL divergences.
double mean_kl(const Logits& base, const Logits& test, const std::vector<data::QAFeature>& features,
               int64_t windows) {
    const auto T = int64_t(features.front().input_ids.size());
    double sum   = 0;
    for (int64_t f = 0; f < windows; ++f) {
        const int64_t n = data::real_length(features[size_t(f)]);
        sum += kl_divergence(base.first.data() + f * T, test.first.data() + f * T, n);
        sum += kl_divergence(base.second.data() + f * T, test.second.data() + f * T, n);
    }
    return sum / double(2 * windows);
}

}  // namespace

// One forward and backward per batch at the base config, each unit's input and output observed, then each
// unit run alone at each test level on that input.
std::vector<std::vector<std::optional<double>>> fisher_scores(model::QuantModel& model,
                                                              const std::vector<data::Batch>& calibration,
                                                              const SensitivityPlan& plan) {
    const auto& base    = plan.base;
    const auto& targets = plan.targets;
    const auto& configs = plan.configs;
    struct Observed {
        torch::Tensor input, output;
    };
    std::map<std::string, Observed> observed;
    auto layers = model.linear_layers();
    for (auto& [name, layer] : layers) {
        layer->observer = [&observed, name = name](const torch::Tensor& x, const torch::Tensor& y) {
            if (!y.requires_grad()) return;  // the units' reruns at the test levels below are not observed
            y.retain_grad();
            observed[name] = {x.detach(), y};
        };
    }
    std::map<std::string, quant::QuantLoRALinear> layer_of(layers.begin(), layers.end());
    std::map<std::string, size_t> unit_index;
    for (size_t i = 0; i < model.units().size(); ++i) unit_index[model.units()[i].name] = i;
    std::vector<std::vector<std::optional<double>>> scores(targets.size());
    for (size_t t = 0; t < targets.size(); ++t) scores[t].resize(configs[t].size());
    // Gradients flow to the activations only: with the parameters frozen for the pass, the backward computes
    // no weight gradients and the quantized weights come from their caches.
    std::vector<torch::Tensor> frozen;
    for (auto& p : model.parameters()) {
        if (p.requires_grad()) frozen.push_back(p), p.requires_grad_(false);
    }
    const auto restore = [&] {
        for (auto& [name, layer] : layers) layer->observer = nullptr;
        for (auto& p : frozen) p.requires_grad_(true);
    };
    try {
        const model::EvalModeGuard eval_mode(model);
        for (const auto& batch : calibration) {
            observed.clear();
            // The embeddings require a gradient, so that the graph reaches every unit.
            const auto embeddings = model.embed(batch.input_ids).detach().requires_grad_();
            eval::task_loss(eval::task_logits(model, batch, &base, embeddings), batch).backward();
            torch::NoGradGuard no_grad;
            for (size_t t = 0; t < targets.size(); ++t) {
                for (const auto& name : targets[t].units) {
                    const auto it = observed.find(name);
                    if (it == observed.end()) continue;  // a K/V unit: no output of its own
                    const auto& [x, y] = it->second;
                    auto layer         = layer_of.at(name);
                    for (size_t l = 0; l < configs[t].size(); ++l) {
                        // (y_q − y) ⊙ ∂L/∂y in place in y_q's buffer: the reruns stay memory-light.
                        const auto d = layer->forward(x, configs[t][l][unit_index.at(name)])
                                           .sub_(y.detach())
                                           .mul_(y.grad())
                                           .flatten();
                        const double sc = 0.5 * d.dot(d).item<double>();
                        scores[t][l]    = scores[t][l].value_or(0.0) + sc;
                    }
                }
            }
        }
    } catch (...) {
        restore();
        throw;
    }
    restore();
    return scores;
}

SensitivityPlan plan_sensitivity(const model::LoadedModel& loaded, const SensitivityConfig& c) {
    if (c.test_levels.empty()) throw InputError("sensitivity: give the levels to test, e.g. --test 4 3");
    if (c.calibration_samples < 1) throw InputError("sensitivity: --calibration_samples must be positive");
    auto& model = loaded.model();
    SensitivityPlan plan{loaded.config(c.base), vary_targets(model.units(), c.granularity), {}};
    plan.configs.resize(plan.targets.size());
    for (size_t t = 0; t < plan.targets.size(); ++t) {
        for (const auto& level : c.test_levels) {
            const auto source = fmt::format("{} | {}={}", plan.base.source, plan.targets[t].label, level);
            plan.configs[t].push_back(quant::with_units_at(plan.base, plan.targets[t].units, level,
                                                           model.units(), loaded.adapters(), source));
            model.check_precision(plan.configs[t].back());
        }
    }
    return plan;
}

double kl_divergence(const float* p_logits, const float* q_logits, int64_t n) {
    double pm = p_logits[0], qm = q_logits[0];
    for (int64_t t = 1; t < n; ++t)
        pm = std::max(pm, double(p_logits[t])), qm = std::max(qm, double(q_logits[t]));
    double pz = 0, qz = 0;
    for (int64_t t = 0; t < n; ++t) pz += std::exp(p_logits[t] - pm), qz += std::exp(q_logits[t] - qm);
    double kl = 0;
    for (int64_t t = 0; t < n; ++t) {
        const double log_p = p_logits[t] - pm - std::log(pz), log_q = q_logits[t] - qm - std::log(qz);
        kl += std::exp(log_p) * (log_p - log_q);
    }
    return kl;
}

std::vector<data::Batch> qa_calibration_batches(const std::vector<data::QAFeature>& calibration,
                                                int batch_size) {
    std::vector<size_t> order(calibration.size());
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
        return data::real_length(calibration[a]) > data::real_length(calibration[b]);
    });
    std::vector<data::Batch> batches;
    for (size_t b = 0; b < order.size(); b += size_t(batch_size)) {
        const std::vector<size_t> idx(
            order.begin() + int64_t(b),
            order.begin() + int64_t(std::min(order.size(), b + size_t(batch_size))));
        batches.push_back(data::make_batch(calibration, idx));
    }
    return batches;
}

void add_rank_correlations(SensitivityResult& result) {
    if (result.rows.size() < 2 || !result.rows.front().drop) return;
    std::vector<double> drops, kls, fisher_drops, fishers;
    for (const auto& r : result.rows) {
        drops.push_back(r.drop->estimate);
        kls.push_back(r.kl);
        if (r.fisher) fisher_drops.push_back(r.drop->estimate), fishers.push_back(*r.fisher);
    }
    result.kl_spearman = spearman(kls, drops);
    if (fishers.size() >= 2) result.fisher_spearman = spearman(fishers, fisher_drops);
}

namespace {

nlohmann::ordered_json to_json(const SensitivityRow& r, const SensitivityResult& result) {
    // QA's rows keep the keys "f1" and "f1_drop" that earlier files have.
    return {{"target", r.target},
            {"level", r.level},
            {"base", result.base},
            {"metric", result.metric},
            {result.metric, eval::interval_json(r.score)},
            {result.metric + "_drop", eval::interval_json(r.drop)},
            {"kl", r.kl},
            {"fisher", r.fisher ? nlohmann::ordered_json(*r.fisher) : nlohmann::ordered_json()}};
}

// How tables name a metric.
std::string metric_label(const std::string& metric) {
    if (metric == "f1") return "F1";
    if (metric == "mcc") return "MCC";
    return metric;
}

std::string optional_number(const std::optional<double>& v, const char* format) {
    return v && std::isfinite(*v) ? fmt::format(fmt::runtime(format), *v) : "-";
}

}  // namespace

SensitivityResult sensitivity_of(const model::LoadedModel& loaded, const eval::QaEvalSet& set,
                                 const SensitivityConfig& c) {
    auto& model           = loaded.model();
    const auto plan       = plan_sensitivity(loaded, c);
    const auto& base      = plan.base;
    const auto& targets   = plan.targets;
    const auto& configs   = plan.configs;
    const int64_t windows = std::min<int64_t>(c.calibration_samples, int64_t(set.features.size()));
    const std::vector<data::QAFeature> calibration(set.features.begin(), set.features.begin() + windows);
    const int batch = c.eval.batch_size;
    // Measured runs score the whole set and read the calibration windows' logits from it; otherwise only
    // the calibration windows run.
    const auto& features = c.proxies_only ? calibration : set.features;

    SensitivityResult out;
    out.base                = base.source;
    out.examples            = int64_t(set.dataset.examples.size());
    out.calibration_windows = windows;
    const auto fisher       = fisher_scores(model, qa_calibration_batches(calibration, batch), plan);
    // Under torchrun each rank measures a contiguous share of the (target, level) rows, every rank the base
    // (the KL needs its logits), and then every rank holds every row (split_eval.h); Fisher runs everywhere.
    const auto env = parallel::distributed_env_from_environment();
    std::optional<parallel::DataParallel> group;
    if (env.enabled()) group.emplace(env, std::chrono::seconds(1800));
    out.primary         = env.rank == 0;
    const size_t levels = c.test_levels.size(), total = targets.size() * levels;
    const auto [first, last] = parallel::rank_share(total, env.rank, env.world_size);
    // The base first, then this rank's rows: one pass over the batches sharing their blocks.
    std::vector<quant::PrecisionConfig> all{base};
    for (size_t r = first; r < last; ++r) all.push_back(configs[r / levels][r % levels]);
    std::vector<std::vector<double>> measured(total);  // per row: the KL, then each question's F1
    eval::FeatureLogits base_logits;
    eval::EvalResult base_scores;
    eval::for_each_config_logits(
        model, features, batch, all, c.share_prefixes, false,
        [&](size_t i, const eval::FeatureLogits& logits, double) {
            const auto score = [&] {
                return eval::score_logits(set.dataset, set.features, logits.first, logits.second,
                                          c.eval.postprocess);
            };
            if (i == 0) {
                base_logits = logits;
                if (!c.proxies_only) base_scores = score();
                return;
            }
            const size_t r = first + i - 1;
            measured[r]    = {mean_kl(base_logits, logits, features, windows)};
            std::string drop;
            if (!c.proxies_only) {
                const auto scored = score();
                measured[r].insert(measured[r].end(), scored.question_f1.begin(), scored.question_f1.end());
                drop = fmt::format(", F1 drop {:.2f}", base_scores.f1 - scored.f1);
            }
            std::fprintf(stderr, "sensitivity %zu/%zu: %s at %s: KL %.4g%s\n", i, all.size() - 1,
                         targets[r / levels].label.c_str(), c.test_levels[r % levels].c_str(), measured[r][0],
                         drop.c_str());
        });
    if (group) parallel::share_items(*group, measured, 1 + (c.proxies_only ? 0 : size_t(out.examples)));
    if (!c.proxies_only)
        out.base_score = eval::percent(eval::bootstrap_mean(base_scores.question_f1, c.bootstrap));
    for (size_t r = 0; r < total; ++r) {
        const size_t t = r / levels, l = r % levels;
        SensitivityRow row{targets[t].label, c.test_levels[l], {}, {}, measured[r][0], fisher[t][l]};
        if (!c.proxies_only) {
            const std::vector<double> f1(measured[r].begin() + 1, measured[r].end());
            row.score = eval::percent(eval::bootstrap_mean(f1, c.bootstrap));
            row.drop =
                eval::percent(eval::bootstrap_paired_difference(base_scores.question_f1, f1, c.bootstrap));
        }
        out.rows.push_back(std::move(row));
    }
    add_rank_correlations(out);
    return out;
}

SensitivityResult run_sensitivity(const SensitivityConfig& c) {
    const auto loaded = model::LoadedModel::load(c.eval.model_dir, c.eval.quant_override);
    const auto task   = eval::glue_task_for(c.eval.task, c.eval.model_dir);
    const auto result = task ? glue_sensitivity_of(loaded, eval::load_glue_eval_set(c.eval, loaded, *task), c)
                             : sensitivity_of(loaded, eval::load_eval_set(c.eval), c);
    if (!c.output_dir.empty() && result.primary) {
        eval::write_result_files(
            c.output_dir, "sensitivity",
            {eval::OutputFormat::kMarkdown, eval::OutputFormat::kCsv, eval::OutputFormat::kJsonl},
            [&](eval::OutputFormat f) { return format_sensitivity(result, f); });
    }
    return result;
}

SensitivityResult read_sensitivity(const std::string& path) {
    SensitivityResult out;
    for (const auto& [line, j] : core::read_json_lines(path)) {
        const auto where = fmt::format("{}:{}", path, line);
        if (!j.is_object() || !j.contains("target") || !j.contains("level") || !j.contains("kl") ||
            !j.value("metric", nlohmann::json("f1")).is_string())
            throw InputError(
                where +
                ": not a sensitivity result (no target, level and kl); give the sensitivity.jsonl "
                "that `bitswitch sensitivity --output_dir` writes");
        const auto metric = j.value("metric", std::string("f1"));  // files before GLUE have no "metric"
        SensitivityRow row;
        try {
            row = {j["target"].get<std::string>(),
                   j["level"].get<std::string>(),
                   eval::interval_from_json(j, metric.c_str(), where),
                   eval::interval_from_json(j, (metric + "_drop").c_str(), where),
                   j["kl"].get<double>(),
                   std::nullopt};
            if (const auto& f = j.value("fisher", nlohmann::json()); !f.is_null())
                row.fisher = f.get<double>();
        } catch (const nlohmann::json::exception& e) {
            throw InputError(fmt::format("{}: {}", where, e.what()));
        }
        const auto base = j.value("base", std::string());
        if (out.rows.empty()) out.base = base, out.metric = metric;
        if (base != out.base)
            throw InputError(
                fmt::format("{}: base {} differs from the first line's {}", where, base, out.base));
        if (metric != out.metric)
            throw InputError(
                fmt::format("{}: metric {} differs from the first line's {}", where, metric, out.metric));
        out.rows.push_back(std::move(row));
    }
    if (out.rows.empty()) throw InputError(path + ": no sensitivity rows");
    return out;
}

std::string format_sensitivity(const SensitivityResult& result, eval::OutputFormat format) {
    std::string s;
    switch (format) {
        case eval::OutputFormat::kJsonl:
            for (const auto& r : result.rows) s += to_json(r, result).dump() + "\n";
            return s;
        case eval::OutputFormat::kCsv: {
            const auto& m = result.metric;
            s             = fmt::format(
                            "target,level,base,{0},{0}_low,{0}_high,{0}_drop,{0}_drop_low,{0}_drop_high,kl,fisher\n", m);
            for (const auto& r : result.rows) {
                const auto v = [](const std::optional<eval::Interval>& i, double eval::Interval::*m) {
                    return i ? fmt::format("{}", (*i).*m) : std::string();
                };
                s += fmt::format("{},{},{},{},{},{},{},{},{},{},{}\n", r.target, r.level, result.base,
                                 v(r.score, &eval::Interval::estimate), v(r.score, &eval::Interval::low),
                                 v(r.score, &eval::Interval::high), v(r.drop, &eval::Interval::estimate),
                                 v(r.drop, &eval::Interval::low), v(r.drop, &eval::Interval::high), r.kl,
                                 r.fisher ? fmt::format("{}", *r.fisher) : "");
            }
            return s;
        }
        case eval::OutputFormat::kMarkdown: {
            const auto label = metric_label(result.metric);
            const bool qa    = result.metric == "f1";
            s                = fmt::format("Base {}{}; {} {}, proxies on {} {}.\n\n", result.base,
                            result.base_score
                                               ? fmt::format(" ({} {})", label, eval::interval_text(*result.base_score))
                                               : "",
                                           result.examples, qa ? "questions" : "examples", result.calibration_windows,
                            qa ? "windows" : "rows");
            s += fmt::format("| unit | level | {} drop [95% CI] | KL | Fisher |\n|---|---|---:|---:|---:|\n",
                             label);
            for (const auto& r : result.rows) {
                s += fmt::format("| {} | {} | {} | {:.4g} | {} |\n", r.target, r.level,
                                 r.drop ? eval::interval_text(*r.drop) : "-", r.kl,
                                 optional_number(r.fisher, "{:.4g}"));
            }
            if (result.kl_spearman || result.fisher_spearman) {
                s += fmt::format("\nSpearman rank correlation with the measured drops: KL {}, Fisher {}.\n",
                                 optional_number(result.kl_spearman, "{:.3f}"),
                                 optional_number(result.fisher_spearman, "{:.3f}"));
            }
            return s;
        }
    }
    return s;
}

}  // namespace bitswitch::analysis
