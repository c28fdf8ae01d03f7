#!/usr/bin/env bash
# Attacks: the cost of one PGD step against one LoRA training step (GPT-2-124M shapes, bench_attack), and
# attack throughput in questions per second for each way of crafting (fixed precision, per-step random
# draw, EOT over 4 draws) with `bitswitch attack pgd` and `attack word`, and of `attack gbda` at a fixed
# precision, on the shipped default model (assets/tiny-gpt2, 6 x 128)
# and the first N questions of the shipped SQuAD dev subset. Usage: bench/attack.sh [BUILD_DIR] [N]
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
questions=${2:-100}
echo "# one PGD step vs one LoRA training step, batch 4 x 384 (best of 3)"
OMP_WAIT_POLICY=PASSIVE "$build/bench/bench_attack" 0 3
echo "# attack pgd throughput: $questions questions, 10 steps, default model"
out="$build/bench-attack"
OMP_WAIT_POLICY=PASSIVE "$build/bitswitch" attack pgd --model assets/tiny-gpt2 \
    --validation_file assets/data/squad-v1.1-dev-subset.json --max_eval_samples "$questions" \
    --craft_at 8 rpi eot --eval_at 8 rpi --rpi_levels 8 4 --eot_samples 4 --steps 10 --output_dir "$out"
echo "# attack gbda throughput: 1 question, default settings (100 iterations x 10 samples), default model"
OMP_WAIT_POLICY=PASSIVE "$build/bitswitch" attack gbda --model assets/tiny-gpt2 \
    --validation_file assets/data/squad-v1.1-dev-subset.json --max_eval_samples 1 \
    --craft_at 8 --eval_at 8 --output_dir "$out-gbda"
echo "# attack word throughput: $questions questions, default settings, default model"
OMP_WAIT_POLICY=PASSIVE "$build/bitswitch" attack word --model assets/tiny-gpt2 \
    --validation_file assets/data/squad-v1.1-dev-subset.json --max_eval_samples "$questions" \
    --craft_at 8 rpi eot --eval_at 8 rpi --rpi_levels 8 4 --eot_samples 4 --output_dir "$out-word"
