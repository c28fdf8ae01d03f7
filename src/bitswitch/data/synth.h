// Generated extractive-QA data in the official SQuAD v1.1 format, for a default model that can be trained
// here (no pretrained GPT-2 or full SQuAD can be downloaded). Each paragraph describes a few invented
// people (birth year and city, occupation, employer, instrument) in shuffled sentences drawn from varied
// templates, some sentences carrying two facts, each naming its person before the facts (see synth.cpp);
// questions paraphrase the facts. Three distractor sentences per person state confusable facts of the
// same kinds (a year and city of a move, a former employer, ...), so the answer's type alone does not
// find it. With several people per paragraph the model must also bind the question's person to the
// sentence's subject: the default model (6 x 128, causal) does not learn that binding (docs/RESULTS.md);
// the demo mixes paragraphs about one and two people, which keeps its full-precision F1 off the ceiling.
// Train and dev use disjoint sets of names. Deterministic for a seed.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

namespace bitswitch::data {

struct SynthOptions {
    int64_t paragraphs       = 1000;
    int people_per_paragraph = 1;
    int questions_per_person = 2;
    uint64_t seed            = 1;
    bool dev_names           = false;  // draw names from the dev half of the name space
    bool distractors         = true;   // three confusable facts per person
    int near_misses          = 0;      // relatives' facts in the person's own words (0..5 per person)
    bool held_out_questions  = false;  // ask in the wordings of kHeldOutQuestionTemplates (synth.cpp)
    int min_people           = 0;      // > 0: each paragraph describes min_people..people_per_paragraph
};

/// SQuAD v1.1 JSON text.
std::string synth_squad_json(const SynthOptions& options);

/// The paragraphs alone, one per line (a corpus for language-model pretraining).
std::string synth_corpus(const SynthOptions& options);

/// `bitswitch data synth`: a train split, a dev split about other people, and the train paragraphs as a
/// corpus.
struct SynthDatasetConfig {
    std::string output_dir;
    int64_t train_paragraphs = 2000, dev_paragraphs = 200;
    int people_per_paragraph = 1;
    int questions_per_person = 2;
    uint64_t seed            = 1;  // train's; dev's generator is seeded from it
    bool distractors         = true;
    int near_misses          = 0;
    bool held_out_questions  = false;  // dev asks in wordings train never uses
    int min_people_per_paragraph =
        0;  // > 0: each paragraph draws its people count from this..people_per_paragraph
};

struct SynthFiles {
    std::filesystem::path train, dev, corpus;
};

/// Writes train.json, dev.json and corpus.txt into output_dir (atomically); InputError on bad counts.
SynthFiles write_synth_dataset(const SynthDatasetConfig& config);

}  // namespace bitswitch::data
