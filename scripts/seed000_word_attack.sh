#!/usr/bin/env bash
# Seed 000's robustness experiment: the word-level QA-Attack (attack word: attention + removal ranking,
# WordNet synonyms ranked by fluency) on N questions against fixed 8-bit and 4-bit precision and against
# random precision inference (RPI: a level per block and the head, uniform over fp/8/4), with the F1 and EM
# drop of each. Seed 000 crafted at a fixed precision and evaluated under RPI (transfer) only; the table
# also shows the attack crafted with EOT over the random precision (the candidate kept at each word is the
# one that lowers the clean answer's probability most on average over 4 draws), the adaptive attack.
#   - The models are seed 001's three training seeds (scripts/seed001_attack.sh trains them: switchable,
#     levels fp/8/4 with one adapter per level, the demo recipe on the synthetic task).
#   - Each training seed is attacked on the first N questions of the dev split; intervals are bootstrap
#     over questions, the spread over seeds is the standard deviation.
# Needs runs/seed001_attack/run_s{1,2,3} (scripts/seed001_attack.sh) and runs/demo/data (make demo).
# Usage: scripts/seed000_word_attack.sh [BITSWITCH] [N]. About 30 minutes on 2 cores with N = 300.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
bin=${1:-build/bitswitch}
questions=${2:-300}
data=runs/demo/data
models=runs/seed001_attack
out=runs/seed000_word_attack
need "$data/dev.json" seed000_word_attack
mkdir -p "$out"
seeds=(1 2 3)
for seed in "${seeds[@]}"; do
    [[ -f "$models/run_s$seed/bitswitch.json" ]] ||
        { echo "seed000_word_attack: run scripts/seed001_attack.sh first (it trains $models/run_s$seed)" >&2; exit 2; }
    "$bin" attack word --model "$models/run_s$seed" --validation_file "$data/dev.json" \
        --max_eval_samples "$questions" --craft_at w8a8kv32 w4a8kv32 eot --eval_at w8a8kv32 w4a8kv32 rpi \
        --rpi_levels fp w8a8kv32 w4a8kv32 --rpi_granularity layer --rpi_draws 5 --eot_samples 4 \
        --seed "$seed" -o jsonl --output_dir "$out/attack_s$seed" > "$out/attack_s$seed.jsonl"
done
/usr/bin/python3 - "$out" "${seeds[@]}" <<'PY'
import json, statistics, sys
out, seeds = sys.argv[1], sys.argv[2:]
runs = [[json.loads(l) for l in open(f"{out}/attack_s{s}.jsonl")] for s in seeds]
names = {"w8a8kv32": "8-bit", "w4a8kv32": "4-bit", "rpi": "RPI", "eot": "EOT over RPI"}
def ms(values):
    return f"{statistics.mean(values):.2f} ± {statistics.stdev(values):.2f}"
def ci(i):
    return f"{i[0]:+.2f} [{i[1]:+.2f}, {i[2]:+.2f}]"
print("| crafted at | evaluated at | clean F1 (mean ± sd over seeds) | adversarial F1 | ΔF1 per seed [95% CI] | "
      "F1 drop % | EM drop (points) | answers changed % |")
print("|---|---|---:|---:|---|---:|---:|---:|")
for i, cell in enumerate(runs[0]):
    cells = [r[i] for r in runs]
    print(f"| {names.get(cell['crafted_at'], cell['crafted_at'])} | "
          f"{names.get(cell['evaluated_at'], cell['evaluated_at'])} | "
          f"{ms([c['clean_f1'][0] for c in cells])} | {ms([c['adversarial_f1'][0] for c in cells])} | "
          f"{'; '.join(ci(c['f1_change']) for c in cells)} | {ms([c['f1_drop_percent'] for c in cells])} | "
          f"{ms([c['clean_exact_match'][0] - c['adversarial_exact_match'][0] for c in cells])} | "
          f"{ms([c['success_rate'] for c in cells])} |")
print()
stats = [json.load(open(f"{out}/attack_s{s}/attack.json"))["cells"] for s in seeds]
print("| crafted at | words substituted | share of attackable words | model queries | flipped while crafting |")
print("|---|---:|---:|---:|---:|")
seen = set()
for i, cell in enumerate(stats[0]):
    if cell["crafted_at"] in seen:
        continue
    seen.add(cell["crafted_at"])
    cs = [s[i]["craft_stats"] for s in stats]
    print(f"| {names.get(cell['crafted_at'], cell['crafted_at'])} | {ms([c['mean_words_substituted'] for c in cs])} | "
          f"{ms([100 * c['mean_changed_share'] for c in cs])} % | {ms([c['mean_queries'] for c in cs])} | "
          f"{ms([100 * c['mean_flipped_at_crafting'] for c in cs])} % |")
PY
