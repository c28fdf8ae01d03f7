// Contiguous shares of the configs per rank, then every config's scores from their owners.
#include "bitswitch/analysis/split_eval.h"

namespace bitswitch::analysis {

SplitResults evaluate_configs_split(
    model::QuantModel& model, const data::SquadDataset& dataset, const std::vector<data::QAFeature>& features,
    const std::vector<quant::PrecisionConfig>& configs, const eval::EvalOptions& options,
    const std::function<void(const quant::PrecisionConfig&, const eval::EvalResult&)>& on_result,
    std::chrono::seconds timeout) {
    const auto env = parallel::distributed_env_from_environment();
    SplitResults out;
    if (!env.enabled()) {
        out.results = eval::evaluate_configs(model, dataset, features, configs, options, on_result);
        return out;
    }
    out.rank       = env.rank;
    out.world_size = env.world_size;
    parallel::DataParallel group(env, timeout);
    const auto [first, last] = parallel::rank_share(configs.size(), env.rank, env.world_size);
    const std::vector<quant::PrecisionConfig> mine(configs.begin() + int64_t(first),
                                                   configs.begin() + int64_t(last));
    auto computed = eval::evaluate_configs(model, dataset, features, mine, options, on_result);
    // exact_match, f1, seconds, then each question's EM and F1.
    const size_t questions = dataset.examples.size();
    std::vector<std::vector<double>> packed(configs.size());
    for (size_t c = first; c < last; ++c) {
        const auto& r = computed[c - first];
        packed[c]     = {r.exact_match, r.f1, r.seconds};
        packed[c].insert(packed[c].end(), r.question_em.begin(), r.question_em.end());
        packed[c].insert(packed[c].end(), r.question_f1.begin(), r.question_f1.end());
    }
    parallel::share_items(group, packed, 3 + 2 * questions);
    out.results.resize(configs.size());
    for (size_t c = 0; c < configs.size(); ++c) {
        auto& r = out.results[c];
        if (c >= first && c < last) {
            r = std::move(computed[c - first]);
            continue;
        }
        const auto& p = packed[c];
        r.exact_match = p[0], r.f1 = p[1], r.seconds = p[2];
        r.question_em.assign(p.begin() + 3, p.begin() + 3 + int64_t(questions));
        r.question_f1.assign(p.begin() + 3 + int64_t(questions), p.end());
    }
    return out;
}

}  // namespace bitswitch::analysis
