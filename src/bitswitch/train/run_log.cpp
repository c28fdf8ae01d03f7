// log.jsonl and schedule.jsonl.
#include "bitswitch/train/run_log.h"

#include <fstream>

#include <fmt/format.h>

#include "bitswitch/core/error.h"

namespace bitswitch::train {

RunLog::RunLog(std::filesystem::path run_dir, bool enabled) : dir_(std::move(run_dir)), enabled_(enabled) {}

void RunLog::start_fresh() {
    if (!enabled_) return;
    std::filesystem::remove(dir_ / "log.jsonl");
    std::filesystem::remove(dir_ / "schedule.jsonl");
}

void RunLog::append(const std::string& file, const std::string& line) {
    if (!enabled_) return;
    std::ofstream out(dir_ / file, std::ios::app);
    out << line << "\n";
    if (!out)
        throw Error(fmt::format("{}: write failed (disk full or no permission?)", (dir_ / file).string()));
}

void RunLog::log(const nlohmann::ordered_json& entry) {
    append("log.jsonl", entry.dump());
}

void RunLog::schedule(int64_t step, const StepPlan& plan, const std::vector<PassLoss>& losses) {
    nlohmann::ordered_json passes = nlohmann::ordered_json::array();
    for (size_t i = 0; i < plan.passes.size(); ++i) {
        passes.push_back({{"precision", plan.passes[i].label},
                          {"w_bits", plan.passes[i].w_bits},
                          {"loss", i < losses.size() ? losses[i].task_loss : 0.0}});
    }
    append("schedule.jsonl", nlohmann::ordered_json{{"step", step}, {"passes", passes}}.dump());
}

}  // namespace bitswitch::train
