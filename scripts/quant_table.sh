#!/usr/bin/env bash
# Seed-002 Table 1 style experiment on the demo model and data: post-training quantization (PTQ) of the
# full-precision LoRA run of `make demo` at 16/8/6/5/4/3/2 bits, next to static LoRA training at 4 and 3
# bits (same recipe and step budget as the demo); then the same at 4 bits with coarser ranges (one per
# tensor for weights and activations), where 4 bits does cost accuracy. Needs runs/demo from `make demo`
# (or scripts/demo.sh). Results: runs/quant_table/*.csv and a markdown table with 95% intervals on stdout.
# About 5 minutes.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
bin=${1:-build/bitswitch}
demo=runs/demo
out=runs/quant_table
need "$demo/lora/bitswitch.json" quant_table
mkdir -p "$out"
recipe=(--config configs/train/lora_tiny.toml --train_file "$demo/data/train.json" --overwrite_output_dir --logging_steps 100)
dev=(--validation_file "$demo/data/dev.json")

echo "== PTQ of the full-precision LoRA run" >&2
"$bin" sweep --model "$demo/lora" "${dev[@]}" --uniform fp 16 8 6 5 4 3 2 --reference fp -o csv > "$out/ptq.csv"
for bits in 4 3; do
    echo "== static LoRA training at w${bits}a${bits}kv${bits}" >&2
    "$bin" train "${recipe[@]}" --output_dir "$out/static$bits" --w_bits "$bits" > "$out/static$bits.train.json"
    "$bin" sweep --model "$out/static$bits" "${dev[@]}" --precision "$bits" -o csv > "$out/static$bits.csv"
done

coarse=(--weight_granularity tensor --act_granularity tensor)
echo "== PTQ and static LoRA at 4 bits with per-tensor ranges" >&2
"$bin" sweep --model "$demo/lora" "${dev[@]}" "${coarse[@]}" --precision 4 -o csv > "$out/ptq_tensor4.csv"
"$bin" train "${recipe[@]}" "${coarse[@]}" --output_dir "$out/static4_tensor" --w_bits 4 > "$out/static4_tensor.train.json"
"$bin" sweep --model "$out/static4_tensor" "${dev[@]}" --precision 4 -o csv > "$out/static4_tensor.csv"

# Intervals: 95% percentile bootstrap over the dev questions (1,000 resamples).
echo "| training | inference bits | EM [95% CI] | F1 [95% CI] |"
echo "|---|---|---:|---:|"
tail -n +2 "$out/ptq.csv" | while IFS= read -r row; do
    echo "| LoRA at fp, then PTQ | ${row%%,*} | $(echo "$row" | interval_cells) |"
done
for bits in 4 3; do
    echo "| static LoRA at $bits bits | $bits | $(tail -n 1 "$out/static$bits.csv" | interval_cells) |"
done
echo "| LoRA at fp, then PTQ, per-tensor ranges | 4 | $(tail -n 1 "$out/ptq_tensor4.csv" | interval_cells) |"
echo "| static LoRA at 4 bits, per-tensor ranges | 4 | $(tail -n 1 "$out/static4_tensor.csv" | interval_cells) |"
