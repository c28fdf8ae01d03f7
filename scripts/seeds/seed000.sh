#!/usr/bin/env bash
# Seed 000's training experiments in their shape on the default benchmark: switchable precision with its
# documented levels (w = a = 8, 6, 4 bits; `--a_bits 4 6 8 --w_bits 4 6 8` without --mode), the QA head at
# full precision, with its two losses (avg_loss and cascaded distillation), and cyclic precision training
# (`--is_cyclic_precision --cyclic_w_bits_schedule 4 8 --cyclic_a_bits_schedule 4 8 --num_cyclic_period
# 32`), beside static 8-bit LoRA quantized after training to 6 and 4 bits; each with every seed in SEEDS,
# evaluated at 8, 6 and 4 bits. Writes the table into docs/RESULTS.md (section seeds/seed000). Seed 000
# publishes no numbers; its analysis is in scripts/seed_experiments.sh, its word attack in
# scripts/seed000_word_attack.sh. About 80 minutes on 2 cores for three seeds (needs `make demo`).
# Usage: scripts/seeds/seed000.sh [BITSWITCH]
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/lib.sh
source scripts/seeds/lib.sh
bin=${1:-build/bitswitch}
need "$demo_data/train.json" scripts/seeds/seed000.sh
out=$seed_runs/seed000

train_per_seed "$out/static8" --mode static --w_bits 8
train_per_seed "$out/switchable_avg" --a_bits 4 6 8 --w_bits 4 6 8 --fp_head
train_per_seed "$out/switchable_cascade" --a_bits 4 6 8 --w_bits 4 6 8 --fp_head --switch_loss cascade \
    --kd_loss kl --kd_temperature 2 --distill_weight 1
train_per_seed "$out/cpt" --is_cyclic_precision --cyclic_w_bits_schedule 4 8 --cyclic_a_bits_schedule 4 8 \
    --num_cyclic_period 32
for m in static8 switchable_avg switchable_cascade cpt; do sweep_per_seed "$out/$m" sweep --uniform 8 6 4; done

table=$(mktemp)
trap 'rm -f "$table"' EXIT
{
    echo "## Seed 000's switchable and cyclic training, reproduced in its shape"
    echo
    echo "Seed 000 trains GPT-2-124M on SQuAD with its command lines (switchable 4/6/8 bits with"
    echo "bit-width-specific LoRA, avg_loss or cascaded distillation; CPT 4-8 bits, 32 periods) and publishes"
    echo "no numbers. Here each row is the demo's LoRA recipe (rank 1, 600 steps of 16 windows) on the"
    echo "generated benchmark with the seed's flags, trained once per seed; static 8-bit LoRA is quantized"
    echo "after training to 6 and 4 bits."
    cells_legend
    echo
    echo "| bitswitch training (seed 000's flags) | bits | F1 | EM |"
    echo "|---|---|---:|---:|"
    for m in static8 switchable_avg switchable_cascade cpt; do
        case $m in
            static8) label="static 8-bit LoRA (\`--mode static --w_bits 8\`), PTQ below 8" ;;
            switchable_avg) label="switchable 8/6/4, avg_loss, fp head" ;;
            switchable_cascade) label="switchable 8/6/4, cascaded distillation (KL, T = 2), fp head" ;;
            cpt) label="CPT 4-8 bits, 32 periods (\`--is_cyclic_precision\`)" ;;
        esac
        for b in 8 6 4; do echo "| $label | $b | $(seed_cells "$out/$m" sweep "$b") |"; done
    done
    echo
    provenance scripts/seeds/seed000.sh
    echo
    echo "Seed 000 reports no accuracy, so there is nothing to set beside these; GPT-2's weights and the full"
    echo "SQuAD train set cannot be downloaded here, and a user with them runs the same flags with"
    echo "\`--model_name_or_path gpt2 --train_file train-v1.1.json\`."
} > "$table"
cat "$table"
results_section seed000 "$table"
echo "seed000: table written into $results_file (section seeds/seed000); runs in $out/" >&2
