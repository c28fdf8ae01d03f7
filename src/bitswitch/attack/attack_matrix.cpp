// The crafted-at x evaluated-at matrix of an attack (attack_matrix.h).
#include "bitswitch/attack/attack_matrix.h"

#include <algorithm>
#include <chrono>
#include <limits>
#include <numeric>

#include <fmt/format.h>
#include <torch/torch.h>

#include "bitswitch/attack/batch_logits.h"
#include "bitswitch/core/progress.h"
#include "bitswitch/eval/evaluator.h"
#include "bitswitch/eval/result_files.h"
#include "bitswitch/eval/squad_metric.h"

namespace bitswitch::attack {
namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
    return std::chrono::duration<double>(Clock::now() - start).count();
}

std::vector<double> mean_over_passes(const std::vector<eval::EvalResult>& passes,
                                     std::vector<double> eval::EvalResult::*scores) {
    std::vector<double> out((passes[0].*scores).size(), 0.0);
    for (const auto& p : passes) {
        for (size_t q = 0; q < out.size(); ++q) out[q] += (p.*scores)[q] / double(passes.size());
    }
    return out;
}

}  // namespace

AttackCell make_cell(const std::string& crafted_at, const std::string& evaluated_at,
                     const std::vector<eval::EvalResult>& clean,
                     const std::vector<eval::EvalResult>& adversarial,
                     const eval::BootstrapOptions& bootstrap) {
    AttackCell cell;
    cell.crafted_at     = crafted_at;
    cell.evaluated_at   = evaluated_at;
    cell.passes         = int(clean.size());
    const auto clean_em = mean_over_passes(clean, &eval::EvalResult::question_em);
    const auto clean_f1 = mean_over_passes(clean, &eval::EvalResult::question_f1);
    const auto adv_em   = mean_over_passes(adversarial, &eval::EvalResult::question_em);
    const auto adv_f1   = mean_over_passes(adversarial, &eval::EvalResult::question_f1);
    cell.clean_em       = eval::percent(eval::bootstrap_mean(clean_em, bootstrap));
    cell.clean_f1       = eval::percent(eval::bootstrap_mean(clean_f1, bootstrap));
    cell.adversarial_em = eval::percent(eval::bootstrap_mean(adv_em, bootstrap));
    cell.adversarial_f1 = eval::percent(eval::bootstrap_mean(adv_f1, bootstrap));
    cell.f1_change      = eval::percent(eval::bootstrap_paired_difference(adv_f1, clean_f1, bootstrap));
    if (cell.clean_f1.estimate > 0)
        cell.f1_drop_percent =
            100 * (cell.clean_f1.estimate - cell.adversarial_f1.estimate) / cell.clean_f1.estimate;
    double changed_sum = 0;
    for (size_t q = 0; q < clean_f1.size(); ++q) {
        QuestionOutcome o;
        o.id                 = clean[0].predictions[q].id;
        o.clean_answer       = clean[0].predictions[q].text;
        o.adversarial_answer = adversarial[0].predictions[q].text;
        o.clean_em = clean_em[q], o.clean_f1 = clean_f1[q], o.adversarial_em = adv_em[q],
        o.adversarial_f1 = adv_f1[q];
        for (size_t p = 0; p < clean.size(); ++p) {
            const bool changed = eval::normalize_answer(clean[p].predictions[q].text) !=
                                 eval::normalize_answer(adversarial[p].predictions[q].text);
            o.changed += changed ? 1.0 / double(clean.size()) : 0.0;
        }
        changed_sum += o.changed;
        cell.questions.push_back(std::move(o));
    }
    cell.success_rate = cell.questions.empty() ? 0 : 100 * changed_sum / double(cell.questions.size());
    return cell;
}

MatrixResult run_attack_matrix(const model::LoadedModel& loaded, const data::SquadDataset& dataset,
                               const std::vector<data::QAFeature>& features,
                               const std::vector<PrecisionSpec>& crafts,
                               const std::vector<PrecisionSpec>& evaluations, const RandomDefence& defence,
                               const MatrixOptions& options, const Crafter& crafter) {
    const auto started = Clock::now();
    auto& model        = loaded.model();
    model::EvalModeGuard eval_mode(model);
    check_attackable(dataset);
    const size_t seq_len = features.empty() ? 0 : features[0].input_ids.size();
    const PassLogits empty(features.size(), seq_len, options.postprocess.n_best_size);

    std::vector<std::vector<PassLogits>> clean(evaluations.size());
    std::vector<std::vector<std::vector<PassLogits>>> adversarial(crafts.size());
    for (size_t e = 0; e < evaluations.size(); ++e)
        clean[e].assign(size_t(evaluation_passes(evaluations[e], defence)), empty);
    for (auto& by_eval : adversarial) {
        by_eval.resize(evaluations.size());
        for (size_t e = 0; e < evaluations.size(); ++e)
            by_eval[e].assign(size_t(evaluation_passes(evaluations[e], defence)), empty);
    }

    auto* group             = options.group;
    const int rank          = group ? group->rank() : 0;
    const auto batches      = longest_first_batches(features, options.batch_size);
    const auto ranks        = batch_ranks(batches.size(), group);
    const int64_t n_batches = int64_t(batches.size());
    const int64_t mine      = std::count(ranks.begin(), ranks.end(), rank);
    MatrixResult out;
    out.craft_seconds.assign(crafts.size(), 0.0);
    for (const auto& craft : crafts) out.craft_labels.push_back(craft.label);
    double attackable_sum = 0;
    int64_t done          = 0;
    core::Progress progress("attack", mine, std::max<int64_t>(1, mine / 10));
    for (int64_t b = 0; b < n_batches; ++b) {
        if (ranks[size_t(b)] != rank) continue;
        const auto& rows = batches[size_t(b)];
        const auto batch = data::make_batch(features, rows);
        const int64_t T  = batch.input_ids.size(1);
        std::vector<float> flags_buffer(rows.size() * size_t(T));
        for (size_t r = 0; r < rows.size(); ++r) {
            const auto& f = features[rows[r]];
            const auto flags =
                attackable_positions(f, dataset.examples[size_t(f.example_index)], options.threat);
            const auto n = std::accumulate(flags.begin(), flags.begin() + T, int64_t(0));
            std::copy_n(flags.begin(), T, flags_buffer.begin() + int64_t(r) * T);
            attackable_sum += double(n) / double(data::real_length(f));
        }
        const auto attackable = torch::from_blob(flags_buffer.data(), {int64_t(rows.size()), T}).clone();
        const auto evaluate   = [&](const torch::Tensor& embeddings,
                                  std::vector<std::vector<PassLogits>>& into) {
            torch::NoGradGuard no_grad;
            for (size_t e = 0; e < evaluations.size(); ++e) {
                for (size_t p = 0; p < into[e].size(); ++p) {
                    const auto config = evaluation_config(evaluations[e], defence, loaded, b, int(p));
                    into[e][p].store(model.forward_embeddings(embeddings, batch.attention_mask, &config),
                                       features, rows);
                }
            }
        };
        torch::Tensor clean_embeddings;
        {
            torch::NoGradGuard no_grad;
            clean_embeddings = model.embed(batch.input_ids);
        }
        evaluate(clean_embeddings, clean);
        for (size_t c = 0; c < crafts.size(); ++c) {
            const auto craft_start = Clock::now();
            const auto crafted     = crafter(batch, attackable, crafts[c], b);
            out.craft_seconds[c] += seconds_since(craft_start);
            evaluate(crafted.detach(), adversarial[c]);
        }
        if (options.show_progress) progress.update(++done);
    }
    if (options.show_progress) progress.finish();
    if (group) {
        // Every rank ends with every window's logits; the timings are the ranks' mean (they ran at once).
        const auto owners    = feature_ranks(batches, ranks, features.size());
        const auto share_all = [&](std::vector<std::vector<PassLogits>>& by_eval) {
            for (auto& passes : by_eval)
                for (auto& pass : passes) pass.share(*group, owners);
        };
        share_all(clean);
        for (auto& by_eval : adversarial) share_all(by_eval);
        attackable_sum    = group->average(attackable_sum) * group->world_size();
        out.craft_seconds = group->average(out.craft_seconds);
    }

    const auto score = [&](const PassLogits& logits) {
        const auto [start, end] = logits.expand();
        return eval::score_logits(dataset, features, start, end, options.postprocess);
    };
    std::vector<std::vector<eval::EvalResult>> clean_results(evaluations.size());
    for (size_t e = 0; e < evaluations.size(); ++e) {
        for (const auto& pass : clean[e]) clean_results[e].push_back(score(pass));
    }
    for (size_t c = 0; c < crafts.size(); ++c) {
        for (size_t e = 0; e < evaluations.size(); ++e) {
            std::vector<eval::EvalResult> adv;
            for (const auto& pass : adversarial[c][e]) adv.push_back(score(pass));
            out.cells.push_back(
                make_cell(crafts[c].label, evaluations[e].label, clean_results[e], adv, options.bootstrap));
        }
    }
    out.questions        = int64_t(dataset.examples.size());
    out.features         = int64_t(features.size());
    out.attackable_share = features.empty() ? 0 : attackable_sum / double(features.size());
    out.seconds          = seconds_since(started);
    return out;
}

}  // namespace bitswitch::attack
