// bitswitch attack pgd|gbda|word|lm: flags -> the attack's config -> its run_* call; prints the matrix
// (-o md|csv|jsonl).
#include <cstdio>
#include <memory>

#include <CLI/CLI.hpp>

#include "bitswitch/attack/lm_pgd.h"
#include "bitswitch/attack/run_pgd.h"
#include "bitswitch/attack/run_text_attack.h"
#include "cli/analysis_flags.h"
#include "cli/commands.h"
#include "cli/hf_flags.h"

namespace bitswitch::cli {
namespace {

void add_precision_matrix_flags(CLI::App* cmd, attack::PrecisionFlags& precision) {
    const char* group = "Precisions";
    auto& rpi         = precision.rpi;
    cmd->add_option(
           "--craft_at", precision.craft_at,
           "Precisions the attack is crafted at: configs (8, w4a8, a file), rpi (a fresh random draw "
           "each step) or eot (the gradient averaged over --eot_samples draws: the adaptive attack). "
           "Default: the model's trained levels")
        ->group(group);
    cmd->add_option("--eval_at", precision.eval_at,
                    "Precisions the result is evaluated at: configs, or rpi (random precision inference). "
                    "Default: the fixed --craft_at configs, plus rpi when one is random")
        ->group(group);
    cmd->add_option("--rpi_levels", rpi.levels,
                    "Levels rpi and eot draw from (default: the model's trained levels)")
        ->group(group);
    cmd->add_option("--rpi_probs", rpi.probabilities,
                    "Probability of each --rpi_levels level (default uniform)")
        ->group(group);
    add_enum_option(cmd, "--rpi_granularity", rpi.granularity, quant::kRandomGranularityNames,
                    "What one draw covers: each block and the head (layer), the whole model, or each unit")
        ->group(group);
    cmd->add_option("--rpi_draws", rpi.draws, "Evaluation passes under rpi (scores are their mean)")
        ->capture_default_str()
        ->group(group);
    cmd->add_option("--eot_samples", rpi.eot_samples, "Draws per step of an eot attack (K)")
        ->capture_default_str()
        ->group(group);
    cmd->add_option("--attack_lora_idx", precision.craft_level_idx,
                    "Seed 002: also craft at these trained levels, by index (0 = the highest precision)")
        ->group(group);
    cmd->add_option("--eval_lora_idx", precision.eval_level_idx,
                    "Seed 002: also evaluate at these trained levels, by index")
        ->group(group);
}

// PGD's budget: eps, alpha, steps, restarts, random start, units, preset.
void add_pgd_budget_flags(CLI::App* cmd, attack::PgdOptions& pgd, std::string& preset) {
    const char* budget = "Budget";
    cmd->add_option("--eps", pgd.eps,
                    "Radius of the L-infinity ball, in units of the embedding table's RMS entry (see "
                    "--eps_absolute)")
        ->capture_default_str()
        ->group(budget);
    cmd->add_option("--alpha", pgd.alpha, "Step size, in the units of --eps")
        ->capture_default_str()
        ->group(budget);
    cmd->add_option("--steps", pgd.steps, "Gradient steps per restart")->capture_default_str()->group(budget);
    cmd->add_option("--restarts", pgd.restarts, "Random restarts; the highest-loss end point is kept")
        ->capture_default_str()
        ->group(budget);
    cmd->add_flag("--no_random_start{false}", pgd.random_start, "Start from the clean embeddings")
        ->group(budget);
    add_bool_flag(cmd, "--eps_absolute", pgd.absolute, "--eps and --alpha in embedding units (as seed 001)")
        ->group(budget);
    cmd->add_option(
           "--preset", preset,
           "Named budget replacing the flags above: seed001 (eps 0.1, alpha 0.01, 5 steps, absolute)")
        ->group(budget);
}

// What every attack command binds besides its config: quantizer flags, compute flags and the printed format.
struct AttackFlags {
    std::shared_ptr<QuantFlags> quant     = std::make_shared<QuantFlags>();
    std::shared_ptr<ComputeFlags> compute = std::make_shared<ComputeFlags>();
    std::shared_ptr<eval::OutputFormat> format =
        std::make_shared<eval::OutputFormat>(eval::OutputFormat::kMarkdown);
    std::shared_ptr<HfFlags> hf = std::make_shared<HfFlags>();  // seed 002's attack.py flags
};

// The subcommand with --config and the evaluation set's flags.
CLI::App* add_attack_subcommand(CLI::App& attack, const char* name, const char* description,
                                eval::QaEvalConfig& eval, const AttackFlags& flags) {
    CLI::App* cmd = attack.add_subcommand(name, description);
    cmd->add_option("--config", "TOML file whose keys are the flag names below (flags given here win)");
    add_eval_set_flags(cmd, eval, *flags.quant);
    add_hf_attack_flags(cmd, *flags.hf);
    return cmd;
}

void add_output_format_flag(CLI::App* cmd, const AttackFlags& flags) {
    add_enum_option(cmd, "-o,--output_format", *flags.format, eval::kOutputFormatNames,
                    "What to print: markdown table, CSV or JSON lines");
}

// --threads, --bf16 and the callback: run(quantizer override, format) returns the text to print.
template <class Run>
void bind_run(CLI::App* cmd, const AttackFlags& flags, Run run) {
    add_compute_flags(cmd, *flags.compute);
    cmd->callback([flags, run] {
        prepare_compute(*flags.compute);
        std::printf("%s", run(flags.quant->override_settings(), *flags.format).c_str());
    });
}

// bind_run for the attacks that print a precision matrix.
template <class Config, class Run>
void bind_attack_run(CLI::App* cmd, std::shared_ptr<Config> c, const AttackFlags& flags, Run run) {
    bind_run(cmd, flags, [c, run, hf = flags.hf](auto quant_override, eval::OutputFormat format) {
        apply_hf_attack_flags(*hf, c->eval.validation_file);
        c->eval.quant_override = std::move(quant_override);
        const auto report      = run(*c);
        return report.primary ? attack::format_attack(report, format) : std::string();
    });
}

// The flags every text attack shares after its own: seed, precisions, bootstrap, output.
void add_text_attack_tail(CLI::App* cmd, attack::TextAttackConfig& c, const AttackFlags& flags) {
    cmd->add_option("--seed", c.seed, "Seed of the attack's draws and the precision draws")
        ->capture_default_str();
    add_precision_matrix_flags(cmd, c.precision);
    add_bootstrap_flags(cmd, c.bootstrap);
    add_output_format_flag(cmd, flags);
    cmd->add_option("--output_dir", c.output_dir,
                    "Also write attack.md/.csv/.jsonl, questions.jsonl, attack.json and each crafting "
                    "precision's adversarial questions as a SQuAD file (adversarial-<precision>.json) here");
}

void add_pgd_command(CLI::App& attack) {
    auto c = std::make_shared<attack::PgdAttackConfig>();
    const AttackFlags flags;
    CLI::App* cmd = add_attack_subcommand(
        attack, "pgd",
        "PGD on the context's input embeddings against the gold answer (L-infinity ball, seed 001)", c->eval,
        flags);
    add_pgd_budget_flags(cmd, c->pgd, c->preset);
    add_bool_flag(cmd, "--perturb_question", c->threat.perturb_question,
                  "Perturb the question's tokens too (the context is always attackable, the answer never)")
        ->group("Budget");
    cmd->add_option("--seed", c->seed, "Seed of the random starts and precision draws")
        ->capture_default_str();
    add_precision_matrix_flags(cmd, c->precision);
    add_bootstrap_flags(cmd, c->bootstrap);
    add_output_format_flag(cmd, flags);
    cmd->add_option("--output_dir", c->output_dir,
                    "Also write attack.md/.csv/.jsonl, questions.jsonl (each question in each cell) and "
                    "attack.json here");
    bind_attack_run(cmd, c, flags, attack::run_pgd_attack);
}

void add_gbda_command(CLI::App& attack) {
    auto c = std::make_shared<attack::GbdaAttackConfig>();
    const AttackFlags flags;
    CLI::App* cmd = add_attack_subcommand(
        attack, "gbda",
        "GBDA: a Gumbel-softmax distribution over the vocabulary per context token, optimised against the "
        "gold span with fluency and similarity constraints, then hard samples (seeds 002 and 003)",
        c->eval, flags);
    const char* budget = "Attack";
    auto& g            = c->gbda;
    cmd->add_option("--iterations,--adversarial_generation_step", g.iterations,
                    "Adam steps on the distribution (--adversarial_generation_step: seed 002's name)")
        ->capture_default_str()
        ->group(budget);
    cmd->add_option("--lr", g.lr, "Adam learning rate")->capture_default_str()->group(budget);
    cmd->add_option("--samples", g.samples, "Gumbel-softmax draws per step")
        ->capture_default_str()
        ->group(budget);
    cmd->add_option("--hard_samples", g.hard_samples,
                    "Hard draws tried at the end until one changes the predicted span")
        ->capture_default_str()
        ->group(budget);
    cmd->add_option("--kappa", g.kappa, "Margin of the CW-style loss on the gold start and end logits")
        ->capture_default_str()
        ->group(budget);
    cmd->add_option("--fluency", g.fluency,
                    "Weight of the LM cross-entropy of the soft text (base model; 0 = seed 002's attack)")
        ->capture_default_str()
        ->group(budget);
    cmd->add_option("--similarity", g.similarity,
                    "Weight of the idf-weighted BERTScore of hidden states (base model; 0 = seed 002's)")
        ->capture_default_str()
        ->group(budget);
    cmd->add_option("--initial_coeff", g.initial_coeff, "Initial logit of each clean token")
        ->capture_default_str()
        ->group(budget);
    cmd->add_option("--adversarial_sample_num", c->eval.max_eval_samples,
                    "Seed 002's name of --max_eval_samples: the questions attacked")
        ->group(budget);
    add_text_attack_tail(cmd, *c, flags);
    bind_attack_run(cmd, c, flags, attack::run_gbda_attack);
}

void add_word_command(CLI::App& attack) {
    auto c = std::make_shared<attack::WordAttackConfig>();
    const AttackFlags flags;
    CLI::App* cmd = add_attack_subcommand(
        attack, "word",
        "Word-level QA-Attack: rank context words by attention and removal, substitute WordNet synonyms "
        "ranked by fluency until the answer changes (seed 000)",
        c->eval, flags);
    const char* budget = "Attack";
    cmd->add_option("--top_k", c->word.top_k, "Words substituted at most (the norm-link ranking's top k)")
        ->capture_default_str()
        ->group(budget);
    cmd->add_option("--max_candidates", c->word.max_candidates,
                    "Synonyms tried per word, the most fluent first")
        ->capture_default_str()
        ->group(budget);
    cmd->add_option("--fluency_window", c->word.fluency_window,
                    "Words either side of a word that its candidates' fluency is scored on")
        ->capture_default_str()
        ->group(budget);
    cmd->add_option("--wordnet", c->wordnet_dir,
                    "WordNet 3.0 database folder (default $WNSEARCHDIR, else /usr/share/wordnet from "
                    "Debian's wordnet-base)")
        ->group(budget);
    add_text_attack_tail(cmd, *c, flags);
    bind_attack_run(cmd, c, flags, attack::run_word_attack);
}

void add_lm_command(CLI::App& attack) {
    auto c = std::make_shared<attack::LmAttackConfig>();
    const AttackFlags flags;
    CLI::App* cmd = attack.add_subcommand(
        "lm",
        "PGD on a text's token embeddings against its LM loss: clean and adversarial perplexity per "
        "precision (what `score` measures)");
    cmd->add_option("--config", "TOML file whose keys are the flag names below (flags given here win)");
    cmd->add_option("--model,--model_name_or_path", c->score.model_dir,
                    "Model folder (HF) or training run folder")
        ->required();
    cmd->add_option("--file", c->score.file, "UTF-8 text file")->required();
    cmd->add_option("--tokenizer", c->score.tokenizer_dir,
                    "Tokenizer folder (default: the model's, else the shipped GPT-2)");
    cmd->add_option("--stride", c->score.stride,
                    "Long texts: windows of n_positions start this far apart (0 = n_positions/2)")
        ->capture_default_str();
    add_precision_flags(cmd, c->score.precision, c->score.activate_lora_idx, /*many=*/true);
    add_quant_flags(cmd, *flags.quant);
    add_pgd_budget_flags(cmd, c->pgd, c->preset);
    cmd->add_option("--seed", c->seed, "Seed of the random starts")->capture_default_str();
    add_output_format_flag(cmd, flags);
    bind_run(cmd, flags, [c](auto quant_override, eval::OutputFormat format) {
        c->score.quant_override = std::move(quant_override);
        return attack::format_lm_attack(attack::run_lm_attack(*c), format);
    });
}

}  // namespace

void add_attack_command(CLI::App& app) {
    CLI::App* attack = app.add_subcommand(
        "attack", "Adversarial attacks on the QA model at fixed or random precision (docs/ROBUSTNESS.md)");
    attack->require_subcommand(1);
    add_pgd_command(*attack);
    add_gbda_command(*attack);
    add_word_command(*attack);
    add_lm_command(*attack);
}

}  // namespace bitswitch::cli
