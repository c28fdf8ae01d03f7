// main() of the Google Benchmark programs: Google Benchmark's own, after bitswitch's thread set-up (which
// may re-execute the program once, see core::configure_compute_threads), as the commands have it.
#include <benchmark/benchmark.h>

#include "bitswitch/core/runtime.h"

int main(int argc, char** argv) {
    bitswitch::core::configure_compute_threads(argv, 0);
    benchmark::Initialize(&argc, argv);
    benchmark::RunSpecifiedBenchmarks();
    return 0;
}
