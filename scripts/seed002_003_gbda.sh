#!/usr/bin/env bash
# Seeds 002 and 003's GBDA experiments on the default model, in one script because they share the attack:
#   seed 002  the transfer table (its Table 5): GBDA crafted at each of fp, 8-bit and 4-bit, evaluated at
#             each, on switchable models (levels fp/8/4, one adapter per level: seed 001's three training
#             seeds from scripts/seed001_attack.sh);
#   seed 003  GBDA against full precision, 8-bit and 4-bit post-training quantization: a LoRA model trained
#             at full precision only (one level), run at 8 and 4 bits with its one adapter, three training
#             seeds of the demo recipe.
# GBDA here has the fluency and similarity terms seed 002 left out (weights 1 each, docs/ROBUSTNESS.md).
# GBDA is expensive (vocabulary-sized tensors at every token, docs/BENCHMARKS.md): the budget is reduced to
# ITERATIONS Adam steps of SAMPLES draws on the first N dev questions; the defaults take about 3 hours per
# training seed on 2 cores. Needs runs/demo/data (make demo) and runs/seed001_attack/run_s{1,2,3}.
# Resumable: an attack whose result file exists is not run again (results are written to a temporary file and
# renamed when complete); delete runs/seed002_003_gbda to start over.
# Usage: scripts/seed002_003_gbda.sh [BITSWITCH] [N] [ITERATIONS] [SAMPLES] [SEEDS...]
# SUMMARY_ONLY=1 prints the tables of the results already there (a table whose seeds are not all done is
# left out, with a note) without running anything, e.g. while another seed is still running.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
bin=${1:-build/bitswitch}
questions=${2:-50}
iterations=${3:-30}
samples=${4:-5}
shift $(( $# < 4 ? $# : 4 ))
if (( $# )); then seeds=("$@"); else seeds=(1 2 3); fi
data=runs/demo/data
switchable=runs/seed001_attack
out=runs/seed002_003_gbda
need "$data/train.json" seed002_003_gbda
mkdir -p "$out"
levels=(fp w8a8kv32 w4a8kv32)
gbda=(attack gbda --validation_file "$data/dev.json" --max_eval_samples "$questions" --iterations "$iterations"
    --samples "$samples" --craft_at "${levels[@]}" --eval_at "${levels[@]}" -o jsonl)
for seed in "${seeds[@]}"; do
    [[ -n "${SUMMARY_ONLY:-}" ]] && break
    [[ -f "$switchable/run_s$seed/bitswitch.json" ]] ||
        { echo "seed002_003_gbda: run scripts/seed001_attack.sh first (it trains $switchable/run_s$seed)" >&2; exit 2; }
    fp_run="$out/fp_run_s$seed"
    if [[ ! -f "$fp_run/bitswitch.json" ]]; then
        "$bin" train --config configs/train/lora_tiny.toml --train_file "$data/train.json" --overwrite_output_dir \
            --logging_steps 100 --seed "$seed" --output_dir "$fp_run" > "$out/fp_train_s$seed.json"
    fi
    for kind in switchable ptq; do
        result="$out/${kind}_s$seed.jsonl"
        [[ -f "$result" ]] && continue
        model="$switchable/run_s$seed"
        [[ $kind == ptq ]] && model="$fp_run"
        "$bin" "${gbda[@]}" --model "$model" --seed "$seed" --output_dir "$out/${kind}_s$seed" > "$result.tmp"
        mv "$result.tmp" "$result"
    done
done
/usr/bin/python3 - "$out" "${seeds[@]}" <<'PY'
import json, os, statistics, sys
out, seeds = sys.argv[1], sys.argv[2:]
names = {"fp": "fp", "w8a8kv32": "8-bit", "w4a8kv32": "4-bit"}
def ms(values):
    return f"{statistics.mean(values):.2f}" + (f" ± {statistics.stdev(values):.2f}" if len(values) > 1 else "")
def ci(i):
    return f"{i[0]:+.2f} [{i[1]:+.2f}, {i[2]:+.2f}]"
for kind, title in (("switchable", "Seed 002: transfer across precisions (switchable model, QAT adapters per level)"),
                    ("ptq", "Seed 003: GBDA against full precision and post-training quantization")):
    missing = [s for s in seeds if not os.path.exists(f"{out}/{kind}_s{s}.jsonl")]
    if missing:
        print(f"**{title}**: training seed(s) {', '.join(missing)} not done yet\n")
        continue
    runs = [[json.loads(l) for l in open(f"{out}/{kind}_s{s}.jsonl")] for s in seeds]
    print(f"**{title}**\n")
    print("| crafted at | evaluated at | clean F1 (mean ± sd over seeds) | adversarial F1 | ΔF1 per seed [95% CI] | "
          "answers changed % | tokens changed % | perplexity clean → adversarial |")
    print("|---|---|---:|---:|---|---:|---:|---|")
    for i, cell in enumerate(runs[0]):
        cells = [r[i] for r in runs]
        stats = [c["craft_stats"] for c in cells]
        print(f"| {names[cell['crafted_at']]} | {names[cell['evaluated_at']]} | "
              f"{ms([c['clean_f1'][0] for c in cells])} | {ms([c['adversarial_f1'][0] for c in cells])} | "
              f"{'; '.join(ci(c['f1_change']) for c in cells)} | {ms([c['success_rate'] for c in cells])} | "
              f"{ms([100 * s['mean_changed_share'] for s in stats])} | "
              f"{ms([s['mean_perplexity_clean'] for s in stats])} → {ms([s['mean_perplexity_adversarial'] for s in stats])} |")
    print()
PY
