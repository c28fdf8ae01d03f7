// Official SQuAD JSON -> SquadDataset, with validation that names file, JSON path and question id.
#include "bitswitch/data/squad.h"

#include <cstdio>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "bitswitch/core/error.h"
#include "bitswitch/core/io.h"
#include "bitswitch/core/json_file.h"
#include "bitswitch/text/utf8.h"

namespace bitswitch::data {
namespace {

using nlohmann::json;

// Field access with errors that name the file and the JSON path of the record.
class Reader {
  public:
    explicit Reader(std::string file) : file_(std::move(file)) {}

    const json& field(const json& obj, const char* name, const std::string& where) const {
        if (!obj.is_object()) fail(where, fmt::format("expected an object, got {}", obj.type_name()));
        const auto it = obj.find(name);
        if (it == obj.end()) fail(where, fmt::format("missing field \"{}\"", name));
        return *it;
    }
    const json& array(const json& obj, const char* name, const std::string& where) const {
        const json& v = field(obj, name, where);
        if (!v.is_array())
            fail(where, fmt::format("field \"{}\" must be an array, got {}", name, v.type_name()));
        return v;
    }
    std::string string(const json& obj, const char* name, const std::string& where) const {
        const json& v = field(obj, name, where);
        if (!v.is_string())
            fail(where, fmt::format("field \"{}\" must be a string, got {}", name, v.type_name()));
        return v.get<std::string>();
    }
    int64_t integer(const json& obj, const char* name, const std::string& where) const {
        const json& v = field(obj, name, where);
        if (!v.is_number_integer()) {
            fail(where, fmt::format("field \"{}\" must be an integer, got {}", name, v.dump()));
        }
        return v.get<int64_t>();
    }
    [[noreturn]] void fail(const std::string& where, const std::string& what) const {
        throw InputError(fmt::format("{}: {}: {}", file_, where, what));
    }

  private:
    std::string file_;
};

std::vector<Answer> read_answers(const Reader& r, const json& qa, const char* name,
                                 const std::string& where) {
    std::vector<Answer> answers;
    const json& list = r.array(qa, name, where);
    for (size_t a = 0; a < list.size(); ++a) {
        const std::string at = fmt::format("{}.{}[{}]", where, name, a);
        answers.push_back({r.string(list[a], "text", at), r.integer(list[a], "answer_start", at)});
    }
    return answers;
}

// Empty if the answer sits where it says; otherwise what is wrong, for the report line.
std::string check_span(const std::u32string& context, const Answer& answer) {
    const std::u32string text = text::utf8_to_u32(answer.text);
    if (answer.start < 0) return fmt::format("answer_start {} is negative", answer.start);
    if (size_t(answer.start) + text.size() > context.size()) {
        return fmt::format("answer_start {} + length {} runs past the context ({} characters)", answer.start,
                           text.size(), context.size());
    }
    if (context.compare(size_t(answer.start), text.size(), text) == 0) return {};
    const auto found        = context.find(text);
    const std::string there = text::u32_to_utf8(context.substr(size_t(answer.start), text.size()));
    return fmt::format("text not at answer_start {} (the context has \"{}\" there){}", answer.start, there,
                       found == std::u32string::npos ? std::string("; the text is nowhere in the context")
                                                     : fmt::format("; it occurs at {}", found));
}

}  // namespace

bool SquadDataset::is_v2() const {
    if (version.rfind("v2", 0) == 0 || version.rfind("2", 0) == 0) return true;
    for (const auto& e : examples) {
        if (e.is_impossible) return true;
    }
    return false;
}

SquadDataset load_squad(const std::filesystem::path& path, const SquadLoadOptions& options) {
    return parse_squad(core::read_file(path), path.string(), options);
}

SquadDataset parse_squad(std::string_view json_text, const std::string& file,
                         const SquadLoadOptions& options) {
    const json root = core::parse_json(json_text, file);
    const Reader r(file);
    SquadDataset ds;
    ds.path = file;
    if (root.is_object() && root.contains("version") && root["version"].is_string()) {
        ds.version = root["version"].get<std::string>();
    }
    const json& articles = r.array(root, "data", "top level");
    const auto report    = options.report ? options.report : [](const std::string& line) {
        std::fprintf(stderr, "%s\n", line.c_str());
    };
    int64_t n_bad        = 0;
    std::string first_bad;
    for (size_t i = 0; i < articles.size(); ++i) {
        const std::string at_article = fmt::format("data[{}]", i);
        const std::string title =
            articles[i].is_object() && articles[i].contains("title") && articles[i]["title"].is_string()
                ? articles[i]["title"].get<std::string>()
                : std::string();
        const json& paragraphs = r.array(articles[i], "paragraphs", at_article);
        ++ds.n_articles;
        for (size_t j = 0; j < paragraphs.size(); ++j) {
            const std::string at_paragraph = fmt::format("{}.paragraphs[{}]", at_article, j);
            const int32_t context_index    = int32_t(ds.contexts.size());
            ds.contexts.push_back(r.string(paragraphs[j], "context", at_paragraph));
            const std::u32string context =
                options.check_answer_spans ? text::utf8_to_u32(ds.contexts.back()) : std::u32string();
            ++ds.n_paragraphs;
            const json& qas = r.array(paragraphs[j], "qas", at_paragraph);
            for (size_t k = 0; k < qas.size(); ++k) {
                const std::string at = fmt::format("{}.qas[{}]", at_paragraph, k);
                QAExample e;
                e.id            = r.string(qas[k], "id", at);
                e.title         = title;
                e.question      = r.string(qas[k], "question", at);
                e.context_index = context_index;
                e.answers       = read_answers(r, qas[k], "answers", at);
                if (qas[k].contains("is_impossible")) {
                    const json& v = qas[k]["is_impossible"];
                    if (!v.is_boolean())
                        r.fail(at, fmt::format("field \"is_impossible\" must be true or false, got {}",
                                               v.dump()));
                    e.is_impossible = v.get<bool>();
                }
                if (qas[k].contains("plausible_answers"))
                    e.plausible_answers = read_answers(r, qas[k], "plausible_answers", at);
                if (!e.is_impossible && e.answers.empty()) {
                    r.fail(at,
                           fmt::format("question {} has no answers and is not marked is_impossible", e.id));
                }
                if (e.is_impossible && !e.answers.empty()) {
                    r.fail(at, fmt::format("question {} is_impossible but has answers", e.id));
                }
                bool bad = false;
                if (options.check_answer_spans) {
                    const auto check = [&](const std::vector<Answer>& list, const char* kind) {
                        for (size_t a = 0; a < list.size(); ++a) {
                            const std::string problem = check_span(context, list[a]);
                            if (problem.empty()) continue;
                            const std::string line = fmt::format("{}: question {} ({}.{}[{}]): {}", file,
                                                                 e.id, at, kind, a, problem);
                            // Without --skip-invalid the first one is in the error itself: one bad answer,
                            // one line; the others are listed before it.
                            if (options.skip_invalid)
                                report("skipped: " + line);
                            else if (!first_bad.empty())
                                report("also: " + line);
                            if (first_bad.empty()) first_bad = line;
                            bad = true;
                        }
                    };
                    check(e.answers, "answers");
                    check(e.plausible_answers, "plausible_answers");
                }
                if (bad) {
                    ++n_bad;
                    continue;
                }
                ds.examples.push_back(std::move(e));
            }
        }
    }
    if (n_bad > 0 && !options.skip_invalid) {
        throw InputError(
            fmt::format("{} question(s) with an answer that is not where answer_start says (first: {}); "
                        "fix the file or pass --skip-invalid to drop them",
                        n_bad, first_bad));
    }
    ds.n_skipped = n_bad;
    if (options.max_examples >= 0 && int64_t(ds.examples.size()) > options.max_examples) {
        ds.examples.resize(size_t(options.max_examples));
    }
    return ds;
}

std::string squad_json(const SquadDataset& dataset,
                       const std::function<nlohmann::ordered_json(size_t example)>& extra) {
    using ojson             = nlohmann::ordered_json;
    const auto answers_json = [](const std::vector<Answer>& answers) {
        ojson list = ojson::array();
        for (const auto& a : answers) list.push_back({{"text", a.text}, {"answer_start", a.start}});
        return list;
    };
    ojson articles = ojson::array();
    for (size_t i = 0; i < dataset.examples.size(); ++i) {
        const auto& e          = dataset.examples[i];
        const bool new_article = i == 0 || articles.back()["title"].get_ref<const std::string&>() != e.title;
        if (new_article) articles.push_back({{"title", e.title}, {"paragraphs", ojson::array()}});
        auto& paragraphs = articles.back()["paragraphs"];
        if (new_article || dataset.examples[i - 1].context_index != e.context_index)
            paragraphs.push_back({{"context", dataset.context_of(e)}, {"qas", ojson::array()}});
        ojson qa = {{"id", e.id}, {"question", e.question}, {"answers", answers_json(e.answers)}};
        if (dataset.is_v2()) qa["is_impossible"] = e.is_impossible;
        if (!e.plausible_answers.empty()) qa["plausible_answers"] = answers_json(e.plausible_answers);
        if (extra) {
            const auto fields = extra(i);
            for (const auto& [key, value] : fields.items()) qa[key] = value;
        }
        paragraphs.back()["qas"].push_back(std::move(qa));
    }
    ojson root = {{"version", dataset.version.empty() ? "1.1" : dataset.version},
                  {"data", std::move(articles)}};
    return root.dump() + "\n";
}

}  // namespace bitswitch::data
