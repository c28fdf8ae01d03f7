#!/usr/bin/env bash
# Seed-002 Table 1 style experiment on the demo model and data: post-training quantization (PTQ) of the
# full-precision LoRA run of `make demo` at 16/8/6/5/4/3/2 bits, next to static LoRA training at 4 and 3
# bits (same recipe and step budget as the demo); then the same at 4 bits with coarser ranges (one per
# tensor for weights and activations), where 4 bits does cost accuracy. Needs runs/demo from `make demo`
# (or scripts/demo.sh). Results: runs/quant_table/*.json and a markdown table on stdout. About 5 minutes.
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
"$bin" eval --model "$demo/lora" "${dev[@]}" --output_dir "$out/ptq" \
    --precision fp --precision 16 --precision 8 --precision 6 --precision 5 --precision 4 --precision 3 --precision 2 > "$out/ptq.md"
for bits in 4 3; do
    echo "== static LoRA training at w${bits}a${bits}kv${bits}" >&2
    "$bin" train "${recipe[@]}" --output_dir "$out/static$bits" --w_bits "$bits" > "$out/static$bits.train.json"
    "$bin" eval --model "$out/static$bits" "${dev[@]}" --output_dir "$out/static$bits/eval" > "$out/static$bits.json"
done

coarse=(--weight_granularity tensor --act_granularity tensor)
echo "== PTQ and static LoRA at 4 bits with per-tensor ranges" >&2
"$bin" eval --model "$demo/lora" "${dev[@]}" "${coarse[@]}" --precision 4 > "$out/ptq_tensor4.json"
"$bin" train "${recipe[@]}" "${coarse[@]}" --output_dir "$out/static4_tensor" --w_bits 4 > "$out/static4_tensor.train.json"
"$bin" eval --model "$out/static4_tensor" "${dev[@]}" > "$out/static4_tensor.json"

echo "| training | inference bits | EM | F1 |"
echo "|---|---|---:|---:|"
sed -n '3,$p' "$out/ptq.md" | awk -F'|' '{gsub(/ /,"",$2); printf "| LoRA at fp, then PTQ | %s | %s | %s |\n", $2, $5, $6}'
for bits in 4 3; do
    printf '| static LoRA at %s bits | %s | %.2f | %.2f |\n' "$bits" "$bits" "$(field "$out/static$bits.json" exact_match)" \
        "$(field "$out/static$bits.json" f1)"
done
printf '| LoRA at fp, then PTQ, per-tensor ranges | 4 | %.2f | %.2f |\n' "$(field "$out/ptq_tensor4.json" exact_match)" \
    "$(field "$out/ptq_tensor4.json" f1)"
printf '| static LoRA at 4 bits, per-tensor ranges | 4 | %.2f | %.2f |\n' "$(field "$out/static4_tensor.json" exact_match)" \
    "$(field "$out/static4_tensor.json" f1)"
