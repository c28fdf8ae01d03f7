// The QA server on a free loopback port for the serve tests: a tiny GPT-2 over the real vocabulary on the
// packed engine, a few questions, and what answering them directly (`bitswitch predict`'s path) gives.
#pragma once

#include <map>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include "bitswitch/eval/evaluator.h"
#include "bitswitch/model/loaded_model.h"
#include "bitswitch/serve/qa_server.h"

namespace bitswitch::testing {

data::FeatureOptions small_windows();
/// The served model: a tiny GPT-2 (seed 11) over the real vocabulary.
model::LoadedModel tiny_loaded();
text::BpeTokenizer gpt2_tokenizer();

extern const std::vector<eval::QuestionContext> kQuestions;

/// Serves on its own thread from construction until destruction.
struct Running {
    model::LoadedModel loaded;
    serve::QaService service;
    serve::QaServer server;
    int port;
    std::thread thread;
    explicit Running(serve::ServerOptions options = {}, const std::vector<std::string>& only = {});
    ~Running();
    httplib::Client client() const;
};

/// POSTs `body` to /v1/qa, expects `expected_status`, returns the parsed answer.
nlohmann::json post(const Running& r, const nlohmann::json& body, int expected_status);

/// What answering `q` directly at `precision` gives.
eval::ExamplePrediction direct(Running& r, const eval::QuestionContext& q, const std::string& precision);

/// direct() for every question of kQuestions at each of `precisions`, by (question, precision) index.
std::map<std::pair<size_t, size_t>, eval::ExamplePrediction> direct_answers(
    Running& r, const std::vector<std::string>& precisions);

void expect_same_answer(const nlohmann::json& got, const eval::ExamplePrediction& want);

}  // namespace bitswitch::testing
