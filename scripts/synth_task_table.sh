#!/usr/bin/env bash
# What the generated task can and cannot teach the tiny default model (docs/RESULTS.md): paragraphs about
# three people without distractor facts (the model must bind the question's person to the sentence's
# subject) against one person plus three confusable distractor facts (the demo's data before the default
# benchmark), and the demo's run on its data (one or two people). The demo's LoRA recipe
# (configs/train/lora_tiny.toml) at its former rank 16 (alpha 32) unless a row says otherwise; every row
# evaluated on the first 300 dev questions. Needs runs/demo from `make demo` (the last row). Writes
# runs/synth_task_table/ and prints a markdown table. About 11 minutes on 2 cores.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
bin=${1:-build/bitswitch}
demo=runs/demo
out=runs/synth_task_table
need "$demo/lora/bitswitch.json" synth_task_table
mkdir -p "$out"

echo "== data: 3 people per paragraph, no distractors (the demo's sizes and seed)" >&2
"$bin" data synth --output_dir "$out/data3" --train_paragraphs 3000 --dev_paragraphs 300 --questions_per_person 3 \
    --people_per_paragraph 3 --no_distractors --seed 1 > /dev/null
base=(--config configs/train/lora_tiny.toml --lora_r 16 --lora_alpha 32 --max_eval_samples 300 --overwrite_output_dir
      --logging_steps 100)
recipe=("${base[@]}" --train_file "$out/data3/train.json" --validation_file "$out/data3/dev.json")

echo "== LoRA r16, lr 3e-3, 1200 steps, evaluated at 400, 800 and 1200" >&2
"$bin" train "${recipe[@]}" --max_steps 1200 --eval_steps 400 --output_dir "$out/lora_1200" > /dev/null
echo "== full fine-tuning, lr 1e-3, 600 steps" >&2
"$bin" train "${recipe[@]}" --finetune full --learning_rate 1e-3 --output_dir "$out/full" > /dev/null
echo "== LoRA r16, lr 1e-2, 600 steps" >&2
"$bin" train "${recipe[@]}" --learning_rate 1e-2 --output_dir "$out/lora_lr1e-2" > /dev/null
echo "== data: 1 person + 3 distractor facts (the former demo data); LoRA r16, 600 steps" >&2
"$bin" data synth --output_dir "$out/data1" --train_paragraphs 3000 --dev_paragraphs 300 --questions_per_person 3 \
    --seed 1 > /dev/null
"$bin" train "${base[@]}" --train_file "$out/data1/train.json" --validation_file "$out/data1/dev.json" \
    --output_dir "$out/one_person" > /dev/null
echo "== the demo's run on its own data (1 or 2 people + 3 distractor facts each; LoRA r1)" >&2
"$bin" eval --model "$demo/lora" --validation_file "$demo/data/dev.json" --max_eval_samples 300 > "$out/demo.json"

evals() {  # "EM / F1" of every evaluation in a run's log, joined with " · "
    grep -o '"eval_exact_match":[0-9.]*,"eval_f1":[0-9.]*' "$1/log.jsonl" |
        sed -E 's/"eval_exact_match":([0-9.]+),"eval_f1":([0-9.]+)/\1 \2/' |
        awk '{ printf "%s%.1f / %.1f", (NR > 1 ? " · " : ""), $1, $2 }'
}
echo "| data | fine-tuning | steps | dev EM / F1 (first 300 questions) |"
echo "|---|---|---|---|"
echo "| 3 people per paragraph, no distractors | LoRA r16, lr 3e-3 | 400 · 800 · 1200 | $(evals "$out/lora_1200") |"
echo "| 3 people per paragraph, no distractors | full, lr 1e-3 | 600 | $(evals "$out/full") |"
echo "| 3 people per paragraph, no distractors | LoRA r16, lr 1e-2 | 600 | $(evals "$out/lora_lr1e-2") |"
echo "| 1 person + 3 distractor facts | LoRA r16, lr 3e-3 | 600 | $(evals "$out/one_person") |"
printf '| 1 or 2 people + 3 distractor facts each (the demo'"'"'s data) | LoRA r1, lr 3e-3 | 600 | %.1f / %.1f |\n' \
    "$(field "$out/demo.json" exact_match)" "$(field "$out/demo.json" f1)"
