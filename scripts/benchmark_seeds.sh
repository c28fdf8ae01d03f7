#!/usr/bin/env bash
# The default analysis benchmark over several seeds, and why its LoRA rank is 1: the demo's recipe
# (configs/train/lora_tiny.toml) on the demo's data (make demo) trained with --seed 42 (the demo's own run),
# 1 and 7, each swept over every uniform level, then `bitswitch seeds` over the three (mean, standard
# deviation, range); beside it the same recipe at rank 2 and at rank 16 (alpha = 2 x rank, seed 42), whose
# float adapters carry the task past 4-bit quantization of the base. Everything lands in
# runs/benchmark_seeds/. About 15 minutes on 2 cores. Usage: scripts/benchmark_seeds.sh [BITSWITCH]
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
bin=${1:-build/bitswitch}
need runs/demo/lora/bitswitch.json scripts/benchmark_seeds.sh
out=runs/benchmark_seeds
mkdir -p "$out"
data=runs/demo/data
levels=(fp 8 6 5 4 3)

# train NAME FLAGS...: the demo's recipe with FLAGS, then its uniform sweep in $out/NAME/sweep.
train() {
    local name=$1
    shift
    "$bin" train --config configs/train/lora_tiny.toml --train_file "$data/train.json" \
        --validation_file "$data/dev.json" --output_dir "$out/$name" --overwrite_output_dir \
        --logging_steps 200 "$@" > /dev/null 2>&1
    sweep "$out/$name" "$name"
}
sweep() {
    "$bin" sweep --model "$1" --validation_file "$data/dev.json" --uniform "${levels[@]}" \
        --output_dir "$out/$2/sweep" > /dev/null 2>&1
}

echo "== seed 42 (the demo's run)"
mkdir -p "$out/seed42"
sweep runs/demo/lora seed42
for seed in 1 7; do
    echo "== seed $seed"
    train "seed$seed" --seed "$seed"
done
for rank in 2 16; do
    echo "== rank $rank, seed 42"
    train "rank$rank" --lora_r "$rank" --lora_alpha "$((2 * rank))"
done

printf '\n## Rank 1 (the default), seeds 42, 1, 7\n\n'
"$bin" seeds "$out"/seed{42,1,7}/sweep/sweep.jsonl | tee "$out/seeds.md"
for rank in 2 16; do
    printf '\n## Rank %s, seed 42\n\n' "$rank"
    cat "$out/rank$rank/sweep/sweep.md"
done
