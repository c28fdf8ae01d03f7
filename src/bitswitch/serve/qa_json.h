// The JSON of POST /v1/qa, parsed strictly (a client's typo is a 400 naming the field, never ignored):
//   one question:  {"question": str, "context": str, "precision"?: str, "n_best"?: int}
//   a batch:       {"questions": [<one question>, ...]}
// and the answers: {"answer", "score", "probability", "start", "end", "precision", "latency_ms"
//   [, "n_best": [{"text", "score", "probability", "start", "end"}, ...] when n_best > 1]},
// or for a batch {"answers": [...]}.
#pragma once

#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "bitswitch/serve/qa_service.h"

namespace bitswitch::serve {

/// A malformed request: the server's 400, with this message.
class BadRequest : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

struct QaBody {
    std::vector<QaRequest> requests;
    bool batch = false;  // the {"questions": [...]} form
};

/// Throws BadRequest naming what is wrong: not JSON, a missing or mistyped field, an unknown field, an empty
/// question or context, n_best outside 1..max_n_best, a batch larger than max_batch or empty.
QaBody parse_qa_body(const std::string& body, int max_n_best, size_t max_batch);

/// eval::answer_json of the prediction plus the precision, the latency and, for n_best > 1, its n-best list.
nlohmann::ordered_json reply_json(const eval::ExamplePrediction& prediction, const std::string& precision,
                                  double latency_ms, int n_best);

}  // namespace bitswitch::serve
