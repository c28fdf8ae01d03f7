#!/usr/bin/env bash
# The deployment file on GPT-2-124M shapes (random weights: loading does not depend on them): the time to
# load a model ready to serve w8a8 and w4a8, and the peak memory of a process that then runs it, for
#   the deployment file (`bitswitch export --format bitswitch --precision w8a8 --precision w4a8`), and
#   the model folder packed at load (`--packed_only`, what `serve --only w8a8 w4a8` does).
# Usage: bench/deploy_load.sh [BUILD_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
build=${1:-build}
bin="$build/bitswitch"
models="$build/bench-models"
model="$models/gpt2-124m-random"
file="$models/gpt2-124m.bitswitch"
mkdir -p "$models"
random_gpt2_124m "$bin" "$model"
"$bin" export --format bitswitch --model "$model" --precision w8a8 --precision w4a8 -o "$file" > /dev/null
echo "# machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(nproc) cores; $(date -u '+%F %H:%M') UTC"
echo "# file: $(du -m "$file" | cut -f1) MB; folder: $(du -mc "$model"/*.safetensors | tail -1 | cut -f1) MB of safetensors"
echo
echo "| model | load ms (median of 5) | fastest | peak RSS MB of `bitswitch bench` (load, then w4a8 at 1 x 384) |"
echo "|---|---:|---:|---:|"
row() {  # $1 label, $2 bench_load args, $3 bitswitch bench args
    local load peak
    load=$("$build/bench/bench_load" $2)
    peak=$(/usr/bin/time -f "%M" "$bin" bench $3 --precision w4a8 --batch 1 --tokens 384 -r 3 --warmup 1 2>&1 \
        > /dev/null | tail -1)
    echo "| $1 | $(echo "$load" | grep -o '"load_ms_median":[0-9.]*' | cut -d: -f2) |" \
        "$(echo "$load" | grep -o '"load_ms_min":[0-9.]*' | cut -d: -f2) | $((peak / 1024)) |"
}
row "deployment file" "$file" "--model $file"
row "folder, packed at load" "$model w8a8 w4a8" "--model $model --packed_only"
