#!/usr/bin/env bash
# Where a benchmark workload's time goes: perf samples of its steady state (after the warm-up and the first
# steps' page faults), by library and by symbol. oneDNN's GEMM kernels are JIT code ("[JIT]"); everything
# else is outside the large products. Needs perf (`scripts/install-deps.sh --bench`). About a minute.
# Without WORKLOAD: bench_model's GPT-2-124M-shape LoRA step (bench/bench_model.cpp). With one of step,
# forward, bf16-step, bf16-forward: that RoBERTa-base-shape workload of bench_encoder.
# Usage: bench/profile_step.sh [BUILD_DIR] [SECONDS] [WORKLOAD]
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
seconds=${2:-20}
data=$(mktemp -d)
trap 'rm -rf "$data"; kill "$bench" 2> /dev/null || true' EXIT
if [[ -n ${3:-} ]]; then
    "$build/bench/bench_encoder" 0 100000 "$3" > /dev/null & # runs that workload until killed
else
    "$build/bench/bench_model" 0 100000 > /dev/null & # runs its step loop until killed
fi
bench=$!
sleep 30
perf record -q -F 999 -p "$bench" -o "$data/perf.data" -- sleep "$seconds" 2> /dev/null
kill "$bench"
echo "# share of samples by library"
perf report -i "$data/perf.data" --no-children --sort dso 2> /dev/null | grep '%' | head -8
echo "# outside the JIT GEMMs, by symbol"
perf report -i "$data/perf.data" --no-children --sort dso,symbol 2> /dev/null | grep '%' | grep -v JIT |
    head -16 | cut -c1-140
