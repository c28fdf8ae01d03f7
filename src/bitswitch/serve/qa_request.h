// The JSON of POST /v1/qa, parsed strictly (a client's typo is a 400 naming the field, never ignored):
//   one question:  {"question": str, "context": str, "precision"?: str, "n_best"?: int}
//   a batch:       {"questions": [<one question>, ...]}
// Without libtorch, so that the parser of what any client sends is fuzzed on its own (fuzz/targets.h).
#pragma once

#include <cstddef>
#include <stdexcept>
#include <string>
#include <vector>

namespace bitswitch::serve {

struct QaRequest {
    std::string question, context;
    std::string precision;  // as the client wrote it; "" = the model's default
    int n_best = 1;         // candidates to return, 1..postprocess n_best_size
};

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

}  // namespace bitswitch::serve
