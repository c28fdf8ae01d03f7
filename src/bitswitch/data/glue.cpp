// GLUE's files: the task table, the TSV and JSON-lines readers.
#include "bitswitch/data/glue.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <optional>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "bitswitch/core/error.h"
#include "bitswitch/core/io.h"
#include "bitswitch/core/json_file.h"
#include "bitswitch/text/utf8.h"

namespace bitswitch::data {
namespace {

using json = nlohmann::json;

// Label orders of the Hugging Face `glue` dataset; GLUE's TSV files write the binary tasks' labels as
// these indices and MNLI, QNLI and RTE's as the names.
const std::vector<GlueTaskSpec>& task_table() {
    static const std::vector<GlueTaskSpec> table = {
        {GlueTask::kCola, {"unacceptable", "acceptable"}, "", "", "", {"sentence"}, {}, {"mcc", "accuracy"}},
        {GlueTask::kSst2, {"negative", "positive"}, "sentence", "", "label", {"sentence"}, {}, {"accuracy"}},
        {GlueTask::kMrpc,
         {"not_equivalent", "equivalent"},
         "#1 String",
         "#2 String",
         "Quality",
         {"sentence1"},
         {"sentence2"},
         {"accuracy", "f1"}},
        {GlueTask::kQqp,
         {"not_duplicate", "duplicate"},
         "question1",
         "question2",
         "is_duplicate",
         {"question1"},
         {"question2"},
         {"accuracy", "f1"}},
        {GlueTask::kStsb,
         {},
         "sentence1",
         "sentence2",
         "score",
         {"sentence1"},
         {"sentence2"},
         {"pearson", "spearman"}},
        {GlueTask::kMnli,
         {"entailment", "neutral", "contradiction"},
         "sentence1",
         "sentence2",
         "gold_label",
         {"premise", "sentence1"},
         {"hypothesis", "sentence2"},
         {"accuracy"}},
        {GlueTask::kMnliMismatched,
         {"entailment", "neutral", "contradiction"},
         "sentence1",
         "sentence2",
         "gold_label",
         {"premise", "sentence1"},
         {"hypothesis", "sentence2"},
         {"accuracy"}},
        {GlueTask::kQnli,
         {"entailment", "not_entailment"},
         "question",
         "sentence",
         "label",
         {"question"},
         {"sentence"},
         {"accuracy"}},
        {GlueTask::kRte,
         {"entailment", "not_entailment"},
         "sentence1",
         "sentence2",
         "label",
         {"sentence1", "premise"},
         {"sentence2", "hypothesis"},
         {"accuracy"}},
        {GlueTask::kWnli,
         {"not_entailment", "entailment"},
         "sentence1",
         "sentence2",
         "label",
         {"sentence1", "premise"},
         {"sentence2", "hypothesis"},
         {"accuracy"}},
    };
    return table;
}

std::string lowercase(std::string_view s) {
    std::string out(s);
    for (char& c : out) c = char(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

std::string label_choices(const GlueTaskSpec& spec) {
    std::string s;
    for (size_t i = 0; i < spec.labels.size(); ++i)
        s += fmt::format("{}{} ({})", i ? ", " : "", i, spec.labels[i]);
    return s;
}

// A class label written as its index ("1") or its name ("entailment"); nullopt when it is neither.
std::optional<int32_t> class_label(const GlueTaskSpec& spec, std::string_view text) {
    for (size_t i = 0; i < spec.labels.size(); ++i) {
        if (text == spec.labels[i] || text == std::to_string(i)) return int32_t(i);
    }
    return std::nullopt;
}

// Sets the example's label or score from its text; InputError naming `where` otherwise.
void set_label(const GlueTaskSpec& spec, std::string_view text, const std::string& where,
               GlueExample& example) {
    if (spec.is_regression()) {
        const std::string s(text);
        char* end      = nullptr;
        const double v = std::strtod(s.c_str(), &end);
        if (s.empty() || end != s.c_str() + s.size() || !std::isfinite(v)) {
            throw InputError(
                fmt::format("{}: score '{}' is not a number (STS-B's similarity, 0 to 5)", where, s));
        }
        example.score = float(v);
        return;
    }
    const auto label = class_label(spec, text);
    if (!label) {
        throw InputError(fmt::format("{}: label '{}' is not one of {}'s: {}", where,
                                     std::string(text).substr(0, 40),
                                     core::enum_name(kGlueTaskNames, spec.task), label_choices(spec)));
    }
    example.label = *label;
}

void check_text(const std::string& text, const std::string& where, const std::string& column) {
    if (text.empty())
        throw InputError(fmt::format("{}: {} is empty (every row needs its text)", where, column));
    if (!text::utf8_is_valid(text)) throw InputError(fmt::format("{}: {} is not valid UTF-8", where, column));
}

std::vector<std::string_view> split_tabs(std::string_view line) {
    std::vector<std::string_view> fields;
    size_t start = 0;
    for (;;) {
        const size_t tab = line.find('\t', start);
        fields.push_back(
            line.substr(start, tab == std::string_view::npos ? std::string_view::npos : tab - start));
        if (tab == std::string_view::npos) return fields;
        start = tab + 1;
    }
}

// The file's lines with their 1-based numbers: BOM and CRs dropped, blank lines skipped.
std::vector<std::pair<int64_t, std::string_view>> lines_of(std::string_view contents) {
    if (contents.substr(0, 3) == "\xEF\xBB\xBF") contents.remove_prefix(3);
    std::vector<std::pair<int64_t, std::string_view>> lines;
    int64_t number = 0;
    while (!contents.empty()) {
        const size_t nl       = contents.find('\n');
        std::string_view line = contents.substr(0, nl);
        contents.remove_prefix(nl == std::string_view::npos ? contents.size() : nl + 1);
        ++number;
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        if (!line.empty()) lines.emplace_back(number, line);
    }
    return lines;
}

// Column positions of a TSV file: by header name, or CoLA's fixed positions (its files have no header).
struct TsvColumns {
    int text_a = -1, text_b = -1, label = -1;
    size_t needed   = 0;  // columns a row must have (the highest position used + 1)
    bool has_header = true;
};

TsvColumns tsv_columns(const GlueTaskSpec& spec, std::string_view first_line, const std::string& name) {
    TsvColumns c;
    const auto header = split_tabs(first_line);
    if (spec.task == GlueTask::kCola) {
        // GLUE's CoLA train/dev: source, label, original mark, sentence. Its test file: index, sentence.
        if (header.size() == 2 && header[0] == "index" && header[1] == "sentence") {
            c.text_a = 1;
        } else {
            c.has_header = false;
            c.text_a     = 3;
            c.label      = 1;
        }
    } else {
        auto find = [&](const std::string& column) {
            for (size_t i = 0; i < header.size(); ++i) {
                if (header[i] == column) return int(i);
            }
            return -1;
        };
        c.text_a = find(spec.tsv_text_a);
        c.text_b = spec.is_pair() ? find(spec.tsv_text_b) : -1;
        c.label  = find(spec.tsv_label);
        if (c.text_a < 0 || (spec.is_pair() && c.text_b < 0)) {
            throw InputError(
                fmt::format("{}:1: the header has no column '{}' ({}'s GLUE files start with a "
                            "header row naming their columns; is --task right?)",
                            name, c.text_a < 0 ? spec.tsv_text_a : spec.tsv_text_b,
                            core::enum_name(kGlueTaskNames, spec.task)));
        }
    }
    c.needed = size_t(std::max({c.text_a, c.text_b, c.label})) + 1;
    return c;
}

GlueDataset parse_tsv(std::string_view contents, const std::string& name, GlueTask task,
                      const GlueLoadOptions& options) {
    const GlueTaskSpec& spec = glue_task_spec(task);
    GlueDataset d{name, task, {}, true};
    const auto lines = lines_of(contents);
    if (lines.empty()) throw InputError(name + ": no rows (an empty file)");
    const TsvColumns columns = tsv_columns(spec, lines.front().second, name);
    d.labeled                = columns.label >= 0;
    for (size_t i = columns.has_header ? 1 : 0; i < lines.size(); ++i) {
        if (options.max_examples >= 0 && int64_t(d.examples.size()) >= options.max_examples) break;
        const auto [number, line] = lines[i];
        const std::string where   = fmt::format("{}:{}", name, number);
        const auto fields         = split_tabs(line);
        if (fields.size() < columns.needed) {
            throw InputError(fmt::format("{}: {} tab-separated columns, {}'s rows have at least {}", where,
                                         fields.size(), core::enum_name(kGlueTaskNames, task),
                                         columns.needed));
        }
        GlueExample e;
        e.line   = number;
        e.text_a = std::string(fields[size_t(columns.text_a)]);
        check_text(e.text_a, where, spec.is_pair() ? spec.tsv_text_a : "the sentence");
        if (columns.text_b >= 0) {
            e.text_b = std::string(fields[size_t(columns.text_b)]);
            check_text(e.text_b, where, spec.tsv_text_b);
        }
        if (d.labeled) set_label(spec, fields[size_t(columns.label)], where, e);
        d.examples.push_back(std::move(e));
    }
    if (d.examples.empty() && options.max_examples != 0) throw InputError(name + ": a header and no rows");
    return d;
}

// The first of `names` the object has as a string: its value; InputError otherwise.
std::string json_text(const json& row, const std::vector<std::string>& names, const std::string& where) {
    for (const auto& n : names) {
        const auto it = row.find(n);
        if (it == row.end()) continue;
        if (!it->is_string()) throw InputError(fmt::format("{}: \"{}\" must be a string", where, n));
        std::string text = it->get<std::string>();
        check_text(text, where, "\"" + n + "\"");
        return text;
    }
    std::string list;
    for (const auto& n : names) list += (list.empty() ? "\"" : " or \"") + n + "\"";
    throw InputError(fmt::format("{}: no field {} (the example's text)", where, list));
}

GlueDataset parse_json_lines(std::string_view contents, const std::string& name, GlueTask task,
                             const GlueLoadOptions& options) {
    const GlueTaskSpec& spec = glue_task_spec(task);
    GlueDataset d{name, task, {}, true};
    const char* label_field = spec.is_regression() ? "score" : "label";
    bool first              = true;
    for (const auto& [number, line] : lines_of(contents)) {
        if (options.max_examples >= 0 && int64_t(d.examples.size()) >= options.max_examples) break;
        const std::string where = fmt::format("{}:{}", name, number);
        const json row          = core::parse_json(line, where);
        if (!row.is_object()) throw InputError(where + ": each line must be a JSON object (one example)");
        GlueExample e;
        e.line   = number;
        e.text_a = json_text(row, spec.json_text_a, where);
        if (spec.is_pair()) e.text_b = json_text(row, spec.json_text_b, where);
        auto label = row.find(label_field);
        if (label == row.end() && spec.is_regression()) label = row.find("label");  // HF's stsb: "label"
        // Unlabeled: absent, or -1 as the hub's test splits write it. All rows must agree.
        const bool has_label =
            label != row.end() && !(label->is_number_integer() && label->get<int64_t>() == -1);
        if (first) d.labeled = has_label;
        if (has_label != d.labeled) {
            throw InputError(
                fmt::format("{}: {} label while earlier lines {} (a file is all labeled or all not)", where,
                            has_label ? "has a" : "has no", d.labeled ? "do" : "do not"));
        }
        first = false;
        if (has_label) {
            if (label->is_string()) {
                set_label(spec, label->get<std::string>(), where, e);
            } else if (label->is_number()) {
                set_label(spec,
                          label->is_number_integer() ? std::to_string(label->get<int64_t>()) : label->dump(),
                          where, e);
            } else {
                throw InputError(
                    fmt::format("{}: \"{}\" must be a number or a label name", where, label_field));
            }
        }
        d.examples.push_back(std::move(e));
    }
    if (d.examples.empty() && options.max_examples != 0)
        throw InputError(name + ": no examples (an empty file)");
    return d;
}

}  // namespace

const GlueTaskSpec& glue_task_spec(GlueTask task) {
    for (const auto& spec : task_table()) {
        if (spec.task == task) return spec;
    }
    throw Error("glue_task_spec: a task without its table row");
}

GlueTask glue_task_from_name(std::string_view name, std::string_view what) {
    std::string key = lowercase(name);
    if (key == "sst-2") key = "sst2";
    if (key == "sts-b") key = "stsb";
    if (key == "mnli_mismatched" || key == "mnli-mismatched") key = "mnli-mm";
    if (key == "mnli_matched" || key == "mnli-m") key = "mnli";
    return core::enum_from_name(kGlueTaskNames, key, what);
}

GlueDataset parse_glue(std::string_view contents, const std::string& name, GlueTask task,
                       const GlueLoadOptions& options) {
    const size_t first = contents.find_first_not_of(" \t\r\n");
    if (first != std::string_view::npos && contents[first] == '{')
        return parse_json_lines(contents, name, task, options);
    return parse_tsv(contents, name, task, options);
}

GlueDataset load_glue(const std::filesystem::path& path, GlueTask task, const GlueLoadOptions& options) {
    return parse_glue(core::read_file(path), path.string(), task, options);
}

}  // namespace bitswitch::data
