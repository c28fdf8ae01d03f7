// Load time of a model ready to serve, one line of JSON per model:
//   bench_load FILE_OR_FOLDER [CONFIG...]
// A deployment file (export --format bitswitch) is loaded as is; a run or Hugging Face folder is loaded and
// then packed at CONFIG... with its float weights freed (what `serve --only CONFIG...` does), so both end
// in the same state. Five loads in this process, the median and the fastest reported.
#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

#include "bench_support.h"
#include "bitswitch/core/runtime.h"
#include "bitswitch/model/deployment_file.h"
#include "bitswitch/model/loaded_model.h"

int main(int argc, char** argv) {
    using namespace bitswitch;
    if (argc < 2) {
        std::fprintf(stderr, "usage: bench_load FILE_OR_FOLDER [CONFIG...]\n");
        return 2;
    }
    const std::string path = argv[1];
    const std::vector<std::string> configs(argv + 2, argv + argc);
    const bool file = model::is_deployment_file(path);
    std::vector<double> seconds;
    for (int i = 0; i < 5; ++i) {
        const auto start = bench::Clock::now();
        auto loaded      = model::LoadedModel::load(path);
        if (!file) loaded.model().keep_only_packed(loaded.configs(configs));
        seconds.push_back(bench::seconds_since(start));
    }
    std::sort(seconds.begin(), seconds.end());
    std::printf(
        "{\"model\":\"%s\",\"kind\":\"%s\",\"load_ms_median\":%.1f,\"load_ms_min\":%.1f,"
        "\"peak_rss_mb\":%.0f}\n",
        path.c_str(), file ? "deployment file" : "folder + keep_only_packed", 1e3 * seconds[2],
        1e3 * seconds[0], double(core::peak_rss_bytes()) / 1e6);
    return 0;
}
