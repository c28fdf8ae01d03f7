// The QA server in process on a loopback port: every route, each bad request's status code, answers equal to
// answering the question directly (what `bitswitch predict` runs), and a bounded load of 200 concurrent
// clients at three precisions with no errors and the same answers.
#include <atomic>
#include <thread>

#include <gtest/gtest.h>
#include <httplib.h>

#include "serve/running_server.h"

namespace bitswitch::serve {
namespace {

using testing::direct;
using testing::expect_same_answer;
using testing::gpt2_tokenizer;
using testing::kQuestions;
using testing::post;
using testing::Running;
using testing::small_windows;
using testing::tiny_loaded;

TEST(QaServer, AnswersEqualAnsweringDirectlyAtEachPrecision) {
    Running r;
    for (const std::string precision : {"fp", "w8a8", "w4a8"}) {
        const auto got = post(r,
                              {{"question", kQuestions[0].question},
                               {"context", kQuestions[0].context},
                               {"precision", precision}},
                              200);
        expect_same_answer(got, direct(r, kQuestions[0], precision));
        EXPECT_EQ(got["precision"], precision);
        EXPECT_GT(got["latency_ms"].get<double>(), 0.0);
    }
}

TEST(QaServer, BatchFormAnswersEveryQuestionInOrderWithNBest) {
    Running r;
    nlohmann::json list = nlohmann::json::array();
    for (const auto& q : kQuestions)
        list.push_back(
            {{"question", q.question}, {"context", q.context}, {"precision", "w8a8"}, {"n_best", 3}});
    const auto got = post(r, {{"questions", list}}, 200);
    ASSERT_EQ(got["answers"].size(), kQuestions.size());
    for (size_t i = 0; i < kQuestions.size(); ++i) {
        expect_same_answer(got["answers"][i], direct(r, kQuestions[i], "w8a8"));
        EXPECT_EQ(got["answers"][i]["n_best"].size(), 3u);
    }
}

TEST(QaServer, HealthModelsMetricsAndThePage) {
    Running r;
    auto c      = r.client();
    auto health = c.Get("/health");
    ASSERT_TRUE(health);
    EXPECT_EQ(health->status, 200);
    EXPECT_EQ(nlohmann::json::parse(health->body)["status"], "ok");
    post(r, {{"question", "Who?"}, {"context", "Ada wrote it."}, {"precision", "w4a8"}}, 200);
    const auto models = nlohmann::json::parse(c.Get("/v1/models")->body);
    EXPECT_EQ(models["engine"], "packed");
    EXPECT_EQ(models["default_precision"], "fp");
    bool listed = false;
    for (const auto& config : models["configs"]) listed |= config["precision"] == "w4a8";
    EXPECT_TRUE(listed) << models.dump();
    const auto metrics = c.Get("/metrics");
    ASSERT_TRUE(metrics);
    EXPECT_NE(metrics->body.find("bitswitch_requests_total{precision=\"w4a8\",status=\"200\"} 1"),
              std::string::npos)
        << metrics->body;
    EXPECT_NE(metrics->body.find("bitswitch_request_seconds_count{precision=\"w4a8\"} 1"), std::string::npos);
    const auto page = c.Get("/");
    ASSERT_TRUE(page);
    EXPECT_EQ(page->status, 200);
    EXPECT_NE(page->body.find("<title>bitswitch QA</title>"), std::string::npos);
}

TEST(QaServer, EachBadRequestGetsItsStatusAndAMessage) {
    ServerOptions options;
    options.max_body_bytes = 2000;
    Running r(options);
    const auto error_of = [&](const std::string& body, int status) {
        auto res = r.client().Post("/v1/qa", body, "application/json");
        EXPECT_TRUE(res);
        if (!res) return std::string();
        EXPECT_EQ(res->status, status) << body << " -> " << res->body;
        return status == 413 ? std::string() : nlohmann::json::parse(res->body)["error"].get<std::string>();
    };
    EXPECT_NE(error_of("{not json", 400).find("not valid JSON"), std::string::npos);
    // A number beyond a double is nlohmann's out_of_range, not a parse_error (found by fuzzing).
    EXPECT_NE(error_of(R"({"question": "q", "context": "c", "n_best": 1e400})", 400).find("not valid JSON"),
              std::string::npos);
    EXPECT_NE(error_of(R"({"question": "q", "context": "c", "precison": "8"})", 400)
                  .find("unknown field \"precison\""),
              std::string::npos);
    EXPECT_NE(error_of(R"({"question": "q"})", 400).find("missing \"context\""), std::string::npos);
    EXPECT_NE(error_of(R"({"question": 3, "context": "c"})", 400).find("\"question\" must be a string"),
              std::string::npos);
    EXPECT_NE(error_of(R"({"question": "q", "context": "c", "precision": "w9z"})", 400).find("precision"),
              std::string::npos);
    EXPECT_NE(error_of(R"({"question": "q", "context": "c", "n_best": 0})", 400).find("n_best"),
              std::string::npos);
    EXPECT_NE(error_of(R"({"questions": []})", 400).find("questions"), std::string::npos);
    error_of(R"({"question": "q", "context": ")" + std::string(3000, 'x') + "\"}", 413);
    // The server still answers afterwards.
    post(r, {{"question", "Who?"}, {"context", "Ada wrote it."}}, 200);
}

TEST(QaServer, AFullQueueAnswers503WithRetryAfter) {
    ServerOptions options;
    options.batcher.max_queue = 0;  // every request finds the queue full
    Running r(options);
    auto res =
        r.client().Post("/v1/qa", R"({"question": "Who?", "context": "Ada wrote it."})", "application/json");
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 503);
    EXPECT_EQ(res->get_header_value("Retry-After"), "1");
}

// 200 clients at once, at three precisions: no errors, every answer as when asked alone, and the batcher
// ran fewer forwards than requests.
TEST(QaServer, TwoHundredConcurrentClientsGetTheirOwnAnswers) {
    Running r;
    const std::vector<std::string> precisions = {"fp", "w8a8", "w4a8"};
    auto expected                             = testing::direct_answers(r, precisions);
    constexpr int kClients                    = 200;
    std::vector<nlohmann::json> answers(kClients);
    std::vector<int> statuses(kClients, 0);
    std::vector<std::thread> clients;
    for (int i = 0; i < kClients; ++i) {
        clients.emplace_back([&, i] {
            const auto& q = kQuestions[size_t(i) % kQuestions.size()];
            const nlohmann::json body{{"question", q.question},
                                      {"context", q.context},
                                      {"precision", precisions[size_t(i) % precisions.size()]}};
            auto res = r.client().Post("/v1/qa", body.dump(), "application/json");
            if (!res) {
                answers[size_t(i)] = {{"client error", httplib::to_string(res.error())}};
                return;
            }
            statuses[size_t(i)] = res->status;
            answers[size_t(i)]  = nlohmann::json::parse(res->body);
        });
    }
    for (auto& t : clients) t.join();
    for (int i = 0; i < kClients; ++i) {
        ASSERT_EQ(statuses[size_t(i)], 200) << "client " << i << ": " << answers[size_t(i)].dump();
        expect_same_answer(answers[size_t(i)],
                           expected[{size_t(i) % kQuestions.size(), size_t(i) % precisions.size()}]);
    }
    const std::string metrics = r.server.metrics().prometheus_text();
    uint64_t batches          = 0;
    for (const auto& p : precisions) {
        const std::string key = "bitswitch_batches_total{precision=\"" + p + "\"} ";
        const auto at         = metrics.find(key);
        ASSERT_NE(at, std::string::npos) << metrics;
        batches += std::stoull(metrics.substr(at + key.size()));
    }
    EXPECT_LT(batches, uint64_t(kClients)) << metrics;
}

// --only: the model keeps the packed weights of the configs served and nothing else; those answer as
// before, anything else is a 400 saying what is loaded.
TEST(QaServer, ServingOnlySomeLevelsFreesTheRestAndSaysWhatIsLoaded) {
    Running r({}, {"w4a8", "w8a8"});
    for (auto& [name, layer] : r.loaded.model().linear_layers()) EXPECT_EQ(layer->weight.numel(), 0) << name;
    const auto models = nlohmann::json::parse(r.client().Get("/v1/models")->body);
    EXPECT_EQ(models["default_precision"], "w4a8");
    EXPECT_GT(models["resident_bytes"].get<int64_t>(), 0);
    auto fresh = tiny_loaded();  // the same weights, float kept: what the served levels must still give
    fresh.model().eval();
    fresh.model().set_engine(quant::Engine::kPacked);
    const auto w8   = fresh.config("w8a8");
    const auto want = eval::answer_question(fresh.model(), gpt2_tokenizer(), kQuestions[1].question,
                                            kQuestions[1].context, small_windows(), {}, &w8);
    expect_same_answer(
        post(
            r,
            {{"question", kQuestions[1].question}, {"context", kQuestions[1].context}, {"precision", "w8a8"}},
            200),
        want);
    const auto refused =
        post(r, {{"question", "Who?"}, {"context", "Ada wrote it."}, {"precision", "fp"}}, 400);
    EXPECT_NE(refused["error"].get<std::string>().find("loaded: w4, w8"), std::string::npos)
        << refused.dump();
}

}  // namespace
}  // namespace bitswitch::serve
