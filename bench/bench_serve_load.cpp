// Load generator for `bitswitch serve` (bench/serve_load.sh): C clients on loopback, each sending questions
// one after another (a new question as soon as its answer arrives) for a fixed number of requests in all.
// Prints one JSON line: clients, requests, errors, seconds, requests/s, latency p50/p99 (ms).
// Usage: bench_serve_load PORT CLIENTS REQUESTS SQUAD_JSON [PRECISION]
// The questions are the SQuAD file's, in order, cycling.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include "bitswitch/core/io.h"

int main(int argc, char** argv) {
    if (argc < 5) {
        std::fprintf(stderr, "usage: bench_serve_load PORT CLIENTS REQUESTS SQUAD_JSON [PRECISION]\n");
        return 2;
    }
    const int port = std::atoi(argv[1]), clients = std::atoi(argv[2]), total = std::atoi(argv[3]);
    const std::string precision = argc > 5 ? argv[5] : "";
    std::vector<std::string> bodies;
    const auto squad =
        nlohmann::json::parse(bitswitch::core::read_file(argv[4]));  // kept: the loop refers into it
    for (const auto& article : squad["data"])
        for (const auto& paragraph : article["paragraphs"])
            for (const auto& qa : paragraph["qas"]) {
                nlohmann::json body{{"question", qa["question"]}, {"context", paragraph["context"]}};
                if (!precision.empty()) body["precision"] = precision;
                bodies.push_back(body.dump());
            }
    std::atomic<int> next{0}, errors{0};
    std::vector<std::vector<double>> latencies(static_cast<size_t>(clients));
    const auto start = std::chrono::steady_clock::now();
    std::vector<std::thread> threads;
    for (int c = 0; c < clients; ++c) {
        threads.emplace_back([&, c] {
            httplib::Client client("127.0.0.1", port);
            client.set_read_timeout(120, 0);
            client.set_keep_alive(true);
            client.set_tcp_nodelay(true);
            for (int i; (i = next++) < total;) {
                const auto sent = std::chrono::steady_clock::now();
                const auto res = client.Post("/v1/qa", bodies[size_t(i) % bodies.size()], "application/json");
                if (!res || res->status != 200) ++errors;
                latencies[size_t(c)].push_back(
                    std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - sent)
                        .count());
            }
        });
    }
    for (auto& t : threads) t.join();
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::vector<double> all;
    for (const auto& l : latencies) all.insert(all.end(), l.begin(), l.end());
    std::sort(all.begin(), all.end());
    const auto at = [&](double q) {
        return all.empty() ? 0.0 : all[std::min(all.size() - 1, size_t(q * all.size()))];
    };
    const nlohmann::ordered_json out{{"clients", clients},
                                     {"requests", total},
                                     {"errors", errors.load()},
                                     {"seconds", seconds},
                                     {"requests_per_second", total / seconds},
                                     {"latency_p50_ms", at(0.5)},
                                     {"latency_p99_ms", at(0.99)}};
    std::printf("%s\n", out.dump().c_str());
    return errors > 0 ? 1 : 0;
}
