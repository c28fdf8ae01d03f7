// log.jsonl and schedule.jsonl.
#include "bitswitch/train/run_log.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

#include "bitswitch/core/error.h"
#include "bitswitch/core/io.h"

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
    errno = 0;
    out << line << "\n";
    out.flush();
    if (!out) {
        throw Error(fmt::format("{}: write failed ({})", (dir_ / file).string(),
                                errno != 0 ? std::strerror(errno) : "disk full or no permission?"));
    }
}

// The lines are rewritten through a temporary file: a kill during the rewrite leaves the old log whole.
void RunLog::drop_after(int64_t step, bool evaluations_at_step) {
    if (!enabled_) return;
    for (const char* file : {"log.jsonl", "schedule.jsonl"}) {
        const auto path = dir_ / file;
        if (!std::filesystem::exists(path)) continue;
        std::istringstream lines(core::read_file(path));
        std::string kept;
        for (std::string line; std::getline(lines, line);) {
            const auto entry = nlohmann::json::parse(line, nullptr, false);
            if (entry.is_discarded()) continue;  // a line cut short by a kill
            const int64_t at =
                entry.contains("step") && entry["step"].is_number() ? entry["step"].get<int64_t>() : -1;
            if (at > step || (at == step && evaluations_at_step && entry.contains("eval_f1"))) continue;
            kept += line + "\n";
        }
        core::write_file_atomic(path, kept);
    }
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
