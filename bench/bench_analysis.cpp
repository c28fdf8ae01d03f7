// What the analysis commands cost against plain evaluations of the same loaded model, in one run:
//   sweep       100 configs through eval::evaluate_configs (the sweep's loop, prefix sharing off) against
//               100 single evaluations (eval::evaluate_qa); goal <= 1.05x
//   prefix      a one-block-at-a-time sweep (base 8, every block and the head at 4 and at 3) with prefix
//               sharing against the same configs without it; goal <= 0.6x
//   fisher      the Fisher proxy of every unit at one test level on the calibration windows against one
//               evaluation (forward) of those windows, medians of 7 runs each; goal <= 3x
// Prints one JSON line. Usage: bench_analysis MODEL_DIR SQUAD_JSON [questions=200] [threads=0] [fisher]
// (a fifth argument "fisher" runs that part alone).
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <string>

#include <fmt/format.h>
#include <torch/torch.h>
#include <nlohmann/json.hpp>

#include "bench_support.h"
#include "bitswitch/analysis/sensitivity.h"
#include "bitswitch/analysis/sweep.h"
#include "bitswitch/core/runtime.h"
#include "bitswitch/eval/evaluator.h"
#include "bitswitch/eval/qa_eval.h"

namespace {

using bitswitch::bench::Clock;
using bitswitch::bench::seconds_since;
namespace analysis = bitswitch::analysis;
namespace eval     = bitswitch::eval;
namespace quant    = bitswitch::quant;

// The base with each target of `granularity` at each level, in that order.
std::vector<quant::PrecisionConfig> varied(const bitswitch::model::LoadedModel& loaded,
                                           analysis::VaryGranularity granularity,
                                           const std::vector<std::string>& levels) {
    const auto& units = loaded.model().units();
    const auto base   = loaded.config("8");
    std::vector<quant::PrecisionConfig> out;
    for (const auto& level : levels) {
        for (const auto& t : analysis::vary_targets(units, granularity))
            out.push_back(
                quant::with_units_at(base, t.units, level, units, loaded.adapters(), t.label + "=" + level));
    }
    return out;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 3) {
        std::fprintf(stderr,
                     "usage: bench_analysis MODEL_DIR SQUAD_JSON [questions=200] [threads=0] [fisher]\n");
        return 2;
    }
    bitswitch::core::configure_compute_threads(argv, argc > 4 ? std::atoi(argv[4]) : 0);
    eval::QaEvalConfig ec;
    ec.model_dir        = argv[1];
    ec.validation_file  = argv[2];
    ec.max_eval_samples = argc > 3 ? std::atoi(argv[3]) : 200;
    const auto set      = eval::load_eval_set(ec);
    const auto loaded   = bitswitch::model::LoadedModel::load(ec.model_dir);
    auto& model         = loaded.model();
    eval::EvalOptions options;
    options.show_progress = false;

    // 100 configs: every unit at 6, 4 and 3 (the rest at 8), then uniform levels to make up the count.
    auto hundred = varied(loaded, analysis::VaryGranularity::kUnit, {"6", "4", "3"});
    for (const auto* level : {"fp", "16", "8", "7", "6", "5", "4", "3", "2"}) {
        if (hundred.size() < 100) hundred.push_back(loaded.config(level));
    }
    hundred.resize(std::min<size_t>(hundred.size(), 100));
    eval::evaluate_qa(model, set.dataset, set.features, options, &hundred[0]);  // warm-up

    const bool fisher_only = argc > 5 && std::string(argv[5]) == "fisher";
    double singles_s = 0, sweep_s = 0, unshared_s = 0, shared_s = 0;
    auto t      = Clock::now();
    auto blocks = varied(loaded, analysis::VaryGranularity::kBlock, {"4", "3"});
    blocks.insert(blocks.begin(), loaded.config("8"));
    if (!fisher_only) {
        for (const auto& c : hundred) eval::evaluate_qa(model, set.dataset, set.features, options, &c);
        singles_s              = seconds_since(t);
        options.share_prefixes = false;
        t                      = Clock::now();
        eval::evaluate_configs(model, set.dataset, set.features, hundred, options);
        sweep_s = seconds_since(t);
        t       = Clock::now();
        eval::evaluate_configs(model, set.dataset, set.features, blocks, options);
        unshared_s             = seconds_since(t);
        options.share_prefixes = true;
        t                      = Clock::now();
        eval::evaluate_configs(model, set.dataset, set.features, blocks, options);
        shared_s = seconds_since(t);
    }

    const size_t windows = std::min<size_t>(128, set.features.size());
    const std::vector<bitswitch::data::QAFeature> calibration(set.features.begin(),
                                                              set.features.begin() + int64_t(windows));
    analysis::SensitivityConfig sc;
    sc.base                        = "8";
    sc.test_levels                 = {"4"};
    const auto plan                = analysis::plan_sensitivity(loaded, sc);  // every unit at 4 bits in turn
    const auto base                = plan.base;
    const auto calibration_batches = analysis::qa_calibration_batches(calibration, ec.batch_size);
    // Both are short: the medians of 7 alternating runs.
    std::vector<double> forwards, fishers;
    for (int rep = 0; rep < 7; ++rep) {
        t = Clock::now();
        eval::predict_logits(model, calibration, ec.batch_size, false, &base);
        forwards.push_back(seconds_since(t));
        t = Clock::now();
        analysis::fisher_scores(model, calibration_batches, plan);
        fishers.push_back(seconds_since(t));
    }
    const auto median = [](std::vector<double> v) {
        std::nth_element(v.begin(), v.begin() + int64_t(v.size() / 2), v.end());
        return v[v.size() / 2];
    };
    const double forward_s = median(forwards), fisher_s = median(fishers);

    std::printf("%s\n", nlohmann::ordered_json{{"name", "bitswitch analysis"},
                                               {"model", ec.model_dir},
                                               {"threads", at::get_num_threads()},
                                               {"questions", set.dataset.examples.size()},
                                               {"windows", set.features.size()},
                                               {"sweep_configs", hundred.size()},
                                               {"single_evaluations_seconds", singles_s},
                                               {"sweep_seconds", sweep_s},
                                               {"sweep_ratio", sweep_s / singles_s},
                                               {"block_configs", blocks.size()},
                                               {"unshared_seconds", unshared_s},
                                               {"shared_seconds", shared_s},
                                               {"prefix_ratio", shared_s / unshared_s},
                                               {"calibration_windows", windows},
                                               {"forward_seconds", forward_s},
                                               {"fisher_seconds", fisher_s},
                                               {"fisher_ratio", fisher_s / forward_s}}
                            .dump()
                            .c_str());
    return 0;
}
