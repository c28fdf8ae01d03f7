// Process groups over libtorch's c10d (gloo on CPU), the engine PyTorch's DDP uses: data-parallel training
// (train/) and analyses split across ranks (analysis/).
// Rendezvous comes from the standard variables that torchrun and Slurm-style launchers set:
//   RANK, WORLD_SIZE, LOCAL_RANK, MASTER_ADDR (default 127.0.0.1), MASTER_PORT (default 29500)
// e.g. `torchrun --no-python --nproc_per_node=2 bitswitch train ...`. Without WORLD_SIZE (or with 1) a
// command runs in one process. Rank 0 hosts the TCP store. Every collective and the rendezvous time out after
// --dist_timeout seconds with an Error naming the rank, so a dead or stuck rank does not hang the others.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include <torch/types.h>

namespace bitswitch::parallel {

struct DistributedEnv {
    int rank = 0, world_size = 1, local_rank = 0;
    std::string master_addr = "127.0.0.1";
    int master_port         = 29500;
    bool enabled() const { return world_size > 1; }
};

/// Reads the variables above; InputError naming the variable on a malformed or inconsistent value.
DistributedEnv distributed_env_from_environment();

class DataParallel {
  public:
    DataParallel(const DistributedEnv& env, std::chrono::seconds timeout);
    ~DataParallel();
    int rank() const { return env_.rank; }
    int world_size() const { return env_.world_size; }

    /// Replaces each defined gradient by its mean over the ranks, in one flat bucket per call (LoRA
    /// gradients are small). Every rank must pass the same parameters with the same defined gradients
    /// (the modes' schedules are pure functions of the step, so they do).
    void average_gradients(const std::vector<torch::Tensor>& params);
    /// Mean of a value over the ranks.
    double average(double value);
    /// Element-wise means over the ranks, in one all-reduce.
    std::vector<double> average(const std::vector<double>& values);
    void barrier();
    /// Every rank gets `root`'s values (the same count on every rank).
    void broadcast(std::vector<double>& values, int root);
    /// Every rank gets `root`'s bytes (the same length on every rank).
    void broadcast(std::string& bytes, int root);

  private:
    struct Impl;
    DistributedEnv env_;
    std::unique_ptr<Impl> impl_;
};

}  // namespace bitswitch::parallel
