// What a text attack (GBDA, the word-level QA attack) produces: edits of a question's context, each replacing
// a span of the original context by new text, never touching a gold answer (threat_model.h). Applied, they
// give the adversarial question: the new context, the answers at their moved offsets, the attack's record.
// A set of them is a SQuAD dataset again (one paragraph per question, since questions that shared a
// paragraph get different edits), which `bitswitch eval` and `sweep` read like any other file.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "bitswitch/data/squad.h"

namespace bitswitch::attack {

/// Replace code points [begin, end) of the original context with `replacement`.
struct ContextEdit {
    int64_t begin = 0, end = 0;
    std::string replacement;
};

struct AdversarialQuestion {
    size_t example = 0;              // into the clean dataset's examples
    std::vector<ContextEdit> edits;  // any order; none overlapping another or an answer
    nlohmann::ordered_json record = nlohmann::ordered_json::object();  // the attack's metadata
};

struct EditedContext {
    std::string context;
    std::vector<data::Answer> answers;  // the gold answers at their new offsets
};

/// `context` with `edits` applied and each answer's start moved by the edits before it. Error when an edit
/// is out of range, overlaps another or overlaps an answer (a bug in the attack, not in the user's input).
EditedContext apply_edits(const std::string& context, const std::vector<data::Answer>& answers,
                          const std::vector<ContextEdit>& edits);

/// The adversarial questions as a dataset, in the order given: each with its own edited context, its id,
/// question and title unchanged.
data::SquadDataset adversarial_dataset(const data::SquadDataset& clean,
                                       const std::vector<AdversarialQuestion>& questions);

/// The dataset as official SQuAD JSON, each question carrying its record under "attack" plus the original
/// context's edited spans ("edits": [{"begin", "end", "original", "replacement"}]), written atomically.
void write_adversarial_dataset(const std::filesystem::path& path, const data::SquadDataset& clean,
                               const std::vector<AdversarialQuestion>& questions);

}  // namespace bitswitch::attack
