// The serve tests' running server (running_server.h).
#include "serve/running_server.h"

#include <gtest/gtest.h>

#include "bitswitch/core/runtime.h"
#include "support/tiny_model.h"

namespace bitswitch::testing {
namespace {

serve::ServerOptions with_any_port(serve::ServerOptions o) {
    o.port = 0;
    return o;
}

}  // namespace

data::FeatureOptions small_windows() {
    data::FeatureOptions f;
    f.max_seq_length      = 64;
    f.doc_stride          = 16;
    f.max_question_length = 16;
    return f;
}

model::LoadedModel tiny_loaded() {
    return model::LoadedModel::wrap(tiny_model(11, real_vocab_config(64)).ptr());
}

text::BpeTokenizer gpt2_tokenizer() {
    return text::BpeTokenizer::load(core::tokenizer_dir_for(""));
}

const std::vector<eval::QuestionContext> kQuestions = {
    {"When was the tower completed?",
     "The Eiffel Tower was completed in 1889 for the World's Fair in Paris."},
    {"Who designed it?",
     "It was designed by the engineering company of Gustave Eiffel and is 330 metres tall."},
    {"What colour is the sky?", "On a clear day the sky is blue, and at sunset it turns orange and red."},
    {"How many legs does a spider have?",
     "A spider has eight legs, while an insect has six legs and three body parts."},
};

Running::Running(serve::ServerOptions options, const std::vector<std::string>& only)
    : loaded(tiny_loaded()),
      service(loaded, gpt2_tokenizer(), small_windows(), {}, quant::Engine::kPacked, only),
      server(service, with_any_port(options)),
      port(server.bind()),
      thread([this] { server.serve(); }) {}

Running::~Running() {
    server.stop();
    thread.join();
}

httplib::Client Running::client() const {
    httplib::Client c("127.0.0.1", port);
    c.set_read_timeout(60, 0);
    return c;
}

nlohmann::json post(const Running& r, const nlohmann::json& body, int expected_status) {
    auto res = r.client().Post("/v1/qa", body.dump(), "application/json");
    EXPECT_TRUE(res) << "no response";
    if (!res) return {};
    EXPECT_EQ(res->status, expected_status) << res->body;
    return nlohmann::json::parse(res->body);
}

eval::ExamplePrediction direct(Running& r, const eval::QuestionContext& q, const std::string& precision) {
    const auto config = r.loaded.config(precision);
    return eval::answer_question(r.loaded.model(), gpt2_tokenizer(), q.question, q.context, small_windows(),
                                 {}, &config);
}

std::map<std::pair<size_t, size_t>, eval::ExamplePrediction> direct_answers(
    Running& r, const std::vector<std::string>& precisions) {
    std::map<std::pair<size_t, size_t>, eval::ExamplePrediction> out;
    for (size_t q = 0; q < kQuestions.size(); ++q)
        for (size_t p = 0; p < precisions.size(); ++p) out[{q, p}] = direct(r, kQuestions[q], precisions[p]);
    return out;
}

void expect_same_answer(const nlohmann::json& got, const eval::ExamplePrediction& want) {
    EXPECT_EQ(got["answer"], want.text);
    EXPECT_EQ(got["start"], want.nbest.front().char_start);
    EXPECT_EQ(got["end"], want.nbest.front().char_end);
    EXPECT_NEAR(got["score"].get<double>(), want.nbest.front().score, 1e-3);
}

}  // namespace bitswitch::testing
