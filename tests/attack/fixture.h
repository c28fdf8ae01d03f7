// What the attack tests share: a tiny GPT-2 over the real vocabulary with two trained-looking levels (8 and
// 4, random adapters), two answerable questions and their windows.
#pragma once

#include "bitswitch/data/qa_features.h"
#include "bitswitch/data/squad.h"
#include "bitswitch/model/loaded_model.h"
#include "bitswitch/text/bpe_tokenizer.h"
#include "support/paths.h"
#include "support/tiny_model.h"

namespace bitswitch::attack {

inline const text::BpeTokenizer& gpt2_tokenizer() {
    static const text::BpeTokenizer tok =
        text::BpeTokenizer::load(bitswitch::testing::asset("gpt2-tokenizer"));
    return tok;
}

inline data::SquadDataset two_questions() {
    data::SquadDataset ds;
    ds.path     = "two_questions.json";
    ds.contexts = {"Denver Broncos beat the Carolina Panthers 24 to 10 in Super Bowl 50 at Levi's Stadium.",
                   "Warsaw is the capital and largest city of Poland."};
    ds.examples = {{"a", "", "Who won Super Bowl 50?", 0, {{"Denver Broncos", 0}}, {}, false},
                   {"b", "", "Warsaw is the capital of which country?", 1, {{"Poland", 42}}, {}, false}};
    return ds;
}

inline data::FeatureOptions small_windows() {
    data::FeatureOptions fo;
    fo.max_seq_length      = 48;
    fo.doc_stride          = 8;
    fo.max_question_length = 16;
    return fo;
}

/// The tiny model with levels 8 and 4 and their adapters, in eval mode, behind the LoadedModel interface.
inline model::LoadedModel two_level_model(uint64_t seed = 1) {
    auto cfg        = bitswitch::testing::tiny_config();
    cfg.vocab_size  = 50257;
    cfg.n_positions = 64;
    auto m          = bitswitch::testing::tiny_model(seed, cfg);
    const auto set  = bitswitch::testing::two_levels();
    bitswitch::testing::add_level_adapters(m, set);
    m->eval();
    return model::LoadedModel::wrap(m.ptr(), set);
}

}  // namespace bitswitch::attack
