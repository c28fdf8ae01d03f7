// Hugging Face TrainingArguments and the seeds' own flag names, as the seeds' command lines pass them
// (run_qa.py, seed 000's train.py, seed 003's QaLoF). Each is accepted with its meaning where bitswitch
// has one, refused with the fix where the user would expect an effect bitswitch cannot give, and otherwise
// accepted with one warning line saying why it has no effect here; never silently. The table of flags is
// in README.md ("Coming from the seeds").
#pragma once

#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "bitswitch/train/train_config.h"

namespace bitswitch::cli {

struct HfFlags {
    bool do_train = true, do_eval = true, do_predict = false;
    bool fp16 = false, save_safetensors = true;  // --bf16 is a compute flag (commands.h)
    std::vector<std::string> report_to;          // HF takes several integrations
    std::string logging_strategy, eval_strategy, save_strategy, dataset_name;
    // The seeds' own names (train): seed 000's --is_cyclic_precision, seed 002's --lora_num_per_layer.
    bool is_cyclic_precision = false;
    std::vector<int> bit_schedule;  // seed 000: MIN MAX of the cyclic bits (weights; activations follow)
    int lora_num_per_layer = 0;
    // What eval accepts because the seeds repeat their training flags there.
    int64_t seed                    = 0;
    int per_device_train_batch_size = 0;
    bool overwrite_output_dir       = false;

    std::vector<CLI::Option*> training_only;  // attack: the training flags seed 002's attack.py repeats

    CLI::Option *do_eval_option = nullptr, *eval_steps_option = nullptr, *save_steps_option = nullptr,
                *mode_option = nullptr;
    std::vector<CLI::Option*> cyclic_options;  // the train flags that only a cyclic run reads
};

/// The TrainingArguments and seed flags of `train`. Call after the command's own flags: it reads which of
/// them were given (--mode, the cyclic flags, --eval_steps, --save_steps).
void add_hf_train_flags(CLI::App* cmd, HfFlags& flags);

/// Applies them to the parsed config: warnings on stderr, InputError with the fix on what cannot be done.
void apply_hf_train_flags(const HfFlags& flags, train::TrainConfig& config);

/// The TrainingArguments and repeated training flags `eval` accepts.
void add_hf_eval_flags(CLI::App* cmd, HfFlags& flags);

/// `validation_file`: the evaluation's file ("" when not given).
void apply_hf_eval_flags(const HfFlags& flags, const std::string& validation_file);

/// The flags of seed 002's attack.py line for the attack commands: its training arguments (it reuses
/// run_qa.py's), accepted with one warning naming them; --dataset_name, --report_to as for eval.
void add_hf_attack_flags(CLI::App* cmd, HfFlags& flags);

void apply_hf_attack_flags(const HfFlags& flags, const std::string& validation_file);

}  // namespace bitswitch::cli
