// The JSON of POST /v1/qa's answers (its requests are qa_request.h's):
//   {"answer", "score", "probability", "start", "end", "precision", "latency_ms"
//    [, "n_best": [{"text", "score", "probability", "start", "end"}, ...] when n_best > 1]},
// or for a batch {"answers": [...]}.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "bitswitch/serve/qa_service.h"

namespace bitswitch::serve {

/// eval::answer_json of the prediction plus the precision, the latency and, for n_best > 1, its n-best list.
nlohmann::ordered_json reply_json(const eval::ExamplePrediction& prediction, const std::string& precision,
                                  double latency_ms, int n_best);

}  // namespace bitswitch::serve
