// POST /v1/qa's request body (qa_request.h).
#include "bitswitch/serve/qa_request.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace bitswitch::serve {
namespace {

std::string string_field(const nlohmann::json& o, const char* key, const std::string& where, bool required) {
    if (!o.contains(key)) {
        if (required) throw BadRequest(fmt::format("{}: missing \"{}\" (a string)", where, key));
        return "";
    }
    if (!o[key].is_string()) throw BadRequest(fmt::format("{}: \"{}\" must be a string", where, key));
    return o[key].get<std::string>();
}

QaRequest parse_question(const nlohmann::json& o, const std::string& where, int max_n_best) {
    if (!o.is_object()) throw BadRequest(fmt::format("{}: expected an object", where));
    for (const auto& [key, value] : o.items()) {
        if (key != "question" && key != "context" && key != "precision" && key != "n_best")
            throw BadRequest(fmt::format(
                "{}: unknown field \"{}\" (fields: question, context, precision, n_best)", where, key));
    }
    QaRequest r;
    r.question  = string_field(o, "question", where, true);
    r.context   = string_field(o, "context", where, true);
    r.precision = string_field(o, "precision", where, false);
    if (r.question.empty() || r.context.empty())
        throw BadRequest(fmt::format("{}: \"question\" and \"context\" must not be empty", where));
    if (o.contains("n_best")) {
        if (!o["n_best"].is_number_integer() || o["n_best"].get<int64_t>() < 1 ||
            o["n_best"].get<int64_t>() > max_n_best)
            throw BadRequest(fmt::format("{}: \"n_best\" must be an integer in 1..{}", where, max_n_best));
        r.n_best = o["n_best"].get<int>();
    }
    return r;
}

}  // namespace

QaBody parse_qa_body(const std::string& body, int max_n_best, size_t max_batch) {
    nlohmann::json j;
    try {
        j = nlohmann::json::parse(body);
    } catch (const nlohmann::json::exception& e) {
        throw BadRequest(fmt::format("body: not valid JSON ({})", e.what()));
    }
    if (!j.is_object()) throw BadRequest("body: expected a JSON object");
    QaBody parsed;
    if (!j.contains("questions")) {
        parsed.requests.push_back(parse_question(j, "body", max_n_best));
        return parsed;
    }
    parsed.batch = true;
    if (j.size() != 1) throw BadRequest("body: a batch holds only \"questions\"");
    const auto& list = j["questions"];
    if (!list.is_array() || list.empty() || list.size() > max_batch)
        throw BadRequest(fmt::format("body: \"questions\" must be a list of 1..{} questions", max_batch));
    for (size_t i = 0; i < list.size(); ++i)
        parsed.requests.push_back(parse_question(list[i], fmt::format("questions[{}]", i), max_n_best));
    return parsed;
}

}  // namespace bitswitch::serve
