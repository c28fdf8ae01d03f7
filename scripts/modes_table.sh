#!/usr/bin/env bash
# Training paradigms compared on the demo model and data (seed 002 Tables 2-4 style): static, switchable
# (average and cascaded distillation), random per-layer and cyclic precision training, each with the demo's
# LoRA recipe and the same 600-step budget, levels w8a8kv8 and w3a3kv3, all evaluated on the synthetic dev
# split at full precision, 8, 4 and 3 bits. Needs runs/demo/data from `make demo` (or scripts/demo.sh).
# Writes runs/modes_table/<mode>/ and prints a markdown table of F1 with 95% intervals. About 14 minutes on
# 2 cores.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
bin=${1:-build/bitswitch}
data=runs/demo/data
out=runs/modes_table
need "$data/train.json" modes_table
mkdir -p "$out"
recipe=(--config configs/train/lora_tiny.toml --train_file "$data/train.json" --overwrite_output_dir --logging_steps 100)
declare -A modes=(
    [static8]="--mode static --w_bits 8"
    [static3]="--mode static --w_bits 3"
    [switchable_avg]="--mode switchable --w_bits 8 3"
    [switchable_cascade]="--mode switchable --w_bits 8 3 --switch_loss cascade --kd_loss kl --kd_temperature 2 --distill_weight 1"
    [random_layer]="--mode random --w_bits 8 3 --random_granularity layer"
    [cyclic]="--mode cyclic --num_bit_min 3 --num_bit_max 8 --num_cyclic_period 8"
)
order=(static8 static3 switchable_avg switchable_cascade random_layer cyclic)
for m in "${order[@]}"; do
    echo "== $m: ${modes[$m]}" >&2
    # shellcheck disable=SC2086
    "$bin" train "${recipe[@]}" ${modes[$m]} --output_dir "$out/$m" > "$out/$m.train.json"
done
# F1 with its 95% percentile bootstrap interval over the dev questions (1,000 resamples).
echo "| training | trained levels | fp | 8 | 4 | 3 |"
echo "|---|---|---:|---:|---:|---:|"
for m in "${order[@]}"; do
    # A run with several per-level adapters serves exactly its levels ("-" elsewhere); a run with one
    # level or one shared adapter serves any bits.
    levels=$(grep -o '"name": *"[^"]*"' "$out/$m/bitswitch.json" | sed 's/.*: *"//; s/"//' | paste -sd, -)
    row="| $m | $levels |"
    for p in fp 8 4 3; do row+=" $(f1_cell "$bin" "$out/$m" "$data/dev.json" "$p") |"; done
    echo "$row"
done
