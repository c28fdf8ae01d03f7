// Contiguous shares of the configs per rank, then one broadcast per config from its owner.
#include "bitswitch/analysis/split_eval.h"

#include "bitswitch/parallel/process_group.h"

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
    const auto n        = configs.size();
    const auto begin_of = [&](int rank) { return n * size_t(rank) / size_t(env.world_size); };
    const size_t first = begin_of(env.rank), last = begin_of(env.rank + 1);
    const std::vector<quant::PrecisionConfig> mine(configs.begin() + int64_t(first),
                                                   configs.begin() + int64_t(last));
    auto computed = eval::evaluate_configs(model, dataset, features, mine, options, on_result);
    out.results.resize(n);
    const size_t questions = dataset.examples.size();
    for (int owner = 0; owner < env.world_size; ++owner) {
        for (size_t c = begin_of(owner); c < begin_of(owner + 1); ++c) {
            // exact_match, f1, seconds, then each question's EM and F1.
            std::vector<double> packed(3 + 2 * questions);
            if (owner == env.rank) {
                const auto& r = computed[c - first];
                packed[0] = r.exact_match, packed[1] = r.f1, packed[2] = r.seconds;
                std::copy(r.question_em.begin(), r.question_em.end(), packed.begin() + 3);
                std::copy(r.question_f1.begin(), r.question_f1.end(),
                          packed.begin() + 3 + int64_t(questions));
            }
            group.broadcast(packed, owner);
            if (owner == env.rank) {
                out.results[c] = std::move(computed[c - first]);
                continue;
            }
            auto& r       = out.results[c];
            r.exact_match = packed[0], r.f1 = packed[1], r.seconds = packed[2];
            r.question_em.assign(packed.begin() + 3, packed.begin() + 3 + int64_t(questions));
            r.question_f1.assign(packed.begin() + 3 + int64_t(questions), packed.end());
        }
    }
    return out;
}

}  // namespace bitswitch::analysis
