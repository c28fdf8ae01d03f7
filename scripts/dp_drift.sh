#!/usr/bin/env bash
# How far data-parallel training drifts from one process: the demo's recipe for STEPS steps once in one
# process with batch 16 and once on two ranks with batch 8 each (the same global batches), at full precision
# and at 4 bits (w = a = kv). Prints the largest |difference| between the two runs' trained adapters and QA
# head weight (not its bias: the span loss gives it no gradient, only float noise that Adam scales up) and
# their F1 on 300 dev questions. Needs runs/demo/data (make demo) and python3-numpy
# (scripts/install-deps.sh --bench). Usage: scripts/dp_drift.sh [BITSWITCH] [STEPS]. About 2 minutes (200 steps).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
bin=${1:-build/bitswitch}
steps=${2:-200}
data=runs/demo/data
out=runs/dp_drift
need "$data/train.json" dp_drift
mkdir -p "$out"
common=(--config configs/train/lora_tiny.toml --train_file "$data/train.json" --validation_file "$data/dev.json"
        --max_eval_samples 300 --max_steps "$steps" --logging_steps 50 --overwrite_output_dir)

max_diff() {  # largest |a - b| over the tensors of two adapter_model.safetensors files
    /usr/bin/python3 - "$1" "$2" <<'EOF'
import json, struct, sys
import numpy as np
def load(path):
    raw = open(path, "rb").read()
    n = struct.unpack("<Q", raw[:8])[0]
    header = json.loads(raw[8:8 + n])
    return {k: np.frombuffer(raw[8 + n + v["data_offsets"][0]:8 + n + v["data_offsets"][1]], np.float32)
            for k, v in header.items() if k != "__metadata__"}
a, b = load(sys.argv[1]), load(sys.argv[2])
print("%.3g" % max(float(np.abs(a[k] - b[k]).max()) for k in a if not k.endswith("qa_outputs.bias")))
EOF
}

echo "| precision | max abs difference of the trained tensors | F1, 1 process | F1, 2 ranks |"
echo "|---|---:|---:|---:|"
for bits in 32 4; do
    name=$([ "$bits" = 32 ] && echo fp || echo "$bits")
    "$bin" train "${common[@]}" --w_bits "$bits" --output_dir "$out/one_$name" > "$out/one_$name.json" 2> /dev/null
    port=$((29500 + RANDOM % 1000))
    for rank in 1 0; do
        MASTER_ADDR=127.0.0.1 MASTER_PORT=$port WORLD_SIZE=2 RANK=$rank "$bin" train "${common[@]}" --w_bits "$bits" \
            --per_device_train_batch_size 8 --output_dir "$out/two_$name" > "$out/two_$name.$rank.json" 2> /dev/null &
    done
    wait
    diff=$(max_diff "$out/one_$name/adapters/$name/adapter_model.safetensors" \
        "$out/two_$name/adapters/$name/adapter_model.safetensors")
    printf '| %s | %s | %.2f | %.2f |\n' "$name" "$diff" "$(field "$out/one_$name/eval_results.json" f1)" \
        "$(field "$out/two_$name/eval_results.json" f1)"
done
