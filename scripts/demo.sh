#!/usr/bin/env bash
# make demo: LoRA fine-tuning of the shipped tiny GPT-2 (assets/tiny-gpt2, see its README) on generated
# extractive QA, then EM/F1 on the generated dev split (unseen names) and on the real SQuAD v1.1 dev subset,
# then the default analysis benchmark: the same model at every uniform precision, with intervals.
# Everything lands in runs/demo/. About 4 minutes on 2 cores after the build.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
bin=${1:-build/bitswitch}
run=runs/demo
mkdir -p "$run"
step() { printf '\n== %s\n' "$*"; }

step "1/5 Generate QA data (SQuAD v1.1 format): 3000 train paragraphs about one or two people, 300 dev paragraphs with other names"
"$bin" data synth --output_dir "$run/data" --train_paragraphs 3000 --dev_paragraphs 300 --questions_per_person 3 \
    --people_per_paragraph 2 --min_people_per_paragraph 1 --seed 1

step "2/5 LoRA fine-tuning of assets/tiny-gpt2 (frozen base; rank-1 adapters on every linear + QA head)"
"$bin" train --config configs/train/lora_tiny.toml --train_file "$run/data/train.json" \
    --validation_file "$run/data/dev.json" --output_dir "$run/lora" --overwrite_output_dir \
    --logging_steps 50 > "$run/train_summary.json"

step "3/5 Evaluate on the real SQuAD v1.1 dev subset (1,877 questions; the model never saw SQuAD questions)"
"$bin" eval --model "$run/lora" --validation_file assets/data/squad-v1.1-dev-subset.json --output_dir "$run/eval_squad" \
    > "$run/eval_squad.json"

step "4/5 The default analysis benchmark: post-training quantization to every uniform level (w = a = kv bits)"
"$bin" sweep --model "$run/lora" --validation_file "$run/data/dev.json" --uniform fp 8 6 5 4 3 \
    --output_dir "$run/benchmark" > /dev/null

step "5/5 Results"
printf '%-36s %8s %8s\n' "evaluation set" "EM" "F1"
printf '%-36s %8.2f %8.2f\n' "synthetic dev (unseen names)" "$(field "$run/lora/eval_results.json" exact_match)" \
    "$(field "$run/lora/eval_results.json" f1)"
printf '%-36s %8.2f %8.2f\n' "SQuAD v1.1 dev subset (real)" "$(field "$run/eval_squad.json" exact_match)" \
    "$(field "$run/eval_squad.json" f1)"
printf '\nSynthetic dev at each uniform precision (runs/demo/benchmark/sweep.md):\n\n'
cat "$run/benchmark/sweep.md"
echo "Predictions, logs, the benchmark and the trained adapters are in $run/."
