#!/usr/bin/env bash
# Real low-bit inference on GPT-2-124M shapes, 2 threads, side by side in one run:
#   bitswitch's packed engine (`bitswitch bench`: fp, w8a8, w4a8 per channel, w4a8 in groups of 128)
#   llama.cpp at commit c392e50 (`llama-bench`, pp384: prefill of 384 tokens) on GGUFs of the same model
#   that `bitswitch export` writes (F32, Q8_0, Q4_0).
# Prints both tables and the ratios of issue 12: w8a8 / Q8_0, w4a8 / Q4_0 (goal >= 2 each) and packed w8a8 /
# bitswitch's own fp32 (goal >= 1.6), at batch 1 x 384.
# Usage: bench/lowbit.sh [BUILD_DIR] [REPETITIONS]
# The peer is built from ../shared/peers (or $LLAMA_CPP_DIR) by bench/peers/build_llama_cpp.sh; without it
# the llama.cpp half is skipped with a message. The model has random weights (speed does not depend on
# them): `bitswitch pretrain --max_steps 0` at GPT-2's shapes.
#
# The peer gets its best configuration: llama-bench runs with and without flash attention, in the caller's
# environment and with OMP_WAIT_POLICY=PASSIVE (llama.cpp's ggml uses OpenMP), and the fastest of the four
# is its headline; all four are printed.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
build=${1:-build}
reps=${2:-10}
bin="$build/bitswitch"
models="$build/bench-models"
model="$models/gpt2-124m-random"
mkdir -p "$models"
random_gpt2_124m "$bin" "$model"
echo "# machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(nproc) cores; $(date -u +%F)"
echo "# bitswitch bench (packed engine)"
"$bin" bench --model "$model" --precision fp --precision w8a8 --precision w4a8 --batch 1,8 -r "$reps" \
    -o json 2> /dev/null > "$models/bitswitch.jsonl"
"$bin" bench --model "$model" --precision w4a8 --weight_granularity group --group_size 128 --batch 1 \
    -r "$reps" -o json 2> /dev/null | sed 's/"precision":"w4a8"/"precision":"w4a8 g128"/' >> "$models/bitswitch.jsonl"
peer_json="$models/llama.jsonl"
: > "$peer_json"
if peer_bin=$(bash bench/peers/build_llama_cpp.sh "$build" 2> "$models/peer-build.log"); then
    for type in f32 q8_0 q4_0; do
        gguf="$models/gpt2-124m-$type.gguf"
        [[ -f "$gguf" ]] || "$bin" export --model "$model" --type "$type" -o "$gguf" > /dev/null 2>&1
    done
    run_peer() {  # $1: environment label, then the command's environment prefix
        local label=$1
        shift
        "$@" "$peer_bin/llama-bench" -m "$models/gpt2-124m-f32.gguf" -m "$models/gpt2-124m-q8_0.gguf" \
            -m "$models/gpt2-124m-q4_0.gguf" -p 384 -n 0 -t "$(nproc)" -r "$reps" -fa 0,1 -o jsonl 2> /dev/null |
            sed "s/^{/{\"env\":\"$label\",/" >> "$peer_json"
    }
    run_peer default env
    run_peer passive env OMP_WAIT_POLICY=PASSIVE
else
    echo "# llama.cpp peer skipped: $(tail -1 "$models/peer-build.log")"
fi
/usr/bin/python3 - "$models/bitswitch.jsonl" "$peer_json" <<'PY'
import json, sys
ours = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
peer = [json.loads(l) for l in open(sys.argv[2]) if l.strip()]
print("| bitswitch config | batch | tokens/s | p50 ms | p99 ms | weight MB | peak RSS MB |")
print("|---|---:|---:|---:|---:|---:|---:|")
for r in ours:
    print(f"| {r['precision']} | {r['batch']} | {r['tokens_per_second']:.0f} | {r['latency_p50_ms']:.1f} | "
          f"{r['latency_p99_ms']:.1f} | {r['weight_bytes'] / 1e6:.1f} | {r['peak_rss_bytes'] / 2**20:.0f} |")
tps = {(r["precision"], r["batch"]): r["tokens_per_second"] for r in ours}
best = {}
if peer:
    print("\n| llama.cpp GGUF | env | flash attn | pp384 tokens/s | sd |")
    print("|---|---|---|---:|---:|")
    for r in peer:
        kind = r["model_type"].split()[-1]
        print(f"| {r['model_type']} | {r['env']} | {r['flash_attn']} | {r['avg_ts']:.0f} | {r['stddev_ts']:.0f} |")
        best[kind] = max(best.get(kind, 0), r["avg_ts"])
print("\n| ratio (batch 1 x 384) | value | goal |")
print("|---|---:|---:|")
print(f"| packed w8a8 / bitswitch fp32 | {tps[('w8a8', 1)] / tps[('fp', 1)]:.2f} | 1.6 |")
if best:
    print(f"| bitswitch w8a8 / llama.cpp Q8_0 (best of 4) | {tps[('w8a8', 1)] / best['Q8_0']:.2f} | 2 |")
    print(f"| bitswitch w4a8 / llama.cpp Q4_0 (best of 4) | {tps[('w4a8', 1)] / best['Q4_0']:.2f} | 2 |")
    print(f"| bitswitch fp32 / llama.cpp F32 (best of 4) | {tps[('fp', 1)] / best['F32']:.2f} | |")
PY
