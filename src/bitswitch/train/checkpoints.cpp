// Atomic checkpoint folders.
#include "bitswitch/train/checkpoints.h"

#include <algorithm>
#include <regex>
#include <vector>

#include <fmt/format.h>
#include <torch/torch.h>
#include <nlohmann/json.hpp>

#include "bitswitch/core/error.h"
#include "bitswitch/core/fault_point.h"
#include "bitswitch/core/io.h"
#include "bitswitch/core/json_file.h"
#include "bitswitch/model/safetensors.h"

namespace bitswitch::train {

namespace fs = std::filesystem;

namespace {

// The complete checkpoints of `dir`, oldest first.
std::vector<std::pair<int64_t, fs::path>> complete_checkpoints(const fs::path& dir) {
    std::vector<std::pair<int64_t, fs::path>> out;
    if (!fs::is_directory(dir)) return out;
    static const std::regex name(R"(checkpoint-(\d+))");
    for (const auto& e : fs::directory_iterator(dir)) {
        std::smatch m;
        const std::string n = e.path().filename().string();
        if (!e.is_directory() || !std::regex_match(n, m, name) ||
            !fs::exists(e.path() / "trainer_state.json"))
            continue;
        out.emplace_back(std::stoll(m[1]), e.path());
    }
    std::sort(out.begin(), out.end());
    return out;
}

// The files of one checkpoint; trainer_state.json last, since its presence marks the folder complete.
void write_checkpoint_files(const fs::path& tmp, const TrainerState& state,
                            torch::optim::Optimizer& optimizer,
                            const std::function<void(const fs::path&)>& save_model) {
    save_model(tmp);
    core::fault_point("checkpoint.model");
    core::write_file_atomic_with(tmp / "optimizer.pt",
                                 [&](std::ostream& out) { torch::save(optimizer, out); });
    auto gen = at::detail::getDefaultCPUGenerator();
    torch::Tensor rng_state;
    {
        std::lock_guard<std::mutex> lock(gen.mutex());
        rng_state = gen.get_state();
    }
    model::save_safetensors(tmp / "rng_state.safetensors", {{"cpu_generator", rng_state}});
    core::fault_point("checkpoint.state");
    core::write_file_atomic(tmp / "trainer_state.json",
                            nlohmann::ordered_json{{"global_step", state.global_step},
                                                   {"loss", state.loss},
                                                   {"loss_sum", state.loss_sum},
                                                   {"cyclic_min_bits", state.cyclic_min_bits}}
                                    .dump(2) +
                                "\n");
}

// trainer_state.json goes first: a deletion cut short leaves a folder that is no longer taken for a
// checkpoint, never one that looks complete without its optimizer or weights.
void remove_checkpoint(const fs::path& dir) {
    fs::remove(dir / "trainer_state.json");
    fs::remove_all(dir);
}

}  // namespace

std::optional<std::pair<int64_t, fs::path>> newest_checkpoint(const fs::path& dir) {
    const auto all = complete_checkpoints(dir);
    if (all.empty()) return std::nullopt;
    return all.back();
}

void prune_checkpoints(const fs::path& run_dir, int keep) {
    if (keep <= 0) return;
    const auto all = complete_checkpoints(run_dir);
    for (size_t i = 0; i + size_t(keep) < all.size(); ++i) remove_checkpoint(all[i].second);
}

void write_checkpoint(const fs::path& run_dir, const TrainerState& state, torch::optim::Optimizer& optimizer,
                      const std::function<void(const fs::path&)>& save_model) {
    const fs::path final_dir = run_dir / fmt::format("checkpoint-{}", state.global_step);
    const fs::path tmp       = run_dir / fmt::format("checkpoint-{}.tmp", state.global_step);
    fs::remove_all(tmp);
    try {
        fs::create_directories(tmp);
        write_checkpoint_files(tmp, state, optimizer, save_model);
    } catch (const std::exception& e) {  // a full disk: the partial folder goes, the older ones stay
        std::error_code ignored;
        fs::remove_all(tmp, ignored);
        const auto last        = newest_checkpoint(run_dir);
        const std::string what = e.what();  // libtorch's errors carry a backtrace after their first line
        throw Error(fmt::format(
            "checkpoint-{} could not be written: {}. {}", state.global_step, what.substr(0, what.find('\n')),
            last ? fmt::format("{} is intact: free space, then continue with --resume", last->second.string())
                 : std::string("No checkpoint was written before it")));
    }
    core::fault_point("checkpoint.rename");
    remove_checkpoint(final_dir);
    fs::rename(tmp, final_dir);
}

TrainerState read_checkpoint(const fs::path& dir, torch::optim::Optimizer& optimizer) {
    torch::load(optimizer, (dir / "optimizer.pt").string());
    const model::SafetensorsReader rng(dir / "rng_state.safetensors");
    {
        auto gen = at::detail::getDefaultCPUGenerator();
        std::lock_guard<std::mutex> lock(gen.mutex());
        gen.set_state(rng.tensor("cpu_generator"));
    }
    const auto file = dir / "trainer_state.json";
    const auto j    = core::read_json_file(file);
    try {
        TrainerState s;
        s.global_step     = j.at("global_step").get<int64_t>();
        s.loss            = j.value("loss", 0.0);
        s.loss_sum        = j.value("loss_sum", 0.0);
        s.cyclic_min_bits = j.value("cyclic_min_bits", 0);
        return s;
    } catch (const nlohmann::json::exception& e) {
        throw InputError(fmt::format("{}: needs a number \"global_step\" ({})", file.string(), e.what()));
    }
}

void remove_checkpoints(const fs::path& run_dir) {
    for (auto old = newest_checkpoint(run_dir); old; old = newest_checkpoint(run_dir))
        remove_checkpoint(old->second);
    // Folders of checkpoints whose writing was cut short: never loaded, but no use either.
    static const std::regex torn(R"(checkpoint-\d+\.tmp)");
    if (!fs::is_directory(run_dir)) return;
    std::vector<fs::path> leftovers;
    for (const auto& e : fs::directory_iterator(run_dir)) {
        if (e.is_directory() && std::regex_match(e.path().filename().string(), torn))
            leftovers.push_back(e.path());
    }
    for (const auto& p : leftovers) fs::remove_all(p);
}

}  // namespace bitswitch::train
