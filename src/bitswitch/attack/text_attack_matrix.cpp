// Text attacks crafted at and evaluated at lists of precisions (text_attack_matrix.h).
#include "bitswitch/attack/text_attack_matrix.h"

#include <chrono>

#include <fmt/format.h>
#include <torch/torch.h>

#include "bitswitch/attack/batch_logits.h"
#include "bitswitch/attack/text_window.h"
#include "bitswitch/core/progress.h"
#include "bitswitch/data/batch.h"

namespace bitswitch::attack {
namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
    return std::chrono::duration<double>(Clock::now() - start).count();
}

}  // namespace

eval::EvalResult evaluate_at(const model::LoadedModel& loaded, const data::SquadDataset& dataset,
                             const std::vector<data::QAFeature>& features, const PrecisionSpec& spec,
                             const RandomDefence& defence, int pass, const MatrixOptions& options) {
    auto& model = loaded.model();
    model::EvalModeGuard eval_mode(model);
    torch::NoGradGuard no_grad;
    PassLogits logits(features.size() * (features.empty() ? 0 : features[0].input_ids.size()));
    // Batches of whole questions in dataset order: batch b holds the same questions in the clean and the
    // adversarial dataset (whose windows may differ), so under rpi both meet the same draw.
    const auto by_example  = features_by_example(dataset, features);
    const size_t per_batch = size_t(std::max(1, options.batch_size));
    for (size_t first = 0, b = 0; first < by_example.size(); first += per_batch, ++b) {
        std::vector<size_t> rows;
        for (size_t q = first; q < std::min(by_example.size(), first + per_batch); ++q)
            rows.insert(rows.end(), by_example[q].begin(), by_example[q].end());
        if (rows.empty()) continue;
        const auto batch  = data::make_batch(features, rows);
        const auto config = evaluation_config(spec, defence, loaded, int64_t(b), pass);
        logits.store(model.forward(batch.input_ids, batch.attention_mask, &config), features, rows);
    }
    return eval::score_logits(dataset, features, logits.start, logits.end, options.postprocess);
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

    TextAttackResult out;
    out.matrix.questions = int64_t(dataset.examples.size());
    out.matrix.features  = int64_t(clean_set.features.size());
    for (const auto& craft : crafts) {
        const auto craft_start = Clock::now();
        std::vector<AdversarialQuestion> crafted;
        core::Progress progress(fmt::format("attack at {}", craft.label), int64_t(dataset.examples.size()),
                                std::max<int64_t>(1, int64_t(dataset.examples.size()) / 10));
        for (size_t q = 0; q < dataset.examples.size(); ++q) {
            crafted.push_back(crafter(q, craft));
            if (options.show_progress) progress.update(int64_t(q + 1));
        }
        if (options.show_progress) progress.finish();
        out.matrix.craft_labels.push_back(craft.label);
        out.matrix.craft_seconds.push_back(seconds_since(craft_start));
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
