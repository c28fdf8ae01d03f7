#!/usr/bin/env bash
# Builds the libFuzzer harnesses of fuzz/ (clang, AddressSanitizer + UndefinedBehaviorSanitizer, no
# libtorch) and runs each target for SECONDS, starting from its committed corpus and regression inputs
# (fuzz/corpus/<target>/, fuzz/regressions/<target>/, read only) plus what earlier runs in BUILD_DIR found.
# A crash, leak, timeout or broken invariant is written to BUILD_DIR/findings/<target>/ and makes the script
# exit 1: copy the file into fuzz/regressions/<target>/, where the normal test suite runs it from then on,
# and fix the cause.
# Usage: scripts/fuzz.sh [SECONDS per target, default 60] [BUILD_DIR, default build-fuzz] [TARGET...]
#   FUZZ_RUNS=N also stops each target after N executions (a campaign's count, whatever the machine's speed).
# Needs clang and libclang-rt-14-dev (scripts/install-deps.sh).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
seconds=${1:-60}
build=${2:-$root/build-fuzz}
shift $(($# < 2 ? $# : 2))
targets=("$@")

command -v clang++ > /dev/null || { echo "fuzz.sh: clang++ not found; run scripts/install-deps.sh" >&2; exit 2; }
cmake -S "$root" -B "$build" -DCMAKE_CXX_COMPILER=clang++ -DBITSWITCH_FUZZ=ON \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo > "$build.configure.log" 2>&1 || { cat "$build.configure.log"; exit 1; }
cmake --build "$build" -j "$(nproc)" > "$build.build.log" 2>&1 || { tail -40 "$build.build.log"; exit 1; }

# Every target fuzz/CMakeLists.txt built, unless some are named.
if [ ${#targets[@]} -eq 0 ]; then
    for program in "$build"/fuzz/fuzz_*; do targets+=("${program##*/fuzz_}"); done
fi
status=0
for target in "${targets[@]}"; do
    program="$build/fuzz/fuzz_$target"
    [ -x "$program" ] || { echo "fuzz.sh: no target $target (see fuzz/targets.h)" >&2; exit 2; }
    mkdir -p "$build/corpus/$target" "$build/findings/$target"
    log="$build/findings/$target.log"
    # -timeout: one input taking 10 s is a finding; -rss_limit_mb: so is one needing 2 GB.
    if "$program" -max_total_time="$seconds" ${FUZZ_RUNS:+-runs="$FUZZ_RUNS"} -timeout=10 -rss_limit_mb=2048 \
        -print_final_stats=1 \
        -artifact_prefix="$build/findings/$target/" "$build/corpus/$target" "$root/fuzz/corpus/$target" \
        $([ -d "$root/fuzz/regressions/$target" ] && echo "$root/fuzz/regressions/$target") > "$log" 2>&1; then
        runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo "?")
        echo "fuzz $target: ${seconds}s, $runs executions, no findings"
    else
        status=1
        echo "fuzz $target: FINDING, see $log and $build/findings/$target/"
        grep -m3 -E 'ERROR|runtime error|fuzz target|what\(\)' "$log" | cut -c1-200 || true
    fi
done
exit $status
