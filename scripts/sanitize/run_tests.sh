#!/usr/bin/env bash
# `make test-sanitize`: builds the project with AddressSanitizer + UndefinedBehaviorSanitizer
# (BITSWITCH_SANITIZE=ON, its own folder) and runs the whole suite under them. Every child program the
# tests start (the bitswitch program, data-parallel ranks, the server) inherits the options below, so they
# run instrumented too. Any report fails its test: ASan and LeakSanitizer stop the process with a non-zero
# exit, and UBSan is made to (halt_on_error). The fuzz harnesses run under both in their own build
# (scripts/fuzz.sh), which the suite's Fuzz test starts.
# Usage: scripts/sanitize/run_tests.sh [BUILD_DIR, default build-sanitize] [ctest arguments...]
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$root/build-sanitize}
shift $(($# < 1 ? $# : 1))
here="$root/scripts/sanitize"

generator=(-G Ninja)  # see the Makefile: a new source file must not rebuild everything
[ -f "$build/CMakeCache.txt" ] && generator=()
# -O1, as the sanitizers' documentation advises: an ASan + UBSan object compiles 1.7x faster than at
# Release's -O3 (train/trainer.cpp: 78 s against 133 s, docs/RELIABILITY.md), and the build is most of the run.
cmake -S "$root" -B "$build" "${generator[@]}" -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_FLAGS_RELEASE="-O1 -DNDEBUG" \
    -DBITSWITCH_SANITIZE=ON -DBITSWITCH_BUILD_BENCH=OFF \
    > "$build.configure.log" 2>&1 || { cat "$build.configure.log"; exit 1; }
cmake --build "$build" -j "$(nproc)"

# detect_leaks: LeakSanitizer at every exit; its suppressions (each with its reason) are for memory that
# libraries we do not build keep on purpose. print_stacktrace: where UBSan found it, not just the line.
export ASAN_OPTIONS="detect_leaks=1:strict_string_checks=1:detect_stack_use_after_return=1:check_initialization_order=1"
export LSAN_OPTIONS="suppressions=$here/lsan.supp:print_suppressions=0"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1:suppressions=$here/ubsan.supp"
cd "$build" && ctest --output-on-failure -j "$(nproc)" "$@"
