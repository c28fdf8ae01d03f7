// Text attacks crafted at and evaluated at lists of precisions (text_attack_matrix.h).
#include "bitswitch/attack/text_attack_matrix.h"

#include <algorithm>
#include <chrono>

#include <fmt/format.h>
#include <torch/torch.h>
#include <nlohmann/json.hpp>

#include "bitswitch/attack/batch_logits.h"
#include "bitswitch/attack/text_window.h"
#include "bitswitch/core/progress.h"
#include "bitswitch/data/batch.h"
#include "bitswitch/parallel/work_split.h"

namespace bitswitch::attack {
namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
    return std::chrono::duration<double>(Clock::now() - start).count();
}

// Every rank's crafted questions to every rank, as JSON text.
void share_crafted(parallel::DataParallel& group, std::vector<AdversarialQuestion>& crafted,
                   const std::vector<int>& owners) {
    std::vector<std::string> texts(crafted.size());
    for (size_t q = 0; q < crafted.size(); ++q) {
        if (owners[q] != group.rank()) continue;
        auto edits = nlohmann::ordered_json::array();
        for (const auto& e : crafted[q].edits) edits.push_back({e.begin, e.end, e.replacement});
        texts[q] = nlohmann::ordered_json{{"edits", edits}, {"record", crafted[q].record}}.dump();
    }
    parallel::share_texts(group, texts, owners);
    for (size_t q = 0; q < crafted.size(); ++q) {
        const auto j     = nlohmann::ordered_json::parse(texts[q]);
        auto& question   = crafted[q];
        question.example = q;
        question.record  = j.at("record");
        question.edits.clear();
        for (const auto& e : j.at("edits"))
            question.edits.push_back({e[0].get<int64_t>(), e[1].get<int64_t>(), e[2].get<std::string>()});
    }
}

}  // namespace

eval::EvalResult evaluate_at(const model::LoadedModel& loaded, const data::SquadDataset& dataset,
                             const std::vector<data::QAFeature>& features, const PrecisionSpec& spec,
                             const RandomDefence& defence, int pass, const MatrixOptions& options) {
    auto& model = loaded.model();
    model::EvalModeGuard eval_mode(model);
    torch::NoGradGuard no_grad;
    // Batches of whole questions in dataset order: batch b holds the same questions in the clean and the
    // adversarial dataset (whose windows may differ), so under rpi both meet the same draw.
    const auto by_example  = features_by_example(dataset, features);
    const size_t per_batch = size_t(std::max(1, options.batch_size));
    std::vector<std::vector<size_t>> batches;
    for (size_t first = 0; first < by_example.size(); first += per_batch) {
        auto& rows = batches.emplace_back();
        for (size_t q = first; q < std::min(by_example.size(), first + per_batch); ++q)
            rows.insert(rows.end(), by_example[q].begin(), by_example[q].end());
    }
    const auto ranks     = batch_ranks(batches.size(), options.group);
    const int rank       = options.group ? options.group->rank() : 0;
    const size_t seq_len = features.empty() ? 0 : features[0].input_ids.size();
    PassLogits logits(features.size(), seq_len, options.postprocess.n_best_size);
    for (size_t b = 0; b < batches.size(); ++b) {
        const auto& rows = batches[b];
        if (rows.empty() || ranks[b] != rank) continue;
        const auto batch  = data::make_batch(features, rows);
        const auto config = evaluation_config(spec, defence, loaded, int64_t(b), pass);
        logits.store(model.forward(batch.input_ids, batch.attention_mask, &config), features, rows);
    }
    if (options.group) logits.share(*options.group, feature_ranks(batches, ranks, features.size()));
    const auto [start, end] = logits.expand();
    return eval::score_logits(dataset, features, start, end, options.postprocess);
}

TextAttackResult run_text_attack_matrix(const model::LoadedModel& loaded, const text::BpeTokenizer& tokenizer,
                                        const data::FeatureOptions& feature_options,
                                        const eval::QaEvalSet& clean_set,
                                        const std::vector<PrecisionSpec>& crafts,
                                        const std::vector<PrecisionSpec>& evaluations,
                                        const RandomDefence& defence, const MatrixOptions& options,
                                        const TextCrafter& crafter) {
    const auto started  = Clock::now();
    const auto& dataset = clean_set.dataset;
    check_attackable(dataset);
    const auto score_all = [&](const data::SquadDataset& ds, const std::vector<data::QAFeature>& features,
                               const PrecisionSpec& spec) {
        std::vector<eval::EvalResult> passes;
        for (int p = 0; p < evaluation_passes(spec, defence); ++p)
            passes.push_back(evaluate_at(loaded, ds, features, spec, defence, p, options));
        return passes;
    };
    std::vector<std::vector<eval::EvalResult>> clean;
    for (const auto& e : evaluations) clean.push_back(score_all(dataset, clean_set.features, e));

    auto* group            = options.group;
    const int rank         = group ? group->rank() : 0;
    const size_t questions = dataset.examples.size();
    TextAttackResult out;
    out.matrix.questions = int64_t(questions);
    out.matrix.features  = int64_t(clean_set.features.size());
    for (const auto& craft : crafts) {
        const auto craft_start = Clock::now();
        // Under torchrun each rank crafts a contiguous share of the questions, then every rank has them all.
        const auto owners  = group ? parallel::contiguous_owners(questions, group->world_size())
                                   : std::vector<int>(questions, 0);
        const int64_t mine = std::count(owners.begin(), owners.end(), rank);
        std::vector<AdversarialQuestion> crafted(questions);
        core::Progress progress(fmt::format("attack at {}", craft.label), mine,
                                std::max<int64_t>(1, mine / 10));
        int64_t done = 0;
        for (size_t q = 0; q < questions; ++q) {
            if (owners[q] != rank) continue;
            crafted[q] = crafter(q, craft);
            if (options.show_progress) progress.update(++done);
        }
        if (options.show_progress) progress.finish();
        if (group) share_crafted(*group, crafted, owners);
        out.matrix.craft_labels.push_back(craft.label);
        out.matrix.craft_seconds.push_back(group ? group->average(seconds_since(craft_start))
                                                 : seconds_since(craft_start));
        const auto adversarial = adversarial_dataset(dataset, crafted);
        const auto features    = data::build_features(adversarial, tokenizer, feature_options);
        for (size_t e = 0; e < evaluations.size(); ++e) {
            out.matrix.cells.push_back(make_cell(craft.label, evaluations[e].label, clean[e],
                                                 score_all(adversarial, features, evaluations[e]),
                                                 options.bootstrap));
        }
        out.crafted.push_back(std::move(crafted));
    }
    out.matrix.seconds = seconds_since(started);
    return out;
}

}  // namespace bitswitch::attack
