#!/usr/bin/env bash
# `bitswitch serve` under load vs one request at a time, on loopback, the same server for both:
#   one at a time: 1 client sending the next question when the answer arrives
#   under load:    32 clients doing the same (the batcher joins requests into forwards of up to 8)
# for two models: the demo run (6 x 128, runs/demo/lora; `make demo` first) and GPT-2-124M shapes (random
# weights, bench/lowbit.sh's model), each at w8a8 on the packed engine, questions from the shipped SQuAD
# dev subset. Prints one JSON line per measurement and the ratio of requests/s.
# Usage: [SERVE_FLAGS="--max_batch 32 ..."] bench/serve_load.sh [BUILD_DIR] [REQUESTS]
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
build=${1:-build}
requests=${2:-400}
bin="$build/bitswitch"
load="$build/bench/bench_serve_load"
squad=assets/data/squad-v1.1-dev-subset.json
big="$build/bench-models/gpt2-124m-random"
random_gpt2_124m "$bin" "$big"
work=$(mktemp -d)
server=0
trap '[ "$server" = 0 ] || kill "$server" 2> /dev/null; rm -rf "$work"' EXIT
echo "# machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(nproc) cores; $(date -u +%F)"
measure() {  # $1 label, $2 model folder, $3 requests
    "$bin" serve --model "$2" --port 0 ${SERVE_FLAGS:-} 2> "$work/serve.err" &
    server=$!
    local port=""
    for _ in $(seq 1 600); do
        port=$(grep -o 'listening on http://127.0.0.1:[0-9]*' "$work/serve.err" | grep -o '[0-9]*$' || true)
        [ -n "$port" ] && break
        sleep 0.1
    done
    [ -n "$port" ] || { echo "serve did not start: $(cat "$work/serve.err")" >&2; exit 1; }
    "$load" "$port" 8 16 "$squad" w8a8 > /dev/null  # warm-up: packs the level's weights
    local one many
    one=$("$load" "$port" 1 "$(($3 / 4))" "$squad" w8a8)
    many=$("$load" "$port" 32 "$3" "$squad" w8a8)
    kill -TERM "$server"
    wait "$server"
    server=0
    echo "{\"model\":\"$1\",\"mode\":\"one at a time\",${one#\{}"
    echo "{\"model\":\"$1\",\"mode\":\"32 clients\",${many#\{}"
    python3 -c "import json,sys; a=json.loads(sys.argv[1]); b=json.loads(sys.argv[2]); print(f'# $1: under load / one at a time = {b[\"requests_per_second\"] / a[\"requests_per_second\"]:.2f}')" "$one" "$many"
}
if [[ -f runs/demo/lora/bitswitch.json ]]; then
    measure demo-6x128 runs/demo/lora "$requests"
else
    echo "# demo run missing (make demo): skipped"
fi
measure gpt2-124m-shapes "$big" "$((requests / 4))"
