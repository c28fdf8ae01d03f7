#!/usr/bin/env bash
# The seeds' analysis experiments, in their shape, on the demo's model (make demo) and its generated dev
# split; everything lands in runs/seed_experiments/ with one report.html:
#   seed 000  layer sensitivity from several uniform bases (16, 8, 6) to lower test levels (6, 4), per block,
#             and its mixed config: 83% of the blocks reduced (5 of the demo model's 6) to 4 bits, the one
#             kept at 8 chosen by the measured drops (an exact search at that budget), against uniform 8 and 4
#   seed 001  the greedy layer-wise search per unit (base 8, units at 4 or 3), with the exact optimum beside
#             it over a frontier of budgets; the same with the KL proxy as the predictor
#   seed 003  the hybrid config with a quarter of the weights at 4 bits and the rest at 8 (average 7 bits),
#             chosen per unit from the sensitivity, against uniform 8 and 4
# About 6 minutes on 2 cores. Usage: scripts/seed_experiments.sh [BITSWITCH]
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
bin=${1:-build/bitswitch}
need runs/demo/lora/bitswitch.json scripts/seed_experiments.sh
out=runs/seed_experiments
mkdir -p "$out"
flags=(--model runs/demo/lora --validation_file runs/demo/data/dev.json)
step() { printf '\n== %s\n' "$*"; }

step "seed 000: block sensitivity from bases 16, 8 and 6"
for base in 16 8 6; do
    tests=(6 4)
    [ "$base" = 6 ] && tests=(4)
    "$bin" sensitivity "${flags[@]}" --base "$base" --test "${tests[@]}" --granularity block \
        --output_dir "$out/seed000_base$base" 2> /dev/null
done
step "seed 000: 5 of 6 blocks at 4 bits (83%), the sixth at 8, chosen by the measured drops"
# Blocks hold equal weights and the head almost none: 5 blocks at 4 and 1 at 8 average (5x4 + 8)/6 bits.
# Only 8 or 4 per block, as the seed's mixed config: a sensitivity at 4 alone.
"$bin" sensitivity "${flags[@]}" --base 8 --test 4 --granularity block --output_dir "$out/seed000_at4" \
    > /dev/null 2>&1
"$bin" search "${flags[@]}" --sensitivity "$out/seed000_at4/sensitivity.jsonl" --budget 4.6667 \
    --output_dir "$out/seed000_mixed" 2> /dev/null
"$bin" sweep "${flags[@]}" --uniform 8 4 --precision "$out/seed000_mixed/configs/exact_avg_bits_4.6667.json" \
    --reference 8 --output_dir "$out/seed000_mixed_vs_uniform" 2> /dev/null

step "seed 001: greedy layer-wise search per unit (base 8; units at 4 or 3) with the exact optimum beside it"
"$bin" sensitivity "${flags[@]}" --base 8 --test 4 3 --granularity unit --output_dir "$out/seed001_units" \
    > /dev/null 2>&1
"$bin" search "${flags[@]}" --sensitivity "$out/seed001_units/sensitivity.jsonl" --frontier 8 \
    --output_dir "$out/seed001_search" 2> /dev/null
step "seed 001 again with the KL proxy as the predictor (positive for every unit: no noise to exploit)"
"$bin" search "${flags[@]}" --sensitivity "$out/seed001_units/sensitivity.jsonl" --predictor kl --frontier 8 \
    --output_dir "$out/seed001_search_kl" 2> /dev/null

step "seed 003: a quarter of the weights at 4 bits, the rest at 8 (average 7 bits), per unit"
"$bin" sensitivity "${flags[@]}" --base 8 --test 4 --granularity unit --output_dir "$out/seed003_units" \
    > /dev/null 2>&1
"$bin" search "${flags[@]}" --sensitivity "$out/seed003_units/sensitivity.jsonl" --budget 7 \
    --output_dir "$out/seed003_hybrid" 2> /dev/null
"$bin" sweep "${flags[@]}" --uniform 8 4 --precision "$out/seed003_hybrid/configs/exact_avg_bits_7.json" \
    --reference 8 --output_dir "$out/seed003_hybrid_vs_uniform" 2> /dev/null

"$bin" report runs/demo/lora "$out"/seed000_base16 "$out"/seed000_base8 "$out"/seed000_base6 \
    "$out"/seed000_mixed_vs_uniform "$out"/seed001_search "$out"/seed003_hybrid \
    --title "Seeds' analysis experiments on the demo model" -o "$out/report.html"
echo "seed_experiments: tables above, everything in $out/, the report in $out/report.html"
