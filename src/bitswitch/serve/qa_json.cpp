// POST /v1/qa's JSON (qa_json.h).
#include "bitswitch/serve/qa_json.h"

#include <fmt/format.h>

#include "bitswitch/eval/qa_eval.h"

namespace bitswitch::serve {
namespace {

nlohmann::ordered_json candidate_json(const eval::Candidate& c) {
    return {{"text", c.text},
            {"score", c.score},
            {"probability", c.probability},
            {"start", c.char_start},
            {"end", c.char_end}};
}

}  // namespace

nlohmann::ordered_json reply_json(const eval::ExamplePrediction& p, const std::string& precision,
                                  double latency_ms, int n_best) {
    auto j          = eval::answer_json(p);
    j["precision"]  = precision;
    j["latency_ms"] = latency_ms;
    if (n_best > 1) {
        auto list = nlohmann::ordered_json::array();
        for (const auto& c : p.nbest) list.push_back(candidate_json(c));
        j["n_best"] = list;
    }
    return j;
}

}  // namespace bitswitch::serve
