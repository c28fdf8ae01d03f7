// The seeds' Hugging Face and own flags, mapped onto bitswitch's meaning (hf_flags.h).
#include "cli/hf_flags.h"

#include <cstdio>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "bitswitch/core/error.h"
#include "cli/flags.h"

namespace bitswitch::cli {
namespace {

const char* kGroup = "Hugging Face and seed flags";

void warn(const std::string& message) {
    std::fprintf(stderr, "warning: %s\n", message.c_str());
}

// The flags train and eval share.
void add_common(CLI::App* cmd, HfFlags& f) {
    f.do_eval_option =
        add_bool_flag(cmd, "--do_eval", f.do_eval, "HF: evaluate on --validation_file (needs it)")
            ->group(kGroup);
    add_bool_flag(cmd, "--do_predict", f.do_predict,
                  "HF: not done here (warns; `eval --output_dir` predicts)")
        ->group(kGroup);
    cmd->add_option("--report_to", f.report_to,
                    "HF: logging integrations; none here (warns): the log is OUTPUT_DIR/log.jsonl")
        ->group(kGroup);
    cmd->add_option("--dataset_name", f.dataset_name,
                    "HF: a hub dataset; refused (no downloads): give the SQuAD JSON files instead")
        ->group(kGroup);
    add_bool_flag(cmd, "--fp16", f.fp16, "HF: fp16 compute (none on CPUs: True is refused)")->group(kGroup);
}

void apply_common(const HfFlags& f, const std::string& data_file, const char* data_flag) {
    if (!f.dataset_name.empty()) {
        if (data_file.empty()) {
            throw InputError(fmt::format(
                "--dataset_name {}: bitswitch reads local SQuAD JSON and cannot download datasets; pass {} "
                "FILE (the official train-v1.1.json / dev-v1.1.json, or `bitswitch data synth` for a "
                "synthetic set)",
                f.dataset_name, data_flag));
        }
        warn(fmt::format("--dataset_name {} ignored: reading {} {}", f.dataset_name, data_flag, data_file));
    }
    if (f.do_predict)
        warn(
            "--do_predict: no test-set predictions in this command; run `bitswitch eval --model RUN "
            "--validation_file TEST.json --output_dir DIR`, which writes DIR/predictions.json");
    if (!f.report_to.empty() && f.report_to != std::vector<std::string>{"none"})
        warn(
            fmt::format("--report_to {} ignored: no logging integrations; the log is in OUTPUT_DIR/log.jsonl "
                        "(and `bitswitch report` plots it)",
                        fmt::join(f.report_to, " ")));
    if (f.fp16)
        throw InputError(
            "--fp16: there is no fp16 compute on CPUs; drop the flag (--bf16 is the half-precision compute "
            "here)");
}

// HF's steps|epoch|no strategies: "" and "steps" keep bitswitch's step counts.
void check_strategy(const std::string& value, const char* flag, const char* steps_flag) {
    if (value.empty() || value == "steps" || value == "no") return;
    if (value == "epoch")
        throw InputError(
            fmt::format("{} epoch: bitswitch counts in steps; give {} N (an epoch is the "
                        "training features / (batch x accumulation x ranks) steps)",
                        flag, steps_flag));
    throw InputError(fmt::format("{} {}: expected steps, epoch or no", flag, value));
}

}  // namespace

void add_hf_train_flags(CLI::App* cmd, HfFlags& f) {
    add_bool_flag(cmd, "--do_train", f.do_train, "HF: train (always; False is refused)")->group(kGroup);
    add_common(cmd, f);
    cmd->add_option("--logging_strategy", f.logging_strategy,
                    "HF: steps (bitswitch logs every --logging_steps)")
        ->group(kGroup);
    cmd->add_option("--eval_strategy,--evaluation_strategy", f.eval_strategy,
                    "HF: steps (every --eval_steps, default --logging_steps) or no (at the end only)")
        ->group(kGroup);
    cmd->add_option("--save_strategy", f.save_strategy,
                    "HF: steps (every --save_steps, default 500) or no (at the end only)")
        ->group(kGroup);
    add_bool_flag(cmd, "--save_safetensors", f.save_safetensors,
                  "HF: weights as safetensors (always; False warns)")
        ->group(kGroup);
    add_bool_flag(cmd, "--is_cyclic_precision", f.is_cyclic_precision, "Seed 000: --mode cyclic")
        ->group(kGroup);
    cmd->add_option("--bit_schedule", f.bit_schedule,
                    "Seed 000: MIN MAX of the cyclic bits, = --cyclic_w_bits_schedule (activations follow)")
        ->expected(2)
        ->group(kGroup);
    cmd->add_option("--lora_num_per_layer", f.lora_num_per_layer,
                    "Seed 002: adapters per layer; must equal the number of levels (one per level)")
        ->group(kGroup);
    f.mode_option       = cmd->get_option("--mode");
    f.eval_steps_option = cmd->get_option("--eval_steps");
    f.save_steps_option = cmd->get_option("--save_steps");
    for (const char* name :
         {"--num_cyclic_period", "--num_bit_min", "--num_bit_max", "--cyclic_w_bits_schedule",
          "--cyclic_a_bits_schedule", "--cyclic_schedule", "--cyclic_period", "--cyclic_adapter", "--prt",
          "--prt_steps", "--prt_threshold", "--bit_schedule"})
        f.cyclic_options.push_back(cmd->get_option(name));
}

void apply_hf_train_flags(const HfFlags& f, train::TrainConfig& c) {
    apply_common(f, c.train_file, "--train_file");
    if (!f.do_train)
        throw InputError(
            "--do_train False: `bitswitch train` always trains; to evaluate only, run `bitswitch eval`");
    if (f.do_eval_option->count() > 0) {
        if (!f.do_eval)
            c.validation_file.clear();
        else if (c.validation_file.empty())
            throw InputError(
                "--do_eval needs --validation_file FILE (the dataset's validation split cannot be "
                "downloaded here)");
    }
    check_strategy(f.logging_strategy, "--logging_strategy", "--logging_steps");
    if (f.logging_strategy == "no")
        warn("--logging_strategy no ignored: bitswitch logs every --logging_steps");
    check_strategy(f.eval_strategy, "--eval_strategy", "--eval_steps");
    if (f.eval_strategy == "no") c.eval_steps = 0;
    if (f.eval_strategy == "steps" && f.eval_steps_option->count() == 0) c.eval_steps = c.logging_steps;
    check_strategy(f.save_strategy, "--save_strategy", "--save_steps");
    if (f.save_strategy == "no") c.save_steps = 0;
    if (f.save_strategy == "steps" && f.save_steps_option->count() == 0) c.save_steps = 500;
    if (!f.save_safetensors) warn("--save_safetensors False ignored: bitswitch writes safetensors only");

    bool cyclic_given = f.is_cyclic_precision;
    std::string cyclic_names;
    for (const auto* o : f.cyclic_options) {
        if (o->count() == 0) continue;
        cyclic_given = true;
        cyclic_names += (cyclic_names.empty() ? "" : ", ") + o->get_name();
    }
    if (f.mode_option->count() == 0) {
        c.mode = train::default_mode(c, cyclic_given);
    } else if (c.mode != train::Mode::kCyclic && cyclic_given) {
        throw InputError(
            fmt::format("{} only a cyclic run reads, but --mode is {}: add --mode cyclic or drop them",
                        f.is_cyclic_precision ? std::string("--is_cyclic_precision") : cyclic_names,
                        core::enum_name(train::kModeNames, c.mode)));
    }
    if (!f.bit_schedule.empty()) {
        if (!c.cyclic_w_bits_schedule.empty() && c.cyclic_w_bits_schedule != f.bit_schedule)
            throw InputError(fmt::format(
                "--bit_schedule {} {} and --cyclic_w_bits_schedule {} {} name the same range differently; "
                "give one of them",
                f.bit_schedule[0], f.bit_schedule[1], c.cyclic_w_bits_schedule[0],
                c.cyclic_w_bits_schedule[1]));
        c.cyclic_w_bits_schedule = f.bit_schedule;
    }
    if (f.lora_num_per_layer > 0) {
        const auto levels = train::levels_of(c).size();
        if (size_t(f.lora_num_per_layer) != levels)
            throw InputError(fmt::format(
                "--lora_num_per_layer {}: bitswitch gives each layer one adapter per precision level, and "
                "--w_bits/--a_bits/--kv_bits give {}; give {} levels or drop the flag",
                f.lora_num_per_layer, levels, f.lora_num_per_layer));
    }
}

void add_hf_eval_flags(CLI::App* cmd, HfFlags& f) {
    add_common(cmd, f);
    add_bool_flag(cmd, "--do_train", f.do_train, "HF: refused when True (`bitswitch train` trains)")
        ->group(kGroup);
    f.do_train = false;
    cmd->add_option("--seed", f.seed, "Training flag the seeds repeat; eval draws nothing (warns)")
        ->group(kGroup);
    cmd->add_option("--per_device_train_batch_size", f.per_device_train_batch_size,
                    "Training flag the seeds repeat (warns; --per_device_eval_batch_size is eval's)")
        ->group(kGroup);
    add_bool_flag(cmd, "--overwrite_output_dir", f.overwrite_output_dir,
                  "HF: eval always replaces its files in --output_dir")
        ->group(kGroup);
}

void apply_hf_eval_flags(const HfFlags& f, const std::string& validation_file) {
    apply_common(f, validation_file, "--validation_file");
    if (validation_file.empty()) throw InputError("--validation_file FILE is required (a SQuAD JSON)");
    if (f.do_train) throw InputError("--do_train: `bitswitch eval` does not train; run `bitswitch train`");
    if (!f.do_eval) throw InputError("--do_eval False: `bitswitch eval` only evaluates; drop the flag");
    if (f.seed != 0) warn("--seed ignored: evaluation is deterministic");
    if (f.per_device_train_batch_size != 0)
        warn("--per_device_train_batch_size ignored by eval (its batch is --per_device_eval_batch_size)");
}

void add_hf_attack_flags(CLI::App* cmd, HfFlags& f) {
    add_common(cmd, f);
    const std::string help = "Training flag seed 002's attack.py repeats; an attack does not train (warns)";
    f.training_only        = {
               add_bool_flag(cmd, "--do_train", f.do_train, help),
               cmd->add_option("--per_device_train_batch_size", help),
               cmd->add_option("--learning_rate", help),
               cmd->add_option("--logging_strategy", help),
               cmd->add_option("--logging_steps", help),
               cmd->add_option("--lr_scheduler_type", help),
               cmd->add_option("--gradient_accumulation_steps", help),
               cmd->add_option("--max_steps", help),
    };
    for (auto* o : f.training_only) o->group(kGroup);
    // --validation_file is checked here, so that --dataset_name without it gets its own message.
    cmd->get_option("--validation_file")->required(false);
}

void apply_hf_attack_flags(const HfFlags& f, const std::string& validation_file) {
    apply_common(f, validation_file, "--validation_file");
    if (validation_file.empty()) throw InputError("--validation_file FILE is required (a SQuAD JSON)");
    std::string ignored;
    for (const auto* o : f.training_only) {
        if (o->count() > 0) ignored += (ignored.empty() ? "" : ", ") + o->get_name();
    }
    if (!ignored.empty()) warn(ignored + " ignored: an attack does not train");
}

}  // namespace bitswitch::cli
