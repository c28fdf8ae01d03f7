#!/usr/bin/env bash
# Seed 001's deployment table on real kernels: for fp, int8, int4 and a mixed config, F1 (95% interval),
# latency per question, weight size and compression ratio, all on the packed engine.
#   1. A switchable run on the demo recipe with levels fp, w8a8 and w4a8 (per-level LoRA adapters, as
#      seed 001 trains them), evaluated with `sweep --engine packed` on the synthetic dev split; its
#      latency from `bitswitch bench` at batch 1 x 384 (one question's window).
#   2. The same configs on GPT-2-124M shapes (random weights, bench/lowbit.sh's model): what they cost at
#      the size seed 001 runs, where latency means something.
# Needs runs/demo/data (make demo). Usage: scripts/seed001_latency.sh [BITSWITCH]. About 10 minutes on 2
# cores.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
bin=${1:-build/bitswitch}
data=runs/demo/data
out=runs/seed001_latency
need "$data/train.json" seed001_latency
mkdir -p "$out"
if [[ ! -f "$out/run/bitswitch.json" ]]; then
    "$bin" train --config configs/train/lora_tiny.toml --train_file "$data/train.json" --overwrite_output_dir \
        --logging_steps 100 --mode switchable --w_bits 32 8 4 --a_bits 32 8 8 --kv_bits 32 32 32 \
        --output_dir "$out/run" > "$out/train.json"
fi
# The mixed config: the first half of the blocks at 8 bits, the rest and the head at 4 (on both models).
mixed_tiny="w8a8,w8a8,w8a8,w4a8,w4a8,w4a8,w4a8"
configs=(fp w8a8 w4a8 "$mixed_tiny")
args=()
for c in "${configs[@]}"; do args+=(--precision "$c"); done
"$bin" sweep --model "$out/run" --validation_file "$data/dev.json" --engine packed "${args[@]}" -o csv \
    2> /dev/null > "$out/sweep.csv"
"$bin" bench --model "$out/run" "${args[@]}" --batch 1 --tokens 384 -r 50 -o json 2> /dev/null > "$out/bench.jsonl"
big=build/bench-models/gpt2-124m-random
random_gpt2_124m "$bin" "$big"
"$bin" bench --model "$big" --precision fp --precision w8a8 --precision w4a8 \
    --precision "w8a8,w8a8,w8a8,w8a8,w8a8,w8a8,w4a8,w4a8,w4a8,w4a8,w4a8,w4a8,w4a8" --batch 1 -r 10 -o json \
    2> /dev/null > "$out/bench-124m.jsonl"
/usr/bin/python3 - "$out" "${configs[@]}" <<'PY'
import csv, json, sys
out, configs = sys.argv[1], sys.argv[2:]
names = {"fp": "fp32", "w8a8": "int8 (w8a8)", "w4a8": "int4 (w4a8)"}
rows = {r["config"]: r for r in csv.DictReader(open(f"{out}/sweep.csv"))}
tiny = [json.loads(l) for l in open(f"{out}/bench.jsonl")]
big = [json.loads(l) for l in open(f"{out}/bench-124m.jsonl")]
print("| config | F1 [95% CI] | EM | p50 ms | p99 ms | weight MB | compression | 124M: p50 ms | 124M: p99 ms | 124M: weight MB | 124M: compression |")
print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
for c, t, b in zip(configs, tiny, big):
    r = rows[c]
    name = names.get(c, "mixed (" + c + ")")
    print(f"| {name} | {float(r['f1']):.2f} [{float(r['f1_low']):.2f}, {float(r['f1_high']):.2f}] | {float(r['exact_match']):.2f} | "
          f"{t['latency_p50_ms']:.2f} | {t['latency_p99_ms']:.2f} | {t['weight_bytes'] / 1e6:.2f} | "
          f"{tiny[0]['weight_bytes'] / t['weight_bytes']:.2f}x | {b['latency_p50_ms']:.1f} | {b['latency_p99_ms']:.1f} | "
          f"{b['weight_bytes'] / 1e6:.1f} | {big[0]['weight_bytes'] / b['weight_bytes']:.2f}x |")
PY
