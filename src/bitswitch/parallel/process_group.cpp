// c10d gloo process group set-up and the collectives training and the split analyses need.
#include "bitswitch/parallel/process_group.h"

#include <cstdlib>

#include <fmt/format.h>
#include <torch/torch.h>
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>

#include "bitswitch/core/error.h"

namespace bitswitch::parallel {
namespace {

int env_int(const char* name, int fallback) {
    const char* v = std::getenv(name);
    if (!v || !*v) return fallback;
    char* end         = nullptr;
    const long parsed = std::strtol(v, &end, 10);
    if (*end != '\0' || parsed < 0)
        throw InputError(
            fmt::format("environment variable {}=\"{}\" is not a non-negative integer", name, v));
    return int(parsed);
}

// The first line of an exception's message: c10::Error carries a C++ backtrace after it.
std::string first_line(const std::exception& e) {
    const auto* c10_error = dynamic_cast<const c10::Error*>(&e);
    std::string s         = c10_error ? c10_error->what_without_backtrace() : e.what();
    s                     = s.substr(0, s.find('\n'));
    return s.size() > 300 ? s.substr(0, 300) + "..." : s;
}

}  // namespace

DistributedEnv distributed_env_from_environment() {
    DistributedEnv e;
    e.world_size = env_int("WORLD_SIZE", 1);
    e.rank       = env_int("RANK", 0);
    e.local_rank = env_int("LOCAL_RANK", e.rank);
    if (const char* addr = std::getenv("MASTER_ADDR"); addr && *addr) e.master_addr = addr;
    e.master_port = env_int("MASTER_PORT", 29500);
    if (e.world_size < 1) throw InputError("WORLD_SIZE must be at least 1");
    if (e.rank >= e.world_size)
        throw InputError(fmt::format("RANK {} is not below WORLD_SIZE {}", e.rank, e.world_size));
    if (e.master_port < 1 || e.master_port > 65535)
        throw InputError(fmt::format("MASTER_PORT {} is not a TCP port", e.master_port));
    return e;
}

struct DataParallel::Impl {
    c10::intrusive_ptr<c10d::ProcessGroupGloo> group;
};

DataParallel::DataParallel(const DistributedEnv& env, std::chrono::seconds timeout)
    : env_(env), impl_(std::make_unique<Impl>()) {
    try {
        c10d::TCPStoreOptions store_options;
        store_options.port       = uint16_t(env.master_port);
        store_options.isServer   = env.rank == 0;
        store_options.numWorkers = size_t(env.world_size);
        // The store must not wait for the other ranks itself: gloo's rendezvous below waits for them through
        // it, and two waits in a row made a rank that never arrives fail after twice the timeout.
        store_options.waitWorkers = false;
        store_options.timeout     = timeout;
        auto store                = c10::make_intrusive<c10d::TCPStore>(env.master_addr, store_options);
        auto options              = c10d::ProcessGroupGloo::Options::create(timeout);
        options->devices.push_back(c10d::ProcessGroupGloo::createDeviceForHostname(env.master_addr));
        impl_->group = c10::make_intrusive<c10d::ProcessGroupGloo>(store, env.rank, env.world_size, options);
    } catch (const std::exception& e) {
        throw Error(fmt::format(
            "data parallel: rank {} of {} could not join the group at {}:{} within {} s: {}", env.rank,
            env.world_size, env.master_addr, env.master_port, timeout.count(), first_line(e)));
    }
}

DataParallel::~DataParallel() = default;

namespace {

template <class Fn>
void collective(const DistributedEnv& env, const char* what, Fn fn) {
    try {
        fn();
    } catch (const std::exception& e) {
        throw Error(fmt::format(
            "data parallel: {} failed on rank {} of {} (another rank died, hung past the timeout or "
            "diverged): {}",
            what, env.rank, env.world_size, first_line(e)));
    }
}

}  // namespace

void DataParallel::average_gradients(const std::vector<torch::Tensor>& params) {
    std::vector<torch::Tensor> grads;
    for (const auto& p : params) {
        if (p.grad().defined()) grads.push_back(p.grad());
    }
    if (grads.empty()) return;
    std::vector<torch::Tensor> flat;
    for (const auto& g : grads) flat.push_back(g.reshape(-1));
    std::vector<torch::Tensor> bucket{torch::cat(flat)};
    collective(env_, "gradient all-reduce", [&] { impl_->group->allreduce(bucket)->wait(); });
    bucket[0].div_(double(env_.world_size));
    torch::NoGradGuard no_grad;
    int64_t offset = 0;
    for (auto& g : grads) {
        g.copy_(bucket[0].narrow(0, offset, g.numel()).view_as(g));
        offset += g.numel();
    }
}

double DataParallel::average(double value) {
    return average(std::vector<double>{value})[0];
}

std::vector<double> DataParallel::average(const std::vector<double>& values) {
    std::vector<torch::Tensor> t{torch::tensor(values, torch::kFloat64)};
    collective(env_, "all-reduce", [&] { impl_->group->allreduce(t)->wait(); });
    t[0].div_(double(env_.world_size));
    return std::vector<double>(t[0].data_ptr<double>(), t[0].data_ptr<double>() + t[0].numel());
}

void DataParallel::broadcast(std::vector<double>& values, int root) {
    std::vector<torch::Tensor> t{torch::tensor(values, torch::kFloat64)};
    c10d::BroadcastOptions options;
    options.rootRank = root;
    collective(env_, "broadcast", [&] { impl_->group->broadcast(t, options)->wait(); });
    std::copy(t[0].data_ptr<double>(), t[0].data_ptr<double>() + t[0].numel(), values.begin());
}

void DataParallel::broadcast(std::string& bytes, int root) {
    std::vector<torch::Tensor> t{torch::empty({int64_t(bytes.size())}, torch::kUInt8)};
    std::copy(bytes.begin(), bytes.end(), t[0].data_ptr<uint8_t>());
    c10d::BroadcastOptions options;
    options.rootRank = root;
    collective(env_, "broadcast", [&] { impl_->group->broadcast(t, options)->wait(); });
    std::copy_n(t[0].data_ptr<uint8_t>(), bytes.size(), bytes.begin());
}

void DataParallel::barrier() {
    collective(env_, "barrier", [&] { impl_->group->barrier()->wait(); });
}

}  // namespace bitswitch::parallel
