// Runs survive anything: `bitswitch train` killed with SIGKILL at the points where dying hurts most (after a
// step, inside each stage of a checkpoint write, inside the final save; core/fault_point.h) and resumed
// each time ends with the same weights as the run nobody touched, bit for bit, and never resumes from a
// torn checkpoint. SIGTERM/SIGINT save a checkpoint after the step in progress and exit 128 + signal; a
// second signal ends the process at once. Static, switchable, random and cyclic runs; data parallel with
// the same and with a different world size.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <filesystem>
#include <map>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>
#include <torch/torch.h>
#include <nlohmann/json.hpp>

#include "bitswitch/core/io.h"
#include "bitswitch/core/json_file.h"
#include "bitswitch/data/synth.h"
#include "bitswitch/model/checkpoint.h"
#include "bitswitch/model/safetensors.h"
#include "support/paths.h"
#include "support/temp_dir.h"
#include "support/tiny_model.h"
#include "support/train_fixture.h"

namespace bitswitch::cli {
namespace {

namespace fs = std::filesystem;
using bitswitch::testing::TempDir;

// One `bitswitch train` process, started with fork/exec (not a shell, so that a test can signal the program
// itself and see whether a signal ended it).
class Child {
  public:
    Child(const std::string& args, const std::vector<std::string>& env, std::string err_path)
        : err_(std::move(err_path)) {
        std::vector<std::string> argv{bitswitch::testing::bitswitch_program().string(), "train"};
        std::istringstream words(args);
        for (std::string w; words >> w;) argv.push_back(w);
        std::vector<std::string> envp = env;
        for (char** e = environ; *e != nullptr; ++e) envp.emplace_back(*e);
        // Everything the child needs is built before fork: after it, only async-signal-safe calls.
        std::vector<char*> a, e;
        for (auto& s : argv) a.push_back(s.data());
        for (auto& s : envp) e.push_back(s.data());
        a.push_back(nullptr);
        e.push_back(nullptr);
        const int fd = ::open(err_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        pid_         = ::fork();
        if (pid_ == 0) {
            ::dup2(fd, STDERR_FILENO);
            const int null = ::open("/dev/null", O_WRONLY);
            ::dup2(null, STDOUT_FILENO);
            ::execve(a[0], a.data(), e.data());
            ::_exit(127);
        }
        ::close(fd);
    }

    void signal(int sig) const { ::kill(pid_, sig); }

    /// Waits for the process to end: its exit code, or -signal when a signal ended it.
    int wait() {
        int status = 0;
        ::waitpid(pid_, &status, 0);
        return WIFSIGNALED(status) ? -WTERMSIG(status) : WEXITSTATUS(status);
    }

    std::string err() const { return core::read_file(err_); }

    /// Waits (up to a minute) until stderr holds `text`.
    bool wait_for_err(const std::string& text) const {
        for (int i = 0; i < 600; ++i) {
            if (err().find(text) != std::string::npos) return true;
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
        }
        return false;
    }

  private:
    std::string err_;
    pid_t pid_ = -1;
};

struct KillFixture {
    TempDir dir;
    std::string args;
    int runs = 0;
    /// Dropout on by default: the generator's state must come back with the checkpoint too.
    explicit KillFixture(const std::string& lora_dropout = "0.1") {
        auto cfg              = bitswitch::testing::tiny_config();
        cfg.vocab_size        = 50257;
        cfg.n_positions       = 128;
        const auto model      = (dir.path() / "model").string();
        const std::string out = dir.write("train.json", data::synth_squad_json({40, 1, 2, 1, false, false}));
        model::save_pretrained(bitswitch::testing::tiny_model(5, cfg), model);
        args = "--model_name_or_path " + model + " --train_file " + out +
               " --max_seq_length 96 --doc_stride 32 --max_question_length 24 --lora_r 2 --lora_dropout " +
               lora_dropout + " --learning_rate 1e-2 --logging_steps 1 --seed 5 --max_steps 6 --save_steps 2";
    }
    std::string folder(const std::string& name) const { return (dir.path() / name).string(); }
    /// Runs `bitswitch train <args> <extra> --output_dir <name>` in one process with batch 4 to its end: exit
    /// code (or -signal), stderr.
    std::pair<int, std::string> train(const std::string& name, const std::string& extra,
                                      const std::vector<std::string>& env = {}) {
        Child child(args + " --per_device_train_batch_size 4 " + extra + " --output_dir " + folder(name), env,
                    folder(name) + ".err" + std::to_string(runs++));
        const int code = child.wait();
        return {code, child.err()};
    }
};

// Every tensor of every safetensors file of the final run folder (checkpoints aside), by relative path.
std::map<std::string, torch::Tensor> final_tensors(const fs::path& run) {
    std::map<std::string, torch::Tensor> all;
    for (auto it = fs::recursive_directory_iterator(run); it != fs::recursive_directory_iterator(); ++it) {
        const auto name = it->path().filename().string();
        if (it->is_directory() && name.rfind("checkpoint-", 0) == 0) {
            it.disable_recursion_pending();
            continue;
        }
        if (it->path().extension() != ".safetensors") continue;
        const model::SafetensorsReader reader(it->path());
        for (const auto& [key, entry] : reader.entries())
            all[fs::relative(it->path(), run).string() + ":" + key] = reader.tensor(key);
    }
    return all;
}

// The two finished runs hold the same tensors: bit for bit with exact = true, else to float rounding.
void expect_same_run(const std::string& a, const std::string& b, bool exact = true) {
    ASSERT_TRUE(fs::exists(fs::path(b) / "train_results.json")) << b << " did not finish";
    const auto x = final_tensors(a), y = final_tensors(b);
    ASSERT_GT(x.size(), 2u);
    ASSERT_EQ(x.size(), y.size());
    for (const auto& [key, t] : x) {
        ASSERT_TRUE(y.count(key)) << key;
        if (exact) {
            EXPECT_TRUE(torch::equal(t, y.at(key))) << key;
            continue;
        }
        // The head's bias shifts every start (end) logit alike, so the loss has no gradient for it: what it
        // gets is float noise, which Adam scales up to whole steps. Nothing to compare to rounding there.
        const std::string head_bias = "qa_outputs.bias";
        if (key.size() >= head_bias.size() &&
            key.compare(key.size() - head_bias.size(), head_bias.size(), head_bias) == 0)
            continue;
        EXPECT_TRUE(torch::allclose(t, y.at(key), 1e-4, 1e-6)) << key;
    }
    const auto ra = core::read_json_file(fs::path(a) / "train_results.json");
    const auto rb = core::read_json_file(fs::path(b) / "train_results.json");
    if (!exact) return;
    EXPECT_EQ(ra["train_loss"].get<double>(), rb["train_loss"].get<double>());
    // The logs read as if the run had never stopped: the stopped runs' lines past their checkpoints are gone.
    for (const char* file : {"log.jsonl", "schedule.jsonl"}) {
        if (!fs::exists(fs::path(a) / file)) continue;
        auto la = bitswitch::testing::read_jsonl(fs::path(a) / file);
        auto lb = bitswitch::testing::read_jsonl(fs::path(b) / file);
        for (auto* lines : {&la, &lb}) {
            for (auto& line : *lines) line.erase("elapsed");
        }
        EXPECT_EQ(la, lb) << file;
    }
}

struct Kill {
    std::string fault;   // BITSWITCH_FAULT
    int resumes_from;    // the checkpoint the run after this kill must resume from (0: none, it starts over)
    std::string leaves;  // what the kill must leave in the run folder (a torn checkpoint), or ""
};

// Trains `extra` once untouched, then once killed by each of `kills` in turn (each run resuming from the
// checkpoint the previous kill left), then once more to the end; both must end with the same weights.
void kill_and_resume(const std::string& extra, const std::vector<Kill>& kills) {
    KillFixture f;
    const auto [clean, clean_err] = f.train("clean", extra);
    ASSERT_EQ(clean, 0) << clean_err;
    const fs::path run = f.folder("killed");
    int from           = 0;
    for (size_t i = 0; i <= kills.size(); ++i) {
        const bool last        = i == kills.size();
        const std::string what = last ? "the last run" : kills[i].fault;
        const auto [code, err] =
            f.train("killed", extra + (from > 0 ? " --resume" : ""),
                    last ? std::vector<std::string>{}
                         : std::vector<std::string>{"BITSWITCH_FAULT=" + kills[i].fault});
        const std::string expected = fmt::format("checkpoint-{} (step {} of", from, from);
        EXPECT_EQ(err.find("resuming from") != std::string::npos, from > 0) << what << "\n" << err;
        if (from > 0) {
            EXPECT_NE(err.find(expected), std::string::npos) << what << "\n" << err;
        }
        if (last) {
            ASSERT_EQ(code, 0) << err;
            break;
        }
        ASSERT_EQ(code, -SIGKILL) << what << "\n" << err;
        if (!kills[i].leaves.empty()) {
            EXPECT_TRUE(fs::exists(run / kills[i].leaves)) << what;
        }
        EXPECT_FALSE(fs::exists(run / "train_results.json")) << what;
        from = kills[i].resumes_from;
    }
    expect_same_run(f.folder("clean"), run.string());
}

// Checkpoints every 2 of 6 steps: 2, 4, and the final 6.
TEST(KillResume, StaticRunKilledAtEveryStageResumesToTheSameWeights) {
    kill_and_resume("--w_bits 8", {{"step@1", 0, ""},  // before any checkpoint: the next run starts over
                                   {"step@3", 2, "checkpoint-2"},
                                   {"checkpoint.model@1", 2, "checkpoint-4.tmp"},  // torn: never loaded
                                   {"checkpoint.state@1", 2, "checkpoint-4.tmp"},
                                   {"checkpoint.rename@1", 2, "checkpoint-4.tmp"},
                                   {"step@3", 4, "checkpoint-4"},
                                   {"final.model@1", 6, "checkpoint-6"},
                                   {"model.ranges@1", 6, ""},  // the final run folder half written
                                   {"final.results@1", 6, ""}});
}

const std::vector<Kill> kKillsOfEachMode{
    {"step@3", 2, ""}, {"checkpoint.rename@1", 2, "checkpoint-4.tmp"}, {"final.model@1", 6, ""}};

TEST(KillResume, SwitchableRunResumesToTheSameWeights) {
    kill_and_resume("--mode switchable --w_bits 32 8 4", kKillsOfEachMode);
}

TEST(KillResume, RandomPrecisionRunResumesToTheSameWeights) {
    kill_and_resume("--mode random --random_granularity layer --w_bits 32 8 4", kKillsOfEachMode);
}

TEST(KillResume, CyclicRunResumesToTheSameWeights) {
    kill_and_resume(
        "--mode cyclic --w_bits 32 8 4 --num_bit_min 4 --num_bit_max 32 --num_cyclic_period 2 "
        "--cyclic_schedule cosine --cyclic_adapter nearest",
        kKillsOfEachMode);
}

// The first SIGTERM lets the step in progress finish, saves its checkpoint and exits 128 + 15.
TEST(KillResume, SigtermSavesTheStepsCheckpointAndTheRunResumesToTheSameWeights) {
    KillFixture f;
    ASSERT_EQ(f.train("clean", "--w_bits 8").first, 0);
    const fs::path run = f.folder("stopped");
    Child child(f.args + " --per_device_train_batch_size 4 --w_bits 8 --output_dir " + run.string(),
                {"BITSWITCH_FAULT=step@3:stall"}, run.string() + ".err");
    ASSERT_TRUE(child.wait_for_err("fault point step: stalling")) << child.err();
    child.signal(SIGTERM);
    EXPECT_EQ(child.wait(), 128 + SIGTERM) << child.err();
    EXPECT_NE(child.err().find("SIGTERM after step 3 of 6"), std::string::npos) << child.err();
    EXPECT_TRUE(fs::exists(run / "checkpoint-3" / "trainer_state.json"));
    const auto [code, err] = f.train("stopped", "--w_bits 8 --resume");
    ASSERT_EQ(code, 0) << err;
    EXPECT_NE(err.find("checkpoint-3 (step 3 of"), std::string::npos) << err;
    expect_same_run(f.folder("clean"), run.string());
}

// A second SIGINT while the first one's checkpoint is being written ends the process at once; the torn
// checkpoint is not taken by --resume.
TEST(KillResume, ASecondSigintEndsTheRunAtOnceAndItsTornCheckpointIsSkipped) {
    KillFixture f;
    ASSERT_EQ(f.train("clean", "--w_bits 8").first, 0);
    const fs::path run = f.folder("stopped");
    // checkpoint.model's first arrival is checkpoint-2's; the second is the one SIGINT asks for.
    Child child(f.args + " --per_device_train_batch_size 4 --w_bits 8 --output_dir " + run.string(),
                {"BITSWITCH_FAULT=step@3:stall,checkpoint.model@2:stall"}, run.string() + ".err");
    ASSERT_TRUE(child.wait_for_err("fault point step: stalling")) << child.err();
    child.signal(SIGINT);
    ASSERT_TRUE(child.wait_for_err("fault point checkpoint.model: stalling")) << child.err();
    child.signal(SIGINT);
    EXPECT_EQ(child.wait(), -SIGINT) << child.err();
    EXPECT_TRUE(fs::exists(run / "checkpoint-3.tmp"));
    EXPECT_FALSE(fs::exists(run / "checkpoint-3"));
    const auto [code, err] = f.train("stopped", "--w_bits 8 --resume");
    ASSERT_EQ(code, 0) << err;
    EXPECT_NE(err.find("checkpoint-2 (step 2 of"), std::string::npos) << err;
    expect_same_run(f.folder("clean"), run.string());
}

// A port per test process, so parallel test runs do not collide (distributed_cli_test.cpp's scheme, other
// offsets).
std::vector<std::string> rank_env(int rank, int port_offset) {
    return {"MASTER_ADDR=127.0.0.1", "WORLD_SIZE=2", "RANK=" + std::to_string(rank),
            "MASTER_PORT=" + std::to_string(20000 + int(getpid() % 20000) + port_offset)};
}

// Two ranks with batch 2 each into `name`, `env0` added to rank 0's environment: each rank's exit code.
std::pair<int, int> train_two_ranks(KillFixture& f, const std::string& name, const std::string& extra,
                                    int port_offset, const std::vector<std::string>& env0 = {}) {
    const std::string args = f.args + " --per_device_train_batch_size 2 --dist_timeout 20 " + extra +
                             " --output_dir " + f.folder(name);
    auto e0 = rank_env(0, port_offset);
    e0.insert(e0.end(), env0.begin(), env0.end());
    Child r0(args, e0, f.folder(name) + ".err0." + std::to_string(f.runs));
    Child r1(args, rank_env(1, port_offset), f.folder(name) + ".err1." + std::to_string(f.runs++));
    const int c1 = r1.wait(), c0 = r0.wait();
    if (c0 != 0 || c1 != 0)
        std::fprintf(stderr, "rank 0:\n%s\nrank 1:\n%s\n", r0.err().c_str(), r1.err().c_str());
    return {c0, c1};
}

// SIGTERM reaches one rank only: the ranks agree on it with the step's losses, stop after the same step,
// and rank 0 saves that step's checkpoint; both exit 128 + 15. Rank 0 is killed next, and the run resumed
// on the same two ranks ends with the untouched run's weights bit for bit (a two-rank average is the same
// sum in either order).
TEST(KillResume, DataParallelRunStopsTogetherOnOneRanksSignalAndResumesOnTwoRanks) {
    KillFixture f;
    ASSERT_EQ(train_two_ranks(f, "clean", "--w_bits 8", 40), std::make_pair(0, 0));
    const auto args = f.args + " --per_device_train_batch_size 2 --dist_timeout 20 --w_bits 8 --output_dir " +
                      f.folder("stopped");
    auto e0 = rank_env(0, 41);
    e0.push_back("BITSWITCH_FAULT=step@2:stall");
    Child r0(args, e0, f.folder("stopped") + ".err0");
    Child r1(args, rank_env(1, 41), f.folder("stopped") + ".err1");
    ASSERT_TRUE(r0.wait_for_err("fault point step: stalling")) << r0.err();
    r0.signal(SIGTERM);
    EXPECT_EQ(r0.wait(), 128 + SIGTERM) << r0.err();
    EXPECT_EQ(r1.wait(), 128 + SIGTERM) << r1.err();
    EXPECT_NE(r1.err().find("SIGTERM after step 3 of 6"), std::string::npos) << r1.err();
    EXPECT_TRUE(fs::exists(fs::path(f.folder("stopped")) / "checkpoint-3" / "trainer_state.json"));
    // Killed before checkpoint-4 is written: the rank left alive gives up within --dist_timeout.
    const auto [k0, k1] =
        train_two_ranks(f, "stopped", "--w_bits 8 --resume", 42, {"BITSWITCH_FAULT=step@1"});
    EXPECT_EQ(k0, -SIGKILL);
    EXPECT_NE(k1, 0);
    EXPECT_EQ(train_two_ranks(f, "stopped", "--w_bits 8 --resume", 43), std::make_pair(0, 0));
    expect_same_run(f.folder("clean"), f.folder("stopped"));
}

// Resumed on one process with the doubled batch, the run sees the same global batches, so it ends with the
// two-rank run's weights up to float rounding (the average sums the gradients in another order). Without
// dropout: each rank draws its half's masks from its own generator, which one process cannot repeat.
TEST(KillResume, DataParallelRunResumesOnADifferentWorldSize) {
    KillFixture f("0");
    ASSERT_EQ(train_two_ranks(f, "clean", "--w_bits 8", 44), std::make_pair(0, 0));
    const auto [k0, k1] = train_two_ranks(f, "killed", "--w_bits 8", 45, {"BITSWITCH_FAULT=step@3"});
    EXPECT_EQ(k0, -SIGKILL);
    EXPECT_NE(k1, 0);
    const auto [code, err] = f.train("killed", "--w_bits 8 --resume");  // one process, batch 4
    ASSERT_EQ(code, 0) << err;
    EXPECT_NE(err.find("checkpoint-2 (step 2 of"), std::string::npos) << err;
    expect_same_run(f.folder("clean"), f.folder("killed"), false);
}

// A disk that fills up while checkpoint-4 is written (every file limited to 4 KiB from then on, as
// RLIMIT_FSIZE does; optimizer.pt is larger): the run stops with one line naming the file and the intact
// checkpoint, leaves no partial checkpoint-4, and resumes to the untouched run's weights once there is room.
TEST(KillResume, AFullDiskDuringACheckpointIsAClearErrorAndTheRunResumes) {
    KillFixture f;
    ASSERT_EQ(f.train("clean", "--w_bits 8").first, 0);
    const fs::path run     = f.folder("full");
    const auto [code, err] = f.train("full", "--w_bits 8", {"BITSWITCH_FAULT=checkpoint.model@2:fsize=4096"});
    EXPECT_EQ(code, 1) << err;
    EXPECT_NE(err.find("error: checkpoint-4 could not be written: " + (run / "checkpoint-4.tmp").string() +
                       "/optimizer.pt: write failed (File too large)"),
              std::string::npos)
        << err;
    EXPECT_NE(
        err.find((run / "checkpoint-2").string() + " is intact: free space, then continue with --resume"),
        std::string::npos)
        << err;
    EXPECT_FALSE(fs::exists(run / "checkpoint-4.tmp"));
    EXPECT_FALSE(fs::exists(run / "checkpoint-4"));
    EXPECT_TRUE(fs::exists(run / "checkpoint-2" / "trainer_state.json"));
    const auto [resumed, resumed_err] = f.train("full", "--w_bits 8 --resume");
    ASSERT_EQ(resumed, 0) << resumed_err;
    expect_same_run(f.folder("clean"), run.string());
}

TEST(KillResume, AnOutputFolderThatCannotBeCreatedIsAnInputError) {
    KillFixture f;
    Child child(f.args + " --per_device_train_batch_size 4 --output_dir /proc/bitswitch-run", {},
                f.folder("proc.err"));
    EXPECT_EQ(child.wait(), 2) << child.err();
    EXPECT_NE(child.err().find("error: --output_dir /proc/bitswitch-run: cannot create it ("),
              std::string::npos)
        << child.err();
}

}  // namespace
}  // namespace bitswitch::cli
