// `bitswitch attack gbda` and `attack word` (run_text_attack.h).
#include "bitswitch/attack/run_text_attack.h"

#include <cstdio>
#include <filesystem>
#include <functional>
#include <map>

#include <fmt/format.h>

#include "bitswitch/model/deployment_file.h"

namespace bitswitch::attack {
namespace {

using CrafterFactory = std::function<TextCrafter(const AttackSetup&, const text::BpeTokenizer&)>;

AttackReport run_text_attack(const TextAttackConfig& c, const std::string& attack,
                             nlohmann::ordered_json budget, const CrafterFactory& make_crafter) {
    const auto setup     = prepare_attack(c.eval, c.precision, c.seed);
    const auto tokenizer = model::load_tokenizer(c.eval.tokenizer_dir, c.eval.model_dir);
    MatrixOptions options;
    options.batch_size  = c.eval.batch_size;
    options.postprocess = c.eval.postprocess;
    options.bootstrap   = c.bootstrap;
    options.group       = setup.group.get();

    AttackReport report;
    report.attack         = attack;
    report.model          = c.eval.model_dir;
    report.bootstrap      = c.bootstrap;
    report.budget         = std::move(budget);
    report.budget["seed"] = c.seed;
    describe_random(setup, report.budget);
    auto result =
        run_text_attack_matrix(setup.loaded, tokenizer, c.eval.features, setup.set, setup.crafts,
                               setup.evaluations, setup.defence, options, make_crafter(setup, tokenizer));
    report.matrix = std::move(result.matrix);
    for (const auto& crafted : result.crafted) report.matrix.craft_stats.push_back(record_means(crafted));
    report.primary = setup.primary();
    if (!c.output_dir.empty() && report.primary) {
        write_attack_outputs(c.output_dir, report);
        for (size_t i = 0; i < result.crafted.size(); ++i) {
            write_adversarial_dataset(
                std::filesystem::path(c.output_dir) / adversarial_file_name(report.matrix.craft_labels[i]),
                setup.set.dataset, result.crafted[i]);
        }
    }
    return report;
}

// The question unchanged, when no window holds its answer (nothing to attack within max_seq_length).
AdversarialQuestion unattacked(size_t example) {
    AdversarialQuestion q;
    q.example = example;
    q.record  = {{"skipped", "no window holds the answer"}};
    return q;
}

}  // namespace

std::string adversarial_file_name(const std::string& craft_label) {
    return "adversarial-" + eval::config_folder_name(craft_label) + ".json";
}

nlohmann::ordered_json record_means(const std::vector<AdversarialQuestion>& questions) {
    std::map<std::string, std::pair<double, int64_t>> sums;  // key -> (sum, count)
    std::vector<std::string> order;
    for (const auto& q : questions) {
        for (const auto& [key, value] : q.record.items()) {
            if (!value.is_number() && !value.is_boolean()) continue;
            auto [it, inserted] = sums.try_emplace(key, 0.0, 0);
            if (inserted) order.push_back(key);
            it->second.first += value.is_boolean() ? (value.get<bool>() ? 1.0 : 0.0) : value.get<double>();
            ++it->second.second;
        }
    }
    nlohmann::ordered_json out = nlohmann::ordered_json::object();
    for (const auto& key : order) out["mean_" + key] = sums[key].first / double(sums[key].second);
    return out;
}

AttackReport run_gbda_attack(const GbdaAttackConfig& c) {
    validate(c.gbda);
    nlohmann::ordered_json budget = {
        {"iterations", c.gbda.iterations}, {"lr", c.gbda.lr},
        {"samples", c.gbda.samples},       {"hard_samples", c.gbda.hard_samples},
        {"kappa", c.gbda.kappa},           {"fluency", c.gbda.fluency},
        {"similarity", c.gbda.similarity}, {"initial_coeff", c.gbda.initial_coeff}};
    std::fprintf(stderr,
                 "attack gbda: %d iterations of %d Gumbel samples, lr %g, kappa %g, fluency %g, "
                 "similarity %g\n",
                 c.gbda.iterations, c.gbda.samples, c.gbda.lr, c.gbda.kappa, c.gbda.fluency,
                 c.gbda.similarity);
    return run_text_attack(
        c, "gbda", budget, [&](const AttackSetup& setup, const text::BpeTokenizer& tokenizer) {
            auto& model        = setup.loaded.model();
            const auto V       = model.token_embedding_table().size(0);
            auto context       = std::make_shared<GbdaContext>();
            context->model     = &model;
            context->tokenizer = &tokenizer;
            context->base      = quant::uniform_config({}, "", model.units(), "fp");
            context->idf       = token_idf(setup.set.dataset, tokenizer, V);
            context->placeable = placeable_tokens(tokenizer, V);
            const auto rows    = std::make_shared<std::vector<std::vector<size_t>>>(
                features_by_example(setup.set.dataset, setup.set.features));
            return TextCrafter([&setup, &tokenizer, context, rows, options = c.gbda, seed = c.seed](
                                   size_t example, const PrecisionSpec& craft) {
                const auto window = answer_window(tokenizer, setup.set.dataset, setup.set.features, example,
                                                  (*rows)[example]);
                if (!window) {
                    AdversarialQuestion skipped;
                    skipped.example = example;
                    skipped.record  = {{"skipped", "no window holds the answer"}};
                    return skipped;
                }
                const StepConfigs configs = [&](int restart, int step) {
                    return crafting_configs(craft, setup.defence, setup.loaded, int64_t(example), restart,
                                            step);
                };
                return gbda_attack(*context, example, *window, options, configs, seed * 1000003 + example);
            });
        });
}

AttackReport run_word_attack(const WordAttackConfig& c) {
    validate(c.word);
    const auto wordnet            = std::make_shared<text::WordNet>(text::WordNet::load(
                   c.wordnet_dir.empty() ? text::WordNet::default_dir() : std::filesystem::path(c.wordnet_dir)));
    nlohmann::ordered_json budget = {{"top_k", c.word.top_k},
                                     {"max_candidates", c.word.max_candidates},
                                     {"fluency_window", c.word.fluency_window},
                                     {"ranking", "attention + removal (norm-link)"},
                                     {"candidates", "WordNet synonyms"}};
    std::fprintf(stderr, "attack word: top %d words, up to %d WordNet synonyms each\n", c.word.top_k,
                 c.word.max_candidates);
    return run_text_attack(
        c, "word", budget, [&](const AttackSetup& setup, const text::BpeTokenizer& tokenizer) {
            auto context         = std::make_shared<WordAttackContext>();
            auto& model          = setup.loaded.model();
            context->model       = &model;
            context->tokenizer   = &tokenizer;
            context->wordnet     = wordnet.get();
            context->base        = quant::uniform_config({}, "", model.units(), "fp");
            context->features    = c.eval.features;
            context->postprocess = c.eval.postprocess;
            const auto rows      = std::make_shared<std::vector<std::vector<size_t>>>(
                features_by_example(setup.set.dataset, setup.set.features));
            return TextCrafter([&setup, &tokenizer, context, rows, wordnet, options = c.word](
                                   size_t example, const PrecisionSpec& craft) {
                const auto window = answer_window(tokenizer, setup.set.dataset, setup.set.features, example,
                                                  (*rows)[example]);
                if (!window) return unattacked(example);
                const StepConfigs configs = [&](int restart, int step) {
                    return crafting_configs(craft, setup.defence, setup.loaded, int64_t(example), restart,
                                            step);
                };
                return word_attack(*context, setup.set.dataset, example, *window, options, configs);
            });
        });
}

}  // namespace bitswitch::attack
