// Tokenizer encode throughput, single thread, on the distinct contexts of the shipped SQuAD subsets
// (the same texts bench/peers/tokenizer_peer.mjs encodes). Prints one JSON object.
//   cold: the first pass with a freshly loaded tokenizer (word cache empty)
//   warm: the best of the following passes (cache filled, as in a long training run)
#include <chrono>
#include <cstdio>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "bitswitch/core/io.h"
#include "bitswitch/text/bpe_tokenizer.h"

int main(int argc, char** argv) {
    if (argc < 3) {
        std::fprintf(stderr, "usage: bench_tokenizer TOKENIZER_DIR SQUAD.json [SQUAD.json ...]\n");
        return 2;
    }
    std::vector<std::string> texts;
    std::set<std::string> seen;
    size_t bytes = 0;
    for (int i = 2; i < argc; ++i) {
        const auto data = nlohmann::json::parse(bitswitch::core::read_file(argv[i]))["data"];
        for (const auto& article : data) {
            for (const auto& p : article["paragraphs"]) {
                const std::string c = p["context"];
                if (seen.insert(c).second) {
                    texts.push_back(c);
                    bytes += c.size();
                }
            }
        }
    }
    const auto tok  = bitswitch::text::BpeTokenizer::load(argv[1]);
    const auto pass = [&](size_t* tokens) {
        const auto start = std::chrono::steady_clock::now();
        size_t n         = 0;
        for (const auto& t : texts) n += tok.encode(t).size();
        *tokens = n;
        return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    };
    size_t tokens     = 0;
    const double cold = pass(&tokens);
    double warm       = 1e30;
    for (int r = 0; r < 10; ++r) warm = std::min(warm, pass(&tokens));
    const nlohmann::ordered_json out{{"name", "bitswitch"},
                                     {"texts", texts.size()},
                                     {"bytes", bytes},
                                     {"tokens", tokens},
                                     {"cold_mb_per_s", bytes / cold / 1e6},
                                     {"warm_mb_per_s", bytes / warm / 1e6}};
    std::printf("%s\n", out.dump().c_str());
    return 0;
}
