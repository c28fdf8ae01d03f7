// SQuAD v1.1 / v2.0 in the official JSON format: loading, validation, and the flattened example list that
// feature building, post-processing and the metrics share.
// Positions (answer_start) are code point indices into the context, as in the official files (Python str).
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace bitswitch::data {

struct Answer {
    std::string text;
    int64_t start = 0;  // code points into the context
};

struct QAExample {
    std::string id;
    std::string title;
    std::string question;
    int32_t context_index = 0;              // into SquadDataset::contexts (questions share their paragraph)
    std::vector<Answer> answers;            // v2.0: empty when is_impossible
    std::vector<Answer> plausible_answers;  // v2.0 only
    bool is_impossible = false;
};

struct SquadDataset {
    std::string path;
    std::string version;  // the file's "version" field: "1.1", "v2.0", ...
    std::vector<std::string> contexts;
    std::vector<QAExample> examples;  // in file order
    int64_t n_articles   = 0;
    int64_t n_paragraphs = 0;
    int64_t n_skipped    = 0;  // questions dropped by skip_invalid

    const std::string& context_of(const QAExample& e) const { return contexts[size_t(e.context_index)]; }
    /// SQuAD 2.0 semantics (unanswerable questions): the version says v2 or a question is_impossible.
    bool is_v2() const;
};

struct SquadLoadOptions {
    /// Check that every answer's answer_start locates its text in the context.
    bool check_answer_spans = true;
    /// Drop questions with a bad answer (counted in n_skipped) instead of failing with InputError.
    bool skip_invalid = false;
    /// Keep only the first N questions (-1 = all): --max_train_samples / --max_eval_samples.
    int64_t max_examples = -1;
    /// Receives one line per bad record (file, question id, what is wrong). Default: stderr.
    std::function<void(const std::string&)> report;
};

/// Loads and validates an official SQuAD JSON file. Malformed JSON, missing fields and wrong types throw
/// InputError naming the file and the JSON path (data[3].paragraphs[1].qas[0].answers[2].answer_start).
/// Bad answer spans throw InputError naming the first (the others are reported one by one before it)
/// unless options.skip_invalid (then each is reported as skipped).
SquadDataset load_squad(const std::filesystem::path& path, const SquadLoadOptions& options = {});

/// The same from the file's text; messages and SquadDataset::path name `name`.
SquadDataset parse_squad(std::string_view json_text, const std::string& name,
                         const SquadLoadOptions& options = {});

/// The dataset in the official JSON format load_squad reads: consecutive questions with one title form an
/// article, consecutive questions on one context a paragraph. `extra` (optional) gives each question's
/// additional fields (an attack's metadata), which readers of the format ignore.
std::string squad_json(const SquadDataset& dataset,
                       const std::function<nlohmann::ordered_json(size_t example)>& extra = {});

}  // namespace bitswitch::data
