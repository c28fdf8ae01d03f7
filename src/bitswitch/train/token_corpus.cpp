// Corpus files -> one token stream and its restricted-softmax classes.
#include "bitswitch/train/token_corpus.h"

#include <sstream>

#include <torch/torch.h>

#include "bitswitch/core/io.h"
#include "bitswitch/data/squad.h"

namespace bitswitch::train {

std::vector<std::string> corpus_documents(const std::string& path) {
    std::vector<std::string> docs;
    if (path.size() > 5 && path.substr(path.size() - 5) == ".json") {
        data::SquadLoadOptions o;
        o.check_answer_spans = false;
        for (const auto& c : data::load_squad(path, o).contexts) docs.push_back(c);
        return docs;
    }
    std::istringstream in(core::read_file(path));
    for (std::string line; std::getline(in, line);) {
        if (!line.empty()) docs.push_back(line);
    }
    return docs;
}

TokenCorpus load_token_corpus(const std::vector<std::string>& files, const text::BpeTokenizer& tokenizer,
                              int64_t separator_id) {
    std::vector<int64_t> stream;
    for (const auto& file : files) {
        for (const auto& doc : corpus_documents(file)) {
            for (const int32_t id : tokenizer.encode(doc)) stream.push_back(id);
            stream.push_back(separator_id);
        }
    }
    std::vector<int64_t> class_of(size_t(tokenizer.vocab_size()), -1), vocab;
    for (const int64_t id : stream) {
        if (class_of[size_t(id)] < 0) {
            class_of[size_t(id)] = int64_t(vocab.size());
            vocab.push_back(id);
        }
    }
    return {torch::tensor(stream, torch::kLong), torch::tensor(vocab, torch::kLong),
            torch::tensor(class_of, torch::kLong)};
}

}  // namespace bitswitch::train
