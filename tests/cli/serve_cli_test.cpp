// bitswitch serve as a process: it prints the port it listens on, answers as `bitswitch predict` does on
// the same inputs and precision, and on SIGTERM answers the request in flight before it exits 0.
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <regex>
#include <thread>

#include <gtest/gtest.h>
#include <httplib.h>

#include <nlohmann/json.hpp>

#include "bitswitch/core/io.h"
#include "bitswitch/model/checkpoint.h"
#include "support/paths.h"
#include "support/program.h"
#include "support/temp_dir.h"
#include "support/tiny_model.h"

extern char** environ;

namespace bitswitch::cli {
namespace {

using bitswitch::testing::TempDir;

const std::string kWindows = " --max_seq_length 64 --doc_stride 16 --max_question_length 16";

// `bitswitch serve` on a free port, its stderr in a file; the port once it says it listens.
struct ServeProcess {
    pid_t pid = -1;
    int port  = 0;
    std::filesystem::path err;
    ServeProcess(const std::string& model, const std::filesystem::path& dir, const std::string& extra) {
        err                           = dir / "serve.err";
        std::vector<std::string> args = {
            bitswitch::testing::bitswitch_program().string(), "serve", "--model", model, "--port", "0"};
        std::istringstream words(kWindows + " " + extra);
        for (std::string w; words >> w;) args.push_back(w);
        std::vector<char*> argv;
        for (auto& a : args) argv.push_back(a.data());
        argv.push_back(nullptr);
        posix_spawn_file_actions_t actions;
        posix_spawn_file_actions_init(&actions);
        posix_spawn_file_actions_addopen(&actions, 2, err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
        posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), environ);
        posix_spawn_file_actions_destroy(&actions);
        const std::regex listening("listening on http://127.0.0.1:([0-9]+)");
        for (int i = 0; i < 600 && port == 0; ++i) {  // up to a minute to load
            std::smatch m;
            const std::string text = std::filesystem::exists(err) ? core::read_file(err) : "";
            if (std::regex_search(text, m, listening)) port = std::stoi(m[1]);
            if (port == 0) std::this_thread::sleep_for(std::chrono::milliseconds(100));
        }
    }
    /// SIGTERM, then the exit code.
    int terminate() {
        kill(pid, SIGTERM);
        int status = 0;
        waitpid(pid, &status, 0);
        pid = -1;
        return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    }
    ~ServeProcess() {
        if (pid > 0) terminate();
    }
};

struct ServeFixture {
    TempDir dir;
    std::string model;
    ServeFixture() {
        model = (dir.path() / "model").string();
        model::save_pretrained(bitswitch::testing::tiny_model(12, bitswitch::testing::real_vocab_config(64)),
                               model);
    }
};

TEST(ServeCli, AnswersAsPredictDoesAndFinishesTheRequestInFlightOnSigterm) {
    ServeFixture f;
    // A long batching wait keeps the request in the server when SIGTERM arrives; shutdown answers it at once.
    ServeProcess server(f.model, f.dir.path(), "--max_wait_us 3000000 --max_batch 64");
    ASSERT_GT(server.port, 0) << core::read_file(server.err);
    const std::string question = "Who designed the tower?";
    const std::string context  = "The tower was designed by Gustave Eiffel and completed in 1889.";
    const auto predict         = bitswitch::testing::run_bitswitch("predict --model " + f.model + kWindows +
                                                                   " --engine packed --precision w8a8 --question '" +
                                                                   question + "' --context '" + context + "'");
    ASSERT_EQ(predict.exit_code, 0) << predict.err;
    const auto want = nlohmann::json::parse(predict.out);

    int status = 0;
    std::string reply, client_error;
    std::thread client([&] {
        httplib::Client c("127.0.0.1", server.port);
        c.set_read_timeout(30, 0);
        const nlohmann::json body{{"question", question}, {"context", context}, {"precision", "w8a8"}};
        const auto result = c.Post("/v1/qa", body.dump(), "application/json");
        if (!result) {
            client_error = httplib::to_string(result.error());
            return;
        }
        status = result->status;
        reply  = result->body;
    });
    std::this_thread::sleep_for(std::chrono::milliseconds(300));  // the request is waiting for a batch
    const auto started = std::chrono::steady_clock::now();
    EXPECT_EQ(server.terminate(), 0) << core::read_file(server.err);
    client.join();
    EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(2));  // not the 3 s wait
    ASSERT_EQ(status, 200) << reply << client_error;
    const auto got = nlohmann::json::parse(reply);
    EXPECT_EQ(got["answer"], want["answer"]);
    EXPECT_EQ(got["start"], want["start"]);
    EXPECT_EQ(got["end"], want["end"]);
    EXPECT_NEAR(got["score"].get<double>(), want["score"].get<double>(), 1e-4);
    const std::string log = core::read_file(server.err);
    EXPECT_NE(log.find("SIGTERM, finishing the requests in flight"), std::string::npos) << log;
    EXPECT_NE(log.find("bitswitch serve: stopped"), std::string::npos) << log;
}

// A deployment file (export --format bitswitch) answers in predict and serve exactly as the folder it came
// from does on the packed engine, its first config the default, nothing but the file needed.
TEST(ServeCli, ADeploymentFileAnswersAsItsRunFolder) {
    ServeFixture f;
    const std::string file = (f.dir.path() / "model.bitswitch").string();
    const auto exported = bitswitch::testing::run_bitswitch("export --format bitswitch --model " + f.model +
                                                            " --precision w4a8 --precision w8a8 -o " + file);
    ASSERT_EQ(exported.exit_code, 0) << exported.err;
    const auto summary = nlohmann::json::parse(exported.out);
    EXPECT_EQ(summary["format"], "bitswitch");
    EXPECT_EQ(summary["configs"], nlohmann::json::array({"w4a8", "w8a8"}));
    const std::string ask =
        " --question 'Who designed the tower?' --context 'The tower was designed by "
        "Gustave Eiffel and completed in 1889.'";
    for (const std::string precision : {"w4a8", "w8a8"}) {
        const auto from_run = bitswitch::testing::run_bitswitch(
            "predict --model " + f.model + kWindows + " --engine packed --precision " + precision + ask);
        const auto from_file =
            bitswitch::testing::run_bitswitch("predict --model " + file + kWindows +
                                              (precision == "w4a8" ? "" : " --precision " + precision) + ask);
        ASSERT_EQ(from_run.exit_code, 0) << from_run.err;
        ASSERT_EQ(from_file.exit_code, 0) << from_file.err;
        EXPECT_EQ(nlohmann::json::parse(from_file.out), nlohmann::json::parse(from_run.out)) << precision;
    }
    ServeProcess server(file, f.dir.path(), "");
    ASSERT_GT(server.port, 0) << core::read_file(server.err);
    httplib::Client c("127.0.0.1", server.port);
    const nlohmann::json body{{"question", "Who designed the tower?"},
                              {"context", "The tower was designed by Gustave Eiffel and completed in 1889."},
                              {"precision", "w8a8"}};
    const auto result = c.Post("/v1/qa", body.dump(), "application/json");
    ASSERT_TRUE(result);
    ASSERT_EQ(result->status, 200) << result->body;
    const auto want = nlohmann::json::parse(
        bitswitch::testing::run_bitswitch("predict --model " + file + kWindows + " --precision w8a8" + ask)
            .out);
    const auto got = nlohmann::json::parse(result->body);
    EXPECT_EQ(got["answer"], want["answer"]);
    EXPECT_EQ(got["start"], want["start"]);
    EXPECT_NEAR(got["score"].get<double>(), want["score"].get<double>(), 1e-4);
    // GGUF holds one config.
    const auto two_gguf = bitswitch::testing::run_bitswitch(
        "export --model " + f.model + " --precision w4a8 --precision w8a8 -o " + file + ".gguf");
    EXPECT_EQ(two_gguf.exit_code, 2);
    EXPECT_NE(two_gguf.err.find("--format gguf writes one precision config, 2 given"), std::string::npos)
        << two_gguf.err;
}

TEST(ServeCli, APortInUseIsAOneLineError) {
    ServeFixture f;
    ServeProcess first(f.model, f.dir.path(), "");
    ASSERT_GT(first.port, 0);
    const auto second = bitswitch::testing::run_bitswitch("serve --model " + f.model + " --port " +
                                                          std::to_string(first.port));
    EXPECT_NE(second.exit_code, 0);
    EXPECT_NE(second.err.find("cannot listen on 127.0.0.1:" + std::to_string(first.port)), std::string::npos)
        << second.err;
}

}  // namespace
}  // namespace bitswitch::cli
