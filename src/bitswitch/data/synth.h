// Generated extractive-QA data in the official SQuAD v1.1 format, for a default model that can be trained
// here (no pretrained GPT-2 or full SQuAD can be downloaded). Each paragraph describes a few invented
// people (birth year and city, occupation, employer, instrument) in shuffled sentences drawn from varied
// templates, some sentences carrying two facts; questions paraphrase the facts. With several people per
// paragraph, the same kinds of answer appear several times, so the model has to bind the question's
// person to the right fact. Train and dev use disjoint sets of names. Deterministic for a seed.
#pragma once

#include <cstdint>
#include <string>

namespace bitswitch::data {

struct SynthOptions {
    int64_t paragraphs        = 1000;
    int people_per_paragraph  = 3;   // 1 makes the task easy (no distractors)
    int questions_per_person  = 2;
    uint64_t seed             = 1;
    bool dev_names            = false;  // draw names from the dev half of the name space
};

/// SQuAD v1.1 JSON text.
std::string synth_squad_json(const SynthOptions& options);

/// The paragraphs alone, one per line (a corpus for language-model pretraining).
std::string synth_corpus(const SynthOptions& options);

}  // namespace bitswitch::data
