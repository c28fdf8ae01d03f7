// Checkpoints of a training run, in the layout of transformers' Trainer:
//   <run>/checkpoint-N/   the model (written by the caller: a LoRA run folder or a HF folder),
//                         optimizer.pt, rng_state.safetensors (libtorch's CPU generator),
//                         trainer_state.json {"global_step", "loss", "loss_sum", "cyclic_min_bits"}
// Each is written into checkpoint-N.tmp and renamed into place, so a crash leaves either no checkpoint-N or
// a whole one; a folder without trainer_state.json is never taken for a checkpoint. Deletion removes that
// file first, so a deletion cut short cannot leave a folder that looks complete.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <utility>

#include <torch/optim/optimizer.h>

namespace bitswitch::train {

struct TrainerState {
    int64_t global_step = 0;
    double loss         = 0.0;  // the last log window's mean
    double loss_sum     = 0.0;  // Σ step losses up to global_step: the run's mean loss survives a resume
    int cyclic_min_bits = 0;    // the precision range test's choice (cyclic runs)
};

/// The newest complete checkpoint-N in `run_dir`: (N, its folder).
std::optional<std::pair<int64_t, std::filesystem::path>> newest_checkpoint(
    const std::filesystem::path& run_dir);

/// Writes checkpoint-<state.global_step> into `run_dir`: `save_model` writes the model into the folder it is
/// given, then the optimizer, the generator and the state follow.
void write_checkpoint(const std::filesystem::path& run_dir, const TrainerState& state,
                      torch::optim::Optimizer& optimizer,
                      const std::function<void(const std::filesystem::path&)>& save_model);

/// Restores the optimizer and the generator from checkpoint folder `dir` and returns its state. The model's
/// weights are the caller's to load.
TrainerState read_checkpoint(const std::filesystem::path& dir, torch::optim::Optimizer& optimizer);

/// Deletes the oldest complete checkpoints of `run_dir` until at most `keep` remain (HF's
/// save_total_limit); keep <= 0 keeps all.
void prune_checkpoints(const std::filesystem::path& run_dir, int keep);

/// Deletes every checkpoint-N of `run_dir` and the checkpoint-N.tmp folders of writes cut short (a fresh
/// run in a used folder).
void remove_checkpoints(const std::filesystem::path& run_dir);

}  // namespace bitswitch::train
